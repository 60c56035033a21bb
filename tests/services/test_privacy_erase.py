"""Erasure and access requests on two in-memory systems: what is found, what a dry run
and an erasure do in each place, how the engine withholds the person afterwards, and
what is registered (by an opaque reference, never by whom)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from app import cli, secrets
from app.connectors.adf_http import Spool
from app.connectors.erasure import ErasureResult, ErasureSubject
from app.services.matching_queue import MatchingQueue, QueueFilter
from app.services.merging import MergeService
from app.services.privacy import erase, tombstones
from app.services.privacy.tombstones import TombstoneKeyMissingError
from app.services.profiles import ProfileService
from app.store import Store, retailing_inbox
from app.store.mapping_models import SchemaSnapshot
from app.store.matching_models import GoldenRecord, MatchRecord, Merge
from app.store.models import (
    AuditEntry,
    DeliveryState,
    Link,
    ParkedRecord,
    RecordIndex,
    RecordOutcome,
)
from app.store.privacy_models import PrivacyRequest, Tombstone
from app.sync.engine import SyncEngine
from tests.support.memory_connector import MemoryConnector, World
from tests.support.memory_flow import customer

ERIN = {"first_name": "Erin", "last_name": "Quibbleworth", "email": "erin.q@example.org"}
ERIN_PHONE = "(313) 555-0199"


@pytest.fixture
def synced(store: Store, memory_flow: str, world: type[World]) -> str:
    world.source = [
        customer(1),
        customer(2, mobile_phone=ERIN_PHONE, **ERIN),
        customer(3),
    ]
    world.reject_if = {}
    assert SyncEngine(store).run(memory_flow).status == "succeeded"
    return memory_flow


def _erin_anywhere(store: Store) -> list[str]:
    """Tables whose text holds Erin's e-mail, last name or phone digits."""
    found = []
    with store.session() as s:
        for (table,) in s.execute(text("SELECT name FROM sqlite_master WHERE type='table'")):
            if table.startswith("record_index_fts"):
                continue
            cols = [r[1] for r in s.execute(text(f"PRAGMA table_info('{table}')"))]
            for col in cols:
                value = f'"{col}"'
                if table == "record_outcomes" and col == "source_payload":
                    value = "run_log_text(source_payload)"  # the run log keeps it packed
                elif table == "record_outcomes" and col == "sent_payload":
                    value = "run_log_sent(source_payload, sent_payload)"
                for needle in ("erin.q@example.org", "quibbleworth", "3135550199"):
                    n = s.scalar(
                        text(
                            f'SELECT count(*) FROM "{table}" WHERE instr(lower(cast({value} '
                            "AS text)), :n) > 0"
                        ),
                        {"n": needle},
                    )
                    if n:
                        found.append(f"{table}.{col}")
    return sorted(set(found))


def test_an_unknown_key_is_not_found(store: Store, synced: str, capsys: Any) -> None:
    code = cli.main(
        ["--data-dir", str(store.paths.data_dir), "privacy", "erase", "--customer", "C99999"]
    )
    assert code == 2 and "Nobody here is known" in capsys.readouterr().out
    with store.session() as s:
        row = s.scalars(select(PrivacyRequest)).one()
        assert row.status == "not_found" and row.action == "erase"


def test_a_dry_run_says_where_they_are_and_changes_nothing(store: Store, synced: str) -> None:
    before = _erin_anywhere(store)
    assert "record_outcomes.source_payload" in before and "record_index.email" in before
    report = erase(store, "C00002", dry_run=True)
    assert report.status == "dry_run" and report.exit_code == 0
    assert {(h.entity, h.key) for h in report.held} >= {("customer", "C00002")}
    assert report.counts["search index"] == 1 and report.counts["sync log events"] >= 1
    assert _erin_anywhere(store) == before
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Tombstone)) == 0
        assert s.scalar(select(func.count()).select_from(PrivacyRequest)) == 0


