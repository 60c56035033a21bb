"""Flows → Reconcile and Flows → Shadow runs (issue 25) against the demo servers:

- a CRM that silently drops 5 % of upserts: the run succeeded, Reconcile now lists exactly
  the dropped records, a row opens the record's story, Re-sync these sends them through
  the engine and the next reconciliation finds nothing missing or different; the
  dashboard's "Flows that agree" card says so and opens the tab;
- a shadow run against a CRM an old integration filled: the tab shows the creates and
  updates it would make, the CRM stays byte-identical, Go live… turns the flow on;
- Send everything again… sends every record whatever the app remembers;
- the wizard's delete handling box writes the flow's ``deletes`` option.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt

from app.paths import AppPaths
from app.sandbox.demo import install_demo
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.services.flow_options import is_shadow
from app.services.flows import FlowService
from app.services.profiles import ProfileService
from app.store import Store, open_store
from app.sync.engine import SyncEngine
from app.ui.dialogs.record_timeline import RecordTimelineDialog
from app.ui.models.reconcile_model import FINDING_ROLE
from app.ui.screens.dashboard import DashboardScreen
from app.ui.screens.reconcile import ReconcileScreen
from app.ui.wizards.flow_deletes import DeletesBox
from tests.support.mapping import GENERIC_FLOW, add_generic_customers_flow
from tests.support.sandbox import export

FLOW = GENERIC_FLOW  # STAR -> the CRM's generic contacts (an upsert on external_id)


@pytest.fixture
def sandbox() -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(200, seed=12), seed=12) as servers:
        yield servers


def _screen(qtbot, store: Store, kind: str) -> ReconcileScreen:  # type: ignore[no-untyped-def]
    screen = ReconcileScreen(store, kind)
    qtbot.addWidget(screen)
    screen.resize(1280, 720)
    screen.show()
    qtbot.waitUntil(lambda: screen.loaded is not None, timeout=20000)
    flow_id = FlowService(store).get(FLOW).id
    screen.reload(flow_id)
    qtbot.waitUntil(lambda: screen.loaded is not None and screen.loaded.flow.id == flow_id)
    return screen


def _wait_idle(qtbot, screen: ReconcileScreen, report_before: int | None) -> None:  # type: ignore[no-untyped-def]
    """Until the background work is over and a newer report is shown."""

    def done() -> bool:
        r = screen.loaded.report if screen.loaded else None
        return screen.token is None and r is not None and r.id != report_before

    qtbot.waitUntil(done, timeout=60000)


def _shown_keys(screen: ReconcileScreen) -> set[str]:
    model = screen.model
    while model.canFetchMore():
        model.fetchMore()
    return {model.row_at(r).key for r in range(model.rowCount())}


def _save(widget, name: str, out: Path) -> None:  # type: ignore[no-untyped-def]
    for w, h in ((1280, 720), (1920, 1080)):
        widget.resize(w, h)
        widget.grab().save(str(out / f"{name}_{w}x{h}.png"))


def test_reconcile_tab_finds_silent_drops_and_resync_fixes_them(
    qtbot, store: Store, sandbox: SandboxServers, answer_yes: list[str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    install_demo(store, sandbox.port_file_payload())
    add_generic_customers_flow(store)
    sandbox.set_faults("crm:silent_drop_rate=0.05")
    assert SyncEngine(store).run(FLOW).status == "succeeded"  # the CRM said yes to all
    sandbox.set_faults("")
    dropped = {d["external_id"] for d in export(sandbox, "crm", "dropped")}
    assert dropped

    screen = _screen(qtbot, store, "reconcile")
    assert screen.stack.currentWidget() is screen.empty  # not reconciled yet
    screen.run_button.click()
    _wait_idle(qtbot, screen, None)
    r = screen.loaded.report
    assert r is not None and r.status == "differ"
    assert r.only_in_source + r.different == len(dropped)
    assert screen.cards[0].value.text() == f"{r.only_in_source:,}"
    assert screen.cards[3].value.text() == f"{200 - len(dropped):,}"
    assert "missing or different" in screen.status.text()
    screen.group_combo.setCurrentIndex(0)
    shown = _shown_keys(screen)
    assert dropped <= shown  # every dropped key, and else only the CRM's own contacts
    assert all(
        screen.model.row_at(i).group == "only_in_destination"
        for i in range(screen.model.rowCount())
        if screen.model.row_at(i).key not in dropped
    )
    assert screen.resync_button.isEnabled()
    _save(screen, "reconcile_tab", tmp_path)

    opened: list[RecordTimelineDialog] = []
    monkeypatch.setattr(RecordTimelineDialog, "open", lambda self: opened.append(self))
    row = next(
        i for i in range(screen.proxy.rowCount())
        if screen.proxy.data(screen.proxy.index(i, 0), FINDING_ROLE).key in dropped
    )  # fmt: skip
    screen.table.doubleClicked.emit(screen.proxy.index(row, 0))
    assert (
        opened
        and opened[0].outcome_id
        == screen.proxy.data(screen.proxy.index(row, 0), FINDING_ROLE).outcome_id
    )

    before = r.id
    screen.resync_these()
    assert answer_yes and f"Send {len(dropped):,} records" in answer_yes[-1]
    qtbot.waitUntil(lambda: screen.token is None, timeout=60000)
    screen.run_button.click()
    _wait_idle(qtbot, screen, before)
    again = screen.loaded.report
    assert again.only_in_source == 0 and again.different == 0 and again.same == 200
    assert not screen.resync_button.isEnabled()

    board = DashboardScreen(ProfileService(store))
    qtbot.addWidget(board)
    qtbot.waitUntil(lambda: board.reconcile_card.value.text() == "1 of 1", timeout=20000)
    assert board.reconcile_card.note.text() == "nothing missing or different"
    with qtbot.waitSignal(board.open_reconcile, timeout=2000):
        qtbot.mouseClick(board.reconcile_card, Qt.MouseButton.LeftButton)


def _raw_export(sandbox: SandboxServers) -> bytes:
    url = f"{sandbox.servers['crm'].url}/_sandbox/export/contacts"
    return httpx.get(url, timeout=30, trust_env=False).content


def test_shadow_tab_reports_the_plan_sends_nothing_and_goes_live(
    qtbot, store: Store, sandbox: SandboxServers, answer_yes: list[str], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    old = open_store(AppPaths(tmp_path / "old-integration").ensure())
    try:
        install_demo(old, sandbox.port_file_payload())
        add_generic_customers_flow(old)
        assert SyncEngine(old).run(FLOW).status == "succeeded"
    finally:
        old.dispose()
    crm = sandbox.app("crm").store
    ours = sorted(
        (c for c in export(sandbox, "crm", "contacts") if c["external_id"].startswith("C")),
        key=lambda c: c["external_id"],
    )
    for c in ours[5:9]:
        crm.update_contact(c["contact_id"], {"city": "Shadowville"})
    crm.delete_contact(ours[30]["contact_id"])
    install_demo(store, sandbox.port_file_payload())
    add_generic_customers_flow(store)

    screen = _screen(qtbot, store, "shadow")
    assert screen.mode_button.text() == "Put in shadow mode"
    screen.run_button.click()  # live: it says to put it in shadow mode first
    assert "shadow mode first" in screen.status.text() and screen.token is None
    screen.toggle_shadow()
    qtbot.waitUntil(lambda: screen.mode_button.text() == "Go live…", timeout=20000)
    before = _raw_export(sandbox)
    screen.run_button.click()
    _wait_idle(qtbot, screen, None)
    assert _raw_export(sandbox) == before  # the shadow run sent nothing
    r = screen.loaded.report
    assert (r.only_in_source, r.different) == (1, 4)
    assert [c.value.text() for c in screen.cards] == ["1", "4", "195", "1"]
    assert screen.cards[3].note.text() == "city (4)"
    assert _shown_keys(screen) == {ours[30]["external_id"]} | {c["external_id"] for c in ours[5:9]}
    assert "In shadow mode" in screen.status.text()
    _save(screen, "shadow_report", tmp_path)

    screen.toggle_shadow()
    assert "create 1 and update 4" in answer_yes[-1]
    qtbot.waitUntil(lambda: screen.mode_button.text() == "Put in shadow mode", timeout=20000)
    assert not is_shadow(FlowService(store).get(FLOW).options)


def test_send_everything_again_resends_what_the_app_remembers_sending(
    qtbot, store: Store, sandbox: SandboxServers, answer_yes: list[str]
) -> None:  # type: ignore[no-untyped-def]
    install_demo(store, sandbox.port_file_payload())
    add_generic_customers_flow(store)
    assert SyncEngine(store).run(FLOW).status == "succeeded"
    crm = sandbox.app("crm").store
    gone = [c for c in export(sandbox, "crm", "contacts") if c["external_id"].startswith("C")]
    for c in gone[:10]:  # the CRM restored from an older backup lost these
        crm.delete_contact(c["contact_id"])
    assert SyncEngine(store).run(FLOW, full=True).counts["created"] == 0  # remembered: skipped
    screen = _screen(qtbot, store, "reconcile")
    got: list[object] = []
    screen.resynced.connect(got.append)
    screen.send_everything_again()
    assert "whatever this app remembers" in answer_yes[-1]
    qtbot.waitUntil(lambda: bool(got), timeout=60000)
    summary = got[0]
    assert summary.counts["read"] == 200 and summary.counts["created"] == 10  # type: ignore[attr-defined]
    keys = {c["external_id"] for c in export(sandbox, "crm", "contacts")}
    assert {c["external_id"] for c in gone[:10]} <= keys


def test_wizard_delete_handling_box_writes_the_option(qtbot) -> None:  # type: ignore[no-untyped-def]
    box = DeletesBox()
    qtbot.addWidget(box)
    box.load({}, ["customer_id", "status"])
    assert box.value() is None and not box.field.isEnabled()
    box.handling.setCurrentIndex(box.handling.findData("inactive"))
    box.field.setCurrentText("status")
    box.values.setText("inactive, deleted")
    assert box.value() == {
        "handling": "inactive",
        "inactive_when": {"field": "status", "values": ["INACTIVE", "DELETED"]},
    }
    box.load({"deletes": "delete"}, ["status"])
    assert box.value() == {"handling": "delete"}
