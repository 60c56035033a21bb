"""Segments synced to the sandbox Klaviyo (127.0.0.1) as lists: every consenting member
is on the list and nobody opted out is — DMS opt-outs, CRM opt-outs, the do-not-contact
list, erasures, and people unsubscribed at Klaviyo, who also leave the list on the next
run and stay out after a full re-sync. Each sync is a run in the sync log with its
left-out counts; a fault storm is survived with nothing lost."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pandas as pd
import pytest
from sqlalchemy import select

from app.connectors.klaviyo import KlaviyoConnector
from app.connectors.klaviyo_lists import KlaviyoLists
from app.formats import klaviyo as kl
from app.sandbox.generator import build_dataset
from app.sandbox.generator.generate import write_dataset
from app.sandbox.servers import SandboxServers
from app.scheduling.runner import run_flow_locked
from app.segments.consent import digits
from app.segments.data import from_folder
from app.segments.evaluate import evaluate
from app.segments.model import SegmentDef
from app.segments.service import SegmentService
from app.segments.settings import SegmentSettings
from app.segments.sync import list_name, save_segment_flow, sync_segment
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import RecordOutcome, Run
from app.store.segment_models import SegmentSync
from tests.support.sandbox import export

SEED = 7
TODAY = date(2026, 11, 1)
SEGMENT = "Service lapsed 12 months"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SandboxServers, Path]]:
    folder = tmp_path_factory.mktemp("segments-sync")
    dataset = build_dataset(400, seed=SEED)
    write_dataset(dataset, folder)
    with SandboxServers(dataset, seed=SEED) as servers:
        servers.set_faults("marketing:rps=0")
        yield servers, folder


@pytest.fixture
def setup(store: Store, world: tuple[SandboxServers, Path]) -> tuple[Store, SandboxServers, Path]:
    sandbox, folder = world
    mkt = sandbox.servers["marketing"]
    ProfileService(store).create(
        "Klaviyo",
        "klaviyo",
        {
            "base_url": mkt.url,
            "rate_limit_per_s": 0,
            "timeout_s": 5,
            "max_attempts": 8,
            "job_poll_ms": 20,
        },
        {"api_key": mkt.credentials["klaviyo_api_key"]},
    )
    svc = SegmentService(store)
    svc.save_settings(
        SegmentSettings(
            data_folder=str(folder),
            as_of=TODAY.isoformat(),
            valuation_file=str(folder / "valuation_guide.csv"),
        )
    )
    return store, sandbox, folder


def klaviyo(sandbox: SandboxServers) -> KlaviyoConnector:
    mkt = sandbox.servers["marketing"]
    return KlaviyoConnector(
        {"base_url": mkt.url, "rate_limit_per_s": 0, "max_attempts": 8},
        {"api_key": mkt.credentials["klaviyo_api_key"]},
    )


def list_emails(sandbox: SandboxServers, seg: SegmentDef) -> set[str]:
    lists = KlaviyoLists(klaviyo(sandbox))
    list_id, created = lists.find_or_create(list_name(seg))
    assert not created
    return {m.email.lower() for m in lists.members(list_id).values()}


def opted_out_at_klaviyo(sandbox: SandboxServers) -> set[str]:
    rows = export(sandbox, "marketing", "klaviyo_profiles")
    return {
        r["email"].lower()
        for r in rows
        if r["email"] and r["email_consent"] in ("unsubscribed", "suppressed")
    }


def expected_emails(folder: Path, sandbox: SandboxServers, blocked: set[str]) -> set[str]:
    """Consenting members, worked out from the CSVs and the platform's export."""
    data = from_folder(folder, today=TODAY)
    members = evaluate(SegmentDef(SEGMENT, "service_retention"), data).members
    c = pd.read_csv(folder / "dms_customers.csv", dtype=str, keep_default_na=False)
    crm = pd.read_csv(folder / "crm_contacts.csv", dtype=str, keep_default_na=False)
    dms_out = set(c.email[c.opt_in_email != "Y"].str.lower())
    crm_out_mail = set(crm.email[crm.email_opt_out == "true"].str.lower())
    crm_out_ids = set(crm.external_id[crm.email_opt_out == "true"])
    out = set()
    for m in members.itertuples():
        e = m.email.strip().lower()
        if (
            e
            and m.opt_in_email == "Y"
            and e not in dms_out
            and e not in crm_out_mail
            and m.customer_id not in crm_out_ids
            and e not in blocked
        ):
            out.add(e)
    return out - opted_out_at_klaviyo(sandbox)


def unsubscribe(sandbox: SandboxServers, email: str) -> None:
    mkt = sandbox.servers["marketing"]
    body = kl.unsubscribe_job_body([kl.ConsentTarget(email=email, channels={"email": ""})])
    r = httpx.post(
        f"{mkt.url}/api/profile-subscription-bulk-delete-jobs",
        json=body,
        headers={
            "Authorization": f"Klaviyo-API-Key {mkt.credentials['klaviyo_api_key']}",
            "revision": kl.REVISION,
        },
        timeout=10,
    )
    assert r.status_code == 202, r.text


