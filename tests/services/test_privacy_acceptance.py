"""Erasure, end to end on the demo dealership (issue 24, acceptance): after
``privacy erase`` of a demo customer, a byte search of the data folder -- rooftop.db and
its WAL, the logs, the sync log's archives, exports -- finds none of their e-mail
addresses, phone numbers or names; the sandbox CRM no longer has them; and a full re-sync
of every demo flow does not bring them back (the runs say a record was withheld)."""

from __future__ import annotations

import gzip
import json
import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app import cli
from app.connectors.streams import WriteRecord
from app.sandbox.demo import install_demo
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.services import retention
from app.services.log_export import export as export_log
from app.services.matching_queue import MatchingQueue
from app.services.matching_sources import load_from_profiles
from app.services.privacy import export_person
from app.services.profiles import ProfileService
from app.store import Store
from app.store.log_queries import EventFilter
from app.store.matching_models import MatchRecord
from app.store.models import RecordOutcome, utcnow
from app.sync.engine import SyncEngine
from tests.support.sandbox import export

FLOWS = (
    "customers-dms-to-crm",
    "service-history-dms-to-crm",
    "leads-crm-to-dms",
    "deal-status-dms-to-crm",
    "deal-status-crm-to-dms",
    "appointments-crm-to-dms",
)
CRM_ENTITIES = ("contacts", "leads", "activities", "appointments", "deals")


@pytest.fixture
def demo(store: Store) -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(250, seed=3), seed=3) as servers:
        install_demo(store, servers.port_file_payload())
        mkt = servers.servers["marketing"]
        ProfileService(store).create(  # marketing over Klaviyo, as the demo soon has it
            "Demo Klaviyo",
            "klaviyo",
            {"base_url": mkt.url, "rate_limit_per_s": 0, "job_poll_ms": 20},
            {"api_key": mkt.credentials["klaviyo_api_key"]},
        )
        yield servers


def _to_klaviyo(store: Store, person: dict[str, str]) -> None:
    profiles = ProfileService(store)
    klaviyo = profiles.connector(profiles.get_by_name("Demo Klaviyo").id)
    try:
        payload = {"email": person["email"], "first_name": person["first_name"],
                   "last_name": person["last_name"]}  # fmt: skip
        klaviyo.streams()["profiles"].write([WriteRecord(person["customer_id"], "g", payload)])
    finally:
        klaviyo.close()


def _klaviyo_holds(sandbox: SandboxServers, needles: list[str]) -> list[str]:
    text_ = json.dumps(export(sandbox, "marketing", "klaviyo_profiles")).lower()
    return [n for n in needles if n.lower() in text_]


def _pick(sandbox: SandboxServers) -> dict[str, str]:
    """A customer with an e-mail, a mobile, repair orders, and names nobody else has."""
    customers = export(sandbox, "dms", "customers")
    others = json.dumps(export(sandbox, "crm", "contacts") + export(sandbox, "crm", "leads"))
    ros = {r["customer_id"] for r in export(sandbox, "dms", "repair_orders")}
    for c in customers:
        if not (c["email"] and c["mobile_phone"] and c["last_name"] and c["customer_id"] in ros):
            continue
        same_last = [o for o in customers if o["last_name"].lower() == c["last_name"].lower()]
        if len(same_last) == 1 and others.lower().count(c["last_name"].lower()) <= 1:
            return c
    raise AssertionError("no customer fit for the test")


def _needles(c: dict[str, str]) -> list[str]:
    out = [c["email"], f"{c['first_name']} {c['last_name']}", c["last_name"]]
    for field in ("mobile_phone", "home_phone", "work_phone"):
        digits = re.sub(r"\D", "", c[field])[-10:]
        if digits:
            a, b, d = digits[:3], digits[3:6], digits[6:]
            out += [c[field], f"+1{digits}", digits, f"{a}-{b}-{d}"]
    return out