def test_erase_by_golden_id_anonymises_every_table_and_registers_only_a_reference(
    store: Store, synced: str, world: type[World]
) -> None:
    with store.session() as s:
        golden = s.scalar(select(Link.golden_id).where(Link.external_id == "C00002"))
        # a parked record of hers, and one of someone else
        s.add_all(
            [
                ParkedRecord(flow_id=1, record_key="C00002", golden_id=golden,
                             source_payload={"email": ERIN["email"]}, reason="refused"),
                ParkedRecord(flow_id=1, record_key="C00003", golden_id=None,
                             source_payload={"email": "person3@example.com"}, reason="refused"),
            ]
        )  # fmt: skip
        # a deal she built online, and someone else's, in the digital-retailing inbox
        for key, email in (("DR-1", ERIN["email"]), ("DR-2", "person3@example.com")):
            body = {"vehicle_invoice": {"vehicle_invoice_key": key, "email": email}}
            assert retailing_inbox.offer(s, "tool", key, (1, ""), body) == "stored"
    assert "retailing_jackets.body" in _erin_anywhere(store)
    report = erase(store, str(golden), requested_by="itadmin")
    assert report.status == "erased", report.problems
    assert _erin_anywhere(store) == []
    assert report.counts["digital-retailing inbox"] == 1
    with store.session() as s:
        assert [k.deal_key for k in retailing_inbox.since(s, "tool", 0)] == ["DR-2"]
        assert s.scalar(select(func.count()).select_from(RecordIndex)) == 2
        assert s.scalar(select(func.count()).select_from(DeliveryState)) == 2
        assert [p.record_key for p in s.scalars(select(ParkedRecord))] == ["C00003"]
        erased = s.scalars(
            select(RecordOutcome).where(RecordOutcome.record_key == f"erased:{report.ref}")
        ).all()
        assert erased and all(o.source_payload is None and o.golden_id is None for o in erased)
        request = s.scalars(select(PrivacyRequest)).one()
        assert (request.ref, request.status, request.requested_by) == (
            report.ref, "erased", "itadmin",
        )  # fmt: skip
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "privacy_erase")).one()
        assert entry.object_id == report.ref and "C00002" not in json.dumps(entry.diff)


def test_the_next_runs_withhold_her_and_say_so_without_naming_her(
    store: Store, synced: str, world: type[World]
) -> None:
    report = erase(store, "C00002")
    gone = world.by_external.pop("C00002")  # the CRM deleted her
    world.sink.pop(gone)
    again = SyncEngine(store).run(synced, full=True)
    assert again.counts["withheld"] == 1 and again.status == "succeeded"
    assert {r["external_id"] for r in world.sink.values()} == {"C00001", "C00003"}
    assert _erin_anywhere(store) == []
    with store.session() as s:
        held = s.scalars(select(RecordOutcome).where(RecordOutcome.status == "withheld")).one()
        assert held.record_key == f"withheld:{report.ref}" and report.ref in (held.error or "")
        assert held.source_payload is None and held.golden_id is None
    # a re-sync of her key is withheld too
    by_key = SyncEngine(store).run(synced, keys=["C00002"])
    assert by_key.counts["withheld"] == 1 and "C00002" not in {
        r["external_id"] for r in world.sink.values()
    }


def test_a_restored_database_does_not_bring_her_back(
    store: Store, synced: str, world: type[World]
) -> None:
    erase(store, "C00002")
    with store.session() as s:  # an old backup put back: no tombstones in it
        s.execute(text("DELETE FROM privacy_tombstones"))
    assert SyncEngine(store).run(synced, full=True).counts["withheld"] == 1
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Tombstone)) > 0  # put back


@pytest.fixture
def saved_key() -> Iterator[None]:
    value = secrets.get_secret(tombstones.KEY_OWNER, tombstones.KEY_FIELD)
    yield
    if value:
        secrets.set_secret(tombstones.KEY_OWNER, tombstones.KEY_FIELD, value)


