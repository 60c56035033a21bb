"""A deal built online, in the sync log's record story: kept as a pending DMS deal, updated
by the shopper's next version, then changed again after the DMS booked it -- refused and
waiting in the retry queue, with the reason. What the screen shows of it never holds the
shopper's SSN. Saved at 1280x720 and 1920x1080."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.sandbox.demo import install_demo
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.scheduling.retailing_listener import RetailingListener
from app.store import Store
from app.store.models import ParkedRecord, RecordOutcome
from app.sync.engine import SyncEngine
from app.ui.dialogs.record_timeline import RecordTimelineDialog
from app.ui.theme import apply_theme
from tests.support.retailing import Dms, Tool, settled, wait_for


@pytest.fixture
def booked_then_changed(store: Store) -> Iterator[tuple[str, list[str]]]:
    """A deal with a trade-in: sent, updated, booked in the DMS, then changed by the
    shopper anyway. Yields its key and the SSNs the tool sent."""
    with SandboxServers(build_dataset(150, seed=31), seed=31) as sandbox:
        install_demo(store, sandbox.port_file_payload())
        assert SyncEngine(store).run("customers-dms-to-crm").status == "succeeded"
        listener = RetailingListener.start_all(store, settle_s=0.1)
        tool, dms = Tool(sandbox), Dms(sandbox)
        try:
            keys = tool.send(6, redeliver=0.5)
            sent = tool.deals()
            key = next(
                k for k in keys if sent[k]["trade_vin"] and sent[k]["payment_method"] != "CASH"
            )
            wait_for(lambda: dms.deal(key), what="the deal")
            tool.post("/_sandbox/update-deal", params={"deal": key})
            wait_for(lambda: (dms.deal(key) or {}).get("version") == "2", what="version 2")
            dms.book(key)
            tool.post("/_sandbox/update-deal", params={"deal": key})
            wait_for(settled(listener, 3), what="the runs")

            def parked() -> bool:
                with store.session() as s:
                    q = s.query(ParkedRecord).filter(ParkedRecord.record_key == key)
                    return q.count() > 0

            wait_for(parked, what="the change after booking parked")
            ssns = [
                j["credit_authorization"]["applicant_ssn"]
                for j in tool.jackets()
                if (j.get("credit_authorization") or {}).get("applicant_ssn")
            ]
        finally:
            listener.stop()
            tool.http.close()
        yield key, ssns


def _newest_outcome(store: Store, key: str) -> int:
    with store.session() as s:
        outcome = (
            s.query(RecordOutcome)
            .filter(RecordOutcome.record_key == key)
            .order_by(RecordOutcome.id.desc())
            .first()
        )
        assert outcome is not None
        return int(outcome.id)


def test_a_deal_built_online_tells_its_story(
    qtbot, qapp, store: Store, booked_then_changed: tuple[str, list[str]], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    key, ssns = booked_then_changed
    assert ssns
    apply_theme(qapp)
    dialog = RecordTimelineDialog(store, _newest_outcome(store, key), admin=True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.story is not None, timeout=10000)
    qtbot.waitUntil(lambda: "Loading" not in dialog.source_view.toPlainText(), timeout=10000)
    assert key in dialog.title.text()
    actions = [dialog.model.index(r, 0).data() for r in range(dialog.model.rowCount())]
    assert dialog.model.rowCount() >= 3, actions  # created, updated, refused after booking
    assert "Waiting in the retry queue" in dialog.queue_label.text()
    assert "is booked in the DMS" in dialog.queue_label.text()
    assert "(down_payment)" in dialog.queue_label.text()  # the change, not the same customer
    source = dialog.source_view.toPlainText()
    assert "trade_vin" in source and "payment_method" in source
    for size in ((1280, 720), (1920, 1080)):
        dialog.resize(*size)
        qapp.processEvents()
        views = (dialog.source_view, dialog.mapped_view, dialog.sent_view, dialog.response_view)
        shown = "\n".join(v.toPlainText() for v in views)
        assert not any(ssn in shown or ssn.replace("-", "") in shown for ssn in ssns)
        assert dialog.grab().save(str(tmp_path / f"retailing_deal_story_{size[0]}x{size[1]}.png"))
    dialog.show_personal_data()  # an admin sees the shopper; the SSN was never kept
    shown = dialog.source_view.toPlainText() + dialog.sent_view.toPlainText()
    assert not any(ssn in shown for ssn in ssns)
