"""Issue 20's acceptance, end to end: ADF leads e-mailed to the sandbox lead mailbox's SMTP
port, read over IMAPS by the demo's lead-inbox flows, into the sandbox CRM and DMS --
``flow run`` from the command line where the exit code matters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from app.connectors.adf_inbox import RECONNECTS, InboxStream
from app.connectors.errors import ConnectorError
from app.paths import AppPaths
from app.sandbox.demo import install_demo
from app.sandbox.demo_names import LEAD_INBOX
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.sandbox.servers.lead_mailbox import LeadMailbox
from app.services.flows import FlowService
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import ParkedRecord
from app.sync.engine import SyncEngine
from tests.formats.test_adf_safety import BILLION_LAUGHS, XXE
from tests.support.cli import run_cli
from tests.support.lead_mail import adf_lead, send_mail
from tests.support.sandbox import export

FLOW = "leads-inbox-to-crm"


@pytest.fixture(scope="module")
def module_sandbox() -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(120, seed=11), seed=11) as servers:
        yield servers


@pytest.fixture
def demo(store: Store, module_sandbox: SandboxServers) -> SandboxServers:
    module_sandbox.set_faults("")
    mailbox(module_sandbox).mailbox.clear()
    install_demo(store, module_sandbox.port_file_payload())
    return module_sandbox


def mailbox(servers: SandboxServers) -> LeadMailbox:
    box = servers.app("lead_mailbox")
    assert isinstance(box, LeadMailbox)
    return box


def entry(servers: SandboxServers) -> dict[str, Any]:
    payload = servers.port_file_payload()["servers"]["lead_mailbox"]
    assert isinstance(payload, dict)
    return payload


def crm_leads(servers: SandboxServers, email: str) -> list[dict[str, Any]]:
    contacts = {c["contact_id"]: c for c in export(servers, "crm", "contacts")}
    return [
        lead
        for lead in export(servers, "crm", "leads")
        if contacts.get(lead["contact_id"], {}).get("email") == email
    ]


def flow_run(paths: AppPaths, flow: str = FLOW) -> tuple[int, str]:
    ran = run_cli("--data-dir", str(paths.data_dir), "flow", "run", flow)
    return ran.returncode, ran.stdout + ran.stderr


def filed(servers: SandboxServers) -> tuple[int, int]:
    box = mailbox(servers).mailbox
    return len(box.messages("INBOX")), len(box.messages("Processed"))


def test_a_lead_sent_twice_becomes_exactly_one_crm_lead(
    demo: SandboxServers, paths: AppPaths
) -> None:
    mail = entry(demo)
    send_mail(mail, adf_lead(101, trade_in=True))
    send_mail(mail, adf_lead(101, trade_in=True))  # the provider sent it twice
    code, out = flow_run(paths)
    assert code == 0, out
    (lead,) = crm_leads(demo, "pat101.inbox@example.net")
    assert lead["vehicle_of_interest_vin"] == "1FADP5AU6DL536022"
    assert lead["vehicle_of_interest"] == "2021 Honda CR-V"
    assert "Trade-in: 2015 Ford Focus, VIN 1G4AH59H45G118341, 88000 miles" in lead["comments"]
    assert lead["source"] == "Cars.example" and lead["status"] == "New"
    assert filed(demo) == (0, 2)  # both copies filed away
    # a resend next day (status="resend") is the same lead: nothing new in the CRM
    send_mail(mail, adf_lead(101, trade_in=True, status="resend"))
    code, out = flow_run(paths)
    assert code == 0, out
    assert len(crm_leads(demo, "pat101.inbox@example.net")) == 1
    assert filed(demo) == (0, 3)


def test_hostile_leads_are_parked_with_their_reasons_and_the_good_ones_delivered(
    demo: SandboxServers, paths: AppPaths, store: Store
) -> None:
    mail = entry(demo)
    send_mail(mail, adf_lead(201))
    send_mail(mail, XXE, subject="Lead (XXE)")
    send_mail(mail, BILLION_LAUGHS.encode(), subject="Lead (billion laughs)")
    send_mail(mail, adf_lead(202))
    code, out = flow_run(paths)
    assert code == 1, out  # completed with errors
    assert "completed" in out.lower() and "2" in out
    assert len(crm_leads(demo, "pat201.inbox@example.net")) == 1
    assert len(crm_leads(demo, "pat202.inbox@example.net")) == 1
    with store.session() as s:
        parked = {
            p.source_payload["subject"]: p.reason
            for p in s.scalars(select(ParkedRecord).where(ParkedRecord.status == "open"))
        }
    assert "external entity (XXE)" in parked["Lead (XXE)"]
    assert "billion laughs" in parked["Lead (billion laughs)"]
    assert filed(demo) == (0, 4)  # parked mail counts as taken: it is kept in the store
    code, out = flow_run(paths)  # nothing new: the parked mail is not read again
    assert "read 0" in out, out
    assert code == 1 and "2 record(s)" in out and "wait for replay" in out  # until settled
    with store.session() as s:
        waiting = [(p.status, p.attempts) for p in s.scalars(select(ParkedRecord))]
    assert waiting == [("open", 1), ("open", 1)]  # still in the retry queue, once each
    # a replay cannot make a lead of hostile XML: they stay parked, and it says so
    before = len(export(demo, "crm", "leads"))
    replayed = run_cli("--data-dir", str(paths.data_dir), "flow", "replay", FLOW)
    assert replayed.returncode == 1, replayed.stdout + replayed.stderr
    with store.session() as s:
        assert {p.status for p in s.scalars(select(ParkedRecord))} == {"open"}
    assert len(export(demo, "crm", "leads")) == before  # nothing empty reached the CRM


def test_a_connection_dropped_mid_fetch_loses_and_doubles_nothing(
    demo: SandboxServers, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    mail = entry(demo)
    for n in range(301, 305):
        send_mail(mail, adf_lead(n))
    emails = [f"pat{n}.inbox@example.net" for n in range(301, 305)]
    engine = SyncEngine(store)
    # 1. the line keeps dropping: the run fails, and nothing is filed away
    mailbox(demo).drop_mid_fetch(RECONNECTS + 1)
    failed = engine.run(FLOW)
    assert failed.status == "failed" and "dropped the connection" in (failed.error or "")
    assert filed(demo) == (4, 0)
    # 2. it drops twice: the read opens it again and goes on
    mailbox(demo).drop_mid_fetch(2)
    # ...and the connection is lost again while filing the mail after the commit
    real = InboxStream.after_commit

    def lost(self: InboxStream) -> None:
        raise ConnectorError("The mail server dropped the connection during MOVE.")

    monkeypatch.setattr(InboxStream, "after_commit", lost)
    ok = engine.run(FLOW)
    assert ok.status == "succeeded" and ok.counts["created"] == 4, ok
    assert filed(demo) == (4, 0)
    # 3. the next run reads the same four, sends none again, and files them
    monkeypatch.setattr(InboxStream, "after_commit", real)
    again = engine.run(FLOW)
    assert again.status == "succeeded" and again.counts["created"] == 0, again
    assert again.counts["unchanged"] == 4
    assert [len(crm_leads(demo, e)) for e in emails] == [1, 1, 1, 1]
    assert filed(demo) == (0, 4)


def test_a_lead_with_ten_thousand_vehicles_does_not_stall_the_inbox(
    demo: SandboxServers, store: Store
) -> None:
    mail = entry(demo)
    send_mail(mail, adf_lead(401, vehicles=10_000), subject="Fleet")  # 1.5 MB of XML
    send_mail(mail, adf_lead(402))
    profiles = ProfileService(store)
    inbox = profiles.get_by_name(LEAD_INBOX)  # let it in by size: the vehicle count stops it
    profiles.update(inbox.id, settings={**inbox.settings, "max_bytes": 2_000_000})
    summary = SyncEngine(store).run(FLOW)
    assert summary.status == "completed_with_errors" and summary.exit_code == 1
    assert summary.counts["created"] == 1 and summary.counts["parked"] == 1
    with store.session() as s:
        (parked,) = s.scalars(select(ParkedRecord)).all()
    assert "lists 10,000 vehicles; a lead carries at most 20" in parked.reason
    assert len(crm_leads(demo, "pat402.inbox@example.net")) == 1
    assert filed(demo) == (0, 2)
    send_mail(mail, adf_lead(403))  # and the inbox goes on
    assert SyncEngine(store).run(FLOW).counts["created"] == 1


def test_inbox_to_dms_links_a_known_customer_and_creates_a_new_one(
    demo: SandboxServers, store: Store
) -> None:
    engine = SyncEngine(store)
    assert engine.run("customers-dms-to-crm").status == "succeeded"
    known = next(c for c in export(demo, "dms", "customers") if c["email"])
    mail = entry(demo)
    send_mail(mail, adf_lead(501, email=known["email"], trade_in=True))
    send_mail(mail, adf_lead(502))
    summary = engine.run("leads-inbox-to-dms")
    assert summary.status == "succeeded", summary
    leads = export(demo, "dms", "leads")
    by_email = {}
    customers = {c["customer_id"]: c for c in export(demo, "dms", "customers")}
    for lead in leads:
        by_email[customers[lead["customer_id"]]["email"]] = lead
    assert by_email[known["email"]]["customer_id"] == known["customer_id"]
    assert "Trade-in: 2015 Ford Focus" in by_email[known["email"]]["comments"]
    assert by_email[known["email"]]["vin"] == "1FADP5AU6DL536022"
    new = [c for c in customers.values() if c["email"] == "pat502.inbox@example.net"]
    assert (
        len(new) == 1
        and by_email["pat502.inbox@example.net"]["customer_id"] == (new[0]["customer_id"])
    )


def test_the_demo_inbox_flows_name_their_protocol(demo: SandboxServers, store: Store) -> None:
    flows = {f.slug: f for f in FlowService(store).list()}
    for slug in ("leads-inbox-to-crm", "leads-inbox-to-dms"):
        assert "ADF 1.0 over IMAP" in flows[slug].description
        assert flows[slug].options["pre_entry_check"]["email_field"] == "email"
    assert flows["leads-inbox-to-dms"].schedule == {}  # one flow per mailbox is scheduled