@pytest.mark.usefixtures("saved_key")
def test_a_run_refuses_when_the_key_that_knows_erased_people_is_gone(
    store: Store, synced: str
) -> None:
    erase(store, "C00002")
    secrets.delete_secret(tombstones.KEY_OWNER, tombstones.KEY_FIELD)
    with pytest.raises(TombstoneKeyMissingError, match="keyring"):
        SyncEngine(store).run(synced, full=True)


def test_a_system_that_refuses_makes_it_partly(
    store: Store, synced: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    def refuse(self: Any, subject: ErasureSubject) -> ErasureResult:
        assert subject.emails == (ERIN["email"],) and subject.phones == ("+13135550199",)
        return ErasureResult("failed", "HTTP 503: try later", manual=tuple(subject.ids))

    monkeypatch.setattr(MemoryConnector, "erase_person", refuse, raising=False)
    code = cli.main(
        ["--data-dir", str(store.paths.data_dir), "privacy", "erase", "--customer", "C00002"]
    )
    out = capsys.readouterr().out
    assert code == 1 and "PARTLY" in out and "HTTP 503" in out
    assert "delete by hand in Memory CRM: S2" in out
    assert _erin_anywhere(store) == []  # here she is erased all the same


def test_matching_merges_and_drift_samples_are_anonymised(store: Store, synced: str) -> None:
    q = MatchingQueue(store)
    import pandas as pd

    dms = pd.DataFrame([customer(2, mobile_phone=ERIN_PHONE, **ERIN), customer(1)])
    crm = pd.DataFrame([{**customer(2, mobile_phone=ERIN_PHONE, **ERIN), "customer_id": "X9"}])
    q.load_records(_uid(store, "Memory DMS"), "Memory DMS", dms, "customer_id", kind="test_memory")
    q.load_records(_uid(store, "Memory CRM"), "Memory CRM", crm, "customer_id", kind="test_memory")
    assert q.scan() >= 1
    candidate = q.page(QueueFilter(status="open"), 0, 1)[0]
    merged = MergeService(store, mergers=lambda _system: None).merge(candidate.id)
    with store.session() as s:
        samples = json.dumps([x.fields for x in s.scalars(select(SchemaSnapshot))])
        assert ERIN["email"] in samples  # the drift guard's samples hold her
    assert "Quibbleworth" in merged.title
    report = erase(store, "C00002")
    assert report.counts["merge history"] == 1 and report.counts["matching snapshots"] == 2
    assert _erin_anywhere(store) == []
    with store.session() as s:
        merge = s.get(Merge, merged.id)
        assert merge is not None and merge.title == f"Erased person ({report.ref})"
        assert merge.before == {"erased": report.ref}
        assert not s.scalars(select(GoldenRecord)).all()
        assert [r.external_id for r in s.scalars(select(MatchRecord))] == ["C00001"]
    # the duplicate finder's next read leaves her out
    q.load_records(_uid(store, "Memory DMS"), "Memory DMS", dms, "customer_id", kind="test_memory")
    with store.session() as s:
        assert [r.external_id for r in s.scalars(select(MatchRecord))] == ["C00001"]


def _uid(store: Store, name: str) -> str:
    from app.services.profiles import ProfileService

    return ProfileService(store).get_by_name(name).uid


def test_an_access_request_gets_everything_and_an_erasure_removes_the_copy(
    store: Store, synced: str, tmp_path: Path, capsys: Any
) -> None:
    data = str(store.paths.data_dir)
    with store.session() as s:  # a deal she built online, and someone else's
        for key, email in (("DR-1", ERIN["email"]), ("DR-2", "person3@example.com")):
            body = {"vehicle_invoice": {"vehicle_invoice_key": key, "email": email}}
            assert retailing_inbox.offer(s, "tool", key, (1, ""), body) == "stored"
    assert cli.main(["--data-dir", data, "privacy", "export", "--customer", "C00002"]) == 0
    out = capsys.readouterr().out
    path = Path(out.split("Wrote ", 1)[1].split(" (", 1)[0])
    document = json.loads(path.read_text())
    assert document["format"] == "rooftop-sync/privacy-export"
    assert document["records"][0]["email"] == ERIN["email"]
    deals = document["digital_retailing_deals"]  # what a digital-retailing tool sent of her
    assert [d["deal_key"] for d in deals] == ["DR-1"]
    assert deals[0]["body"]["vehicle_invoice"]["email"] == ERIN["email"]
    assert document["sync_log_events"] and document["last_sent"]
    assert "person1@example.com" not in path.read_text()  # nobody else
    elsewhere = tmp_path / "sar.json"
    assert cli.main(["--data-dir", data, "privacy", "export", "--customer", "C00002",
                     "--out", str(elsewhere)]) == 0  # fmt: skip
    assert elsewhere.exists()
    report = erase(store, "C00002")
    assert str(path) in report.files.deleted and not path.exists()
    assert cli.main(["--data-dir", data, "privacy", "requests"]) == 0
    listed = capsys.readouterr().out
    assert report.ref in listed and "export" in listed and "Quibbleworth" not in listed


def test_the_command_line_refuses_to_erase_while_a_flow_runs(
    store: Store, synced: str, capsys: Any
) -> None:
    import threading

    from app.services.flows import FlowService
    from app.sync.locks import flow_lock

    flow = next(f for f in FlowService(store).list() if f.slug == synced)
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:  # the scheduler's run, in another thread
        with flow_lock(store.paths, flow.id, flow.name, trigger="test"):
            taken.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    argv = ["--data-dir", str(store.paths.data_dir), "privacy", "erase", "--customer", "C00002"]
    try:
        assert taken.wait(10)
        code = cli.main(argv)
        dry = cli.main([*argv, "--dry-run"])  # a dry run changes nothing: it may
    finally:
        release.set()
        holder.join()
    out = capsys.readouterr()
    assert code == 2 and "A sync is running (Customers (test))" in out.err
    assert dry == 0
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Tombstone)) == 0