def test_list_holds_every_consenting_member_and_no_opted_out_person(
    setup: tuple[Store, SandboxServers, Path],
) -> None:
    store, sandbox, folder = setup
    svc = SegmentService(store)
    seg = svc.get(SEGMENT)
    flow = save_segment_flow(store, SEGMENT, "Klaviyo")
    first = sync_segment(store, flow.id, full=True)
    with store.session() as s:
        problems = s.scalars(
            select(RecordOutcome.error).where(
                RecordOutcome.run_id == first.run_id, RecordOutcome.status == "failed"
            )
        ).all()
    assert first.status == "succeeded", problems[:3]
    expected = expected_emails(folder, sandbox, set())
    assert list_emails(sandbox, seg) == expected and len(expected) > 50
    assert first.left_out.get("dms_opt_out", 0) > 0 and first.left_out_total > 0
    assert first.members == len(expected)
    # campaign fields as profile properties
    profiles = {r["email"].lower(): r for r in export(sandbox, "marketing", "klaviyo_profiles")}
    some = profiles[sorted(expected)[0]]
    assert "last_service_date" in some["properties"] and "vehicle_make" in some["properties"]
    # in the sync log: a run of the flow, its outcomes, and the left-out counts
    with store.session() as s:
        run = s.get(Run, first.run_id)
        assert run is not None and run.status == "succeeded" and run.flow_id == flow.id
        sync = s.scalar(select(SegmentSync).where(SegmentSync.run_id == first.run_id))
        assert sync is not None and sync.left_out == first.left_out_total
        assert sync.left_out_reasons == first.left_out
        skipped = s.scalars(
            select(RecordOutcome).where(
                RecordOutcome.run_id == run.id, RecordOutcome.action == "skip"
            )
        ).all()
        assert len(skipped) == first.left_out_total

    # nothing changed: the next run sends nothing again
    again = sync_segment(store, flow.id)
    assert again.status == "succeeded" and again.added == 0 and again.updated == 0
    assert again.unchanged == len(expected) and again.removed == 0

    # one unsubscribes at Klaviyo, one is put on the do-not-contact list, one erased
    gone_at_klaviyo, dnc, erased = sorted(expected)[:3]
    unsubscribe(sandbox, gone_at_klaviyo)
    svc.block("do_not_contact", email=dnc, reason="asked at the service desk")
    svc.block("erasure", email=erased.upper(), reason="CCPA request")
    third = sync_segment(store, flow.id)
    assert third.status == "succeeded" and third.removed == 3
    now = list_emails(sandbox, seg)
    assert {gone_at_klaviyo, dnc, erased}.isdisjoint(now)
    assert now == expected_emails(folder, sandbox, {dnc, erased})
    assert third.left_out["platform_opt_out"] >= 1 and third.left_out["erased"] == 1

    # a full re-sync (through the runner, as the scheduler does) does not bring them back
    full = run_flow_locked(store, flow.id, full=True, trigger="schedule")
    assert full.status == "succeeded"
    assert list_emails(sandbox, seg) == now
    # the export never writes the erased person
    out = folder / "export.csv"
    svc.export(seg, svc.load(), out)
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert erased not in set(written.email.str.lower()) and "customer_id" in written.columns


def test_sms_list_asks_sms_consent_apart(setup: tuple[Store, SandboxServers, Path]) -> None:
    store, sandbox, folder = setup
    svc = SegmentService(store)
    seg = svc.save(SegmentDef("Lapsed by text", "service_retention", channel="sms"))
    flow = save_segment_flow(store, seg.name, "Klaviyo")
    result = sync_segment(store, flow.id)
    assert result.status == "succeeded", result.error
    c = pd.read_csv(folder / "dms_customers.csv", dtype=str, keep_default_na=False)
    sms_in = set(digits(c.mobile_phone[c.opt_in_sms == "Y"]))
    lists = KlaviyoLists(klaviyo(sandbox))
    list_id, _ = lists.find_or_create(list_name(seg))
    phones = {digits(pd.Series([m.phone_number]))[0] for m in lists.members(list_id).values()}
    assert phones and phones <= sms_in
    assert list_name(seg) == "Lapsed by text (SMS)"


def test_a_fault_storm_loses_no_member(setup: tuple[Store, SandboxServers, Path]) -> None:
    store, sandbox, folder = setup
    seg = SegmentService(store).get("Declined work 90 days")
    flow = save_segment_flow(store, seg.name, "Klaviyo")
    sandbox.set_faults("marketing:rps=0,error_rate=0.2,rate_limit_rate=0.05,seed=5")
    try:
        result = sync_segment(store, flow.id)
    finally:
        sandbox.set_faults("marketing:rps=0")
    assert result.status in ("succeeded", "completed_with_errors"), result.error
    second = sync_segment(store, flow.id)
    assert second.status == "succeeded" and second.failed == 0
    data = from_folder(folder, today=TODAY)
    members = evaluate(seg, data).members
    listed = list_emails(sandbox, seg)
    assert listed <= {e.lower() for e in members.email}
    assert len(listed) == second.members