def _data_folder_holds(folder: Path, needles: list[str]) -> dict[str, list[str]]:
    """Every file of the data folder, byte for byte (archives unpacked), case-blind."""
    hits: dict[str, list[str]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.name.endswith(".gz"):
            data = gzip.decompress(data)
        low = data.lower()
        found = [n for n in needles if n.lower().encode() in low]
        if found:
            hits[str(path.relative_to(folder))] = found
    return hits


def _crm_holds(sandbox: SandboxServers, needles: list[str]) -> list[str]:
    text_ = json.dumps([export(sandbox, "crm", e) for e in CRM_ENTITIES]).lower()
    return [n for n in needles if n.lower() in text_]


def _sync_everything(store: Store, *, full: bool = False) -> list[Any]:
    summaries = [SyncEngine(store).run(f, full=full) for f in FLOWS]
    assert all(s.status == "succeeded" for s in summaries), [(s.flow, s.error) for s in summaries]
    return summaries


def test_an_erased_customer_is_nowhere_and_stays_erased(
    store: Store, demo: SandboxServers, capsys: pytest.CaptureFixture[str]
) -> None:
    person = _pick(demo)
    key, needles = person["customer_id"], _needles(person)
    data = store.paths.data_dir

    # put them everywhere the app keeps people: runs, matching, archives, exports, logs
    _sync_everything(store)
    queue = MatchingQueue(store)
    load_from_profiles(queue, ProfileService(store))
    queue.scan()
    policy = retention.RetentionPolicy(payload_days=1, event_days=3650, archive=True)
    retention.prune(store, policy, now=utcnow() + timedelta(days=2))  # payloads archived
    _sync_everything(store, full=True)  # and in the database again
    export_person(store, key)
    (data / "exports").mkdir(exist_ok=True)
    export_log(store, EventFilter(), data / "exports" / "sync-log.csv", reveal=True)
    # the app's log file (tests run without the app's handler: one for this line)
    store.paths.log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(store.paths.log_file, encoding="utf-8")
    logger = logging.getLogger("app.test")
    logger.addHandler(handler)
    try:
        logger.warning(
            "%s %s (%s) asked to be called back", person["first_name"], person["last_name"], key
        )
    finally:
        logger.removeHandler(handler)
        handler.close()
    _to_klaviyo(store, person)
    before = _data_folder_holds(data, needles)
    assert "logs/rooftop.log" in before and {"rooftop.db", "rooftop.db-wal"} & set(before)
    assert any(p.startswith("archive/") for p in before) and any(
        p.startswith("exports/") for p in before
    )
    assert _crm_holds(demo, needles) and _klaviyo_holds(demo, needles)

    # erase them
    code = cli.main(["--data-dir", str(data), "privacy", "erase", "--customer", key])
    out = capsys.readouterr().out
    assert code == 0, out
    ref = re.search(r"Erased (ERA-\d{8}-[0-9a-f]{6})", out)
    assert ref, out
    assert "Demo CRM: deleted" in out and "Demo Klaviyo: requested" in out
    assert _data_folder_holds(data, needles) == {}
    assert _crm_holds(demo, needles) == [] and _klaviyo_holds(demo, needles) == []

    # the next full read of every system does not bring them back
    summaries = _sync_everything(store, full=True)
    assert sum(s.counts["withheld"] for s in summaries) >= 2  # the customer and their ROs
    load_from_profiles(queue, ProfileService(store))
    assert _data_folder_holds(data, needles) == {}
    assert _crm_holds(demo, needles) == []
    with store.session() as s:
        withheld = s.scalars(select(RecordOutcome).where(RecordOutcome.status == "withheld")).all()
        assert withheld and all(ref.group(1) in (o.error or "") for o in withheld)
        assert all(o.source_payload is None and key not in o.record_key for o in withheld)
        assert not s.scalars(select(MatchRecord).where(MatchRecord.external_id == key)).all()