def test_leads_of_theirs_received_by_http_post_are_deleted_from_the_spool(
    store: Store, synced: str, tmp_path: Path
) -> None:
    """The ADF inbox keeps each POSTed lead as XML in its spool folder; erasure deletes hers
    (read already, or still waiting) and leaves everyone else's."""
    spool_dir = tmp_path / "lead-spool"
    ProfileService(store).create(
        "Website leads",
        "adf_inbox",
        {"imap_host": "mail.example.com", "username": "leads", "listen": True,
         "spool_folder": str(spool_dir)},
        require_secrets=False,
    )  # fmt: skip
    spool = Spool(spool_dir)

    def lead(email: str, last: str) -> bytes:
        return (
            f'<?xml version="1.0"?><adf><prospect><customer><contact>'
            f'<name part="last">{last}</name><email>{email}</email>'
            f"</contact></customer></prospect></adf>"
        ).encode()

    hers_read = spool.put(lead(ERIN["email"], "Quibbleworth"), charset=None, remote="1.2.3.4")
    other = spool.put(lead("person3@example.com", "Third"), charset=None, remote="1.2.3.4")
    spool.mark_processed([hers_read, other])
    hers_waiting = spool.put(lead(ERIN["email"], "Quibbleworth"), charset=None, remote="x")
    with store.session() as s:
        golden = s.scalar(select(Link.golden_id).where(Link.external_id == "C00002"))
    report = erase(store, str(golden), requested_by="itadmin")
    # its mailbox (mail.example.com) cannot be reached here: that part is said to fail
    assert report.status == "partly"
    [mailbox] = [d for d in report.deletions if d.connection == "Website leads"]
    assert mailbox.status == "failed" and "mailbox could not be cleaned" in mailbox.message
    left = sorted(p.name for p in spool_dir.rglob("*") if p.is_file())
    assert left == [f"{other}.json", f"{other}.xml"]
    assert str(spool.processed / f"{hers_read}.xml") in report.files.deleted
    assert str(spool.incoming / f"{hers_waiting}.xml") in report.files.deleted
