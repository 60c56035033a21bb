"""The SSN and the credit report go from the digital-retailing tool to the lender, never to
us: after deals that carry them have gone through every flow (delivered, updated, parked,
replayed, sent back), not one byte of them is anywhere in the data folder -- the database
and its WAL, the logs, the work files."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.logging_setup import setup_logging
from app.paths import AppPaths
from app.sandbox.demo import install_demo
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.scheduling.retailing_listener import RetailingListener
from app.services.profiles import ProfileService
from app.store import Store, retailing_inbox
from app.store.models import ParkedRecord, RecordOutcome
from app.sync.engine import SyncEngine
from tests.support.retailing import Dms, Tool, settled, wait_for


@pytest.fixture
def sandbox() -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(200, seed=23), seed=23) as servers:
        yield servers


def _needles(tool: Tool) -> set[bytes]:
    """What the tool sent that must never be kept: each SSN as written and without its
    dashes, and the credit reports (whole, and their tell-tale lines)."""
    out: set[bytes] = {b"TRADELINE", b"TRI-MERGE", b"PAY HIST"}
    for jacket in tool.jackets():
        party = jacket["vehicle_invoice"]["party_references"][0]
        ssn = party.get("snapshot_detail", {}).get("value")
        credit = jacket.get("credit_authorization") or {}
        for value in (ssn, credit.get("applicant_ssn")):
            if value:
                out |= {value.encode(), value.replace("-", "").encode()}
        report = (credit.get("credit_report") or {}).get("text")
        if report:
            out.add(report.encode()[:80])
    return out


def test_no_ssn_or_credit_report_anywhere_in_the_data_folder(
    store: Store, paths: AppPaths, sandbox: SandboxServers
) -> None:
    setup_logging(paths.log_file, level=logging.INFO)
    install_demo(store, sandbox.port_file_payload())
    assert SyncEngine(store).run("customers-dms-to-crm").status == "succeeded"
    listener = RetailingListener.start_all(store, settle_s=0.1)
    tool, dms = Tool(sandbox), Dms(sandbox)
    try:
        keys = tool.send(12, redeliver=0.5, existing=0.3)
        sent = tool.deals()
        financed = [k for k in keys if sent[k]["payment_method"] != "CASH"]
        assert len(financed) >= 3, "the tool sent too few credit applications"
        wait_for(lambda: all(dms.deal(k) for k in keys), what="the deals")
        wait_for(lambda: all(dms.credit(f"{k}-CA") for k in financed), what="the credits")
        # every path a jacket's data can take: an update, a decision, a late retry, a
        # deal changed after booking (parked with its source row), the status going back
        dms.book(financed[0])
        tool.post("/_sandbox/update-deal", params={"deal": financed[0]})
        tool.post("/_sandbox/update-deal", params={"deal": financed[1], "out_of_order": 1})
        tool.post("/_sandbox/credit-decision", params={"deal": financed[2], "status": "DECLINED"})
        tool.post("/_sandbox/resend", params={"deal": financed[1], "version": 1})
        wait_for(settled(listener, 6), what="the runs")
        wait_for(
            lambda: (dms.credit(f"{financed[2]}-CA") or {}).get("status") == "DECLINED",
            what="the decision",
        )
        assert SyncEngine(store).run("deal-status-dms-to-retailing").status == "succeeded"
        assert SyncEngine(store).run("trade-ins-dms-to-inventory").status == "succeeded"
        needles = _needles(tool)  # what the tool sent, read before its client closes
    finally:
        listener.stop()
        tool.http.close()
    with store.session() as s:  # the run did keep things: jackets, outcomes, a parked deal
        assert s.query(RecordOutcome).count() > 0
        assert s.query(ParkedRecord).filter(ParkedRecord.record_key == financed[0]).count()
    for handler in logging.getLogger().handlers:
        handler.flush()
    log_text = paths.log_file.read_text(encoding="utf-8")
    assert "taken out before keeping it" in log_text  # the jackets did carry them
    assert len(needles) > 10
    files = [p for p in Path(paths.data_dir).rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"rooftop.db", "rooftop.log"} <= names, names
    found = [
        (str(p.relative_to(paths.data_dir)), needle.decode()[:30])
        for p in files
        for needle in needles
        if needle in p.read_bytes()
    ]
    assert found == [], found
    with store.session() as s:
        kept = sum(retailing_inbox.count(s, p) for p in _systems(store))
    assert kept >= len(keys)


def _systems(store: Store) -> list[str]:
    return [p.uid for p in ProfileService(store).list() if p.kind == "digital_retailing"]
