"""The cloud CRM connector against the simulated CRM (and a MockTransport for 413)."""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

import httpx
import pandas as pd
import pytest

from app.connectors import crm_rest_specs
from app.connectors.crm_rest import CrmRestConnector
from app.connectors.crm_rest_streams import BatchUpsertStream
from app.connectors.errors import ConnectorError
from app.connectors.registry import get_kind
from app.connectors.rest.auth import ApiKeyAuth
from app.connectors.rest.client import ResilientClient
from app.connectors.streams import WriteAction, WriteRecord
from app.sandbox.schema import TABLES
from app.sandbox.servers import SandboxServers
from tests.support.sandbox import export


def make(sandbox: SandboxServers, **overrides: Any) -> CrmRestConnector:
    info = sandbox.servers["crm"]
    secrets = {"api_key": overrides.pop("api_key", info.credentials["api_key"])}
    if overrides.get("auth_mode") == "oauth2":
        secrets = {k: info.credentials[k] for k in ("client_id", "client_secret")}
    settings: dict[str, Any] = {"base_url": info.url, "page_size": 40, **overrides}
    return CrmRestConnector(settings, secrets)


@pytest.fixture
def crm(calm: SandboxServers) -> Any:
    connector = make(calm)
    yield connector
    connector.close()


def contact(key: str, **fields: str) -> WriteRecord:
    payload = {"first_name": "Pat", "last_name": f"Test{key}", "email": f"{key.lower()}@ex.com"}
    return WriteRecord(key=key, golden_id=f"g-{key}", payload={**payload, **fields})


def contacts_with_prefix(sandbox: SandboxServers, prefix: str) -> list[dict[str, Any]]:
    return [c for c in export(sandbox, "crm", "contacts") if c["external_id"].startswith(prefix)]


def test_registered_and_layout_matches_the_demo_schema() -> None:
    assert get_kind("crm_rest") is CrmRestConnector
    assert TABLES["crm_contacts"] == crm_rest_specs.CONTACT_COLUMNS
    assert TABLES["crm_leads"] == crm_rest_specs.LEAD_COLUMNS
    problems = CrmRestConnector.validate({"base_url": "https://x", "auth_mode": "oauth2"}, {})
    assert set(problems) == {"client_id", "client_secret"}


def test_check_with_api_key_oauth_and_a_wrong_key(calm: SandboxServers) -> None:
    assert make(calm).check().ok
    oauth = make(calm, auth_mode="oauth2").check()
    assert oauth.ok, oauth.message
    wrong = make(calm, api_key="crm_wrong").check()
    assert not wrong.ok and "rejected the API key" in wrong.message


def test_cursor_read_to_the_end(crm: CrmRestConnector, calm: SandboxServers) -> None:
    stream = crm.streams()["contacts"]
    frames = list(stream.read())
    assert len(frames) >= 2  # 40 per page
    df = pd.concat(frames, ignore_index=True)
    assert list(df.columns) == stream.spec.field_names()
    assert df["contact_id"].is_unique
    assert len(df) == len(export(calm, "crm", "contacts"))
    newer = pd.concat(list(stream.read(str(df["updated_at"].max()))), ignore_index=True)
    assert 1 <= len(newer) < len(df)


def test_upsert_creates_then_unchanged_then_updated(crm: CrmRestConnector) -> None:
    stream = crm.streams()["contacts"]
    batch = [contact(f"CUD{i}") for i in range(5)]
    first = stream.write(batch)
    assert [r.action for r in first] == [WriteAction.CREATED] * 5
    assert all(r.dest_id for r in first)
    assert [r.action for r in stream.write(batch)] == [WriteAction.UNCHANGED] * 5
    changed = [contact("CUD0", city="Dearborn"), *batch[1:]]
    third = stream.write(changed)
    assert third[0].action is WriteAction.UPDATED and third[0].dest_id == first[0].dest_id
    assert [r.action for r in third[1:]] == [WriteAction.UNCHANGED] * 4


def test_150_records_go_in_calls_of_at_most_100(
    crm: CrmRestConnector, calm: SandboxServers
) -> None:
    stream = crm.streams()["contacts"]
    before = crm.client.stats["requests"]
    results = stream.write([contact(f"B150-{i}") for i in range(150)])
    assert Counter(r.action for r in results) == {WriteAction.CREATED: 150}
    assert crm.client.stats["requests"] - before == 2
    assert len(contacts_with_prefix(calm, "B150-")) == 150


def test_invalid_email_is_rejected_and_the_rest_created(crm: CrmRestConnector) -> None:
    batch = [contact(f"BAD{i}") for i in range(4)]
    batch[2] = contact("BAD2", email="bad@nowhere")
    results = crm.streams()["contacts"].write(batch)
    assert [r.action for r in results] == [
        WriteAction.CREATED,
        WriteAction.CREATED,
        WriteAction.REJECTED,
        WriteAction.CREATED,
    ]
    assert "not a valid email address" in (results[2].error or "")


def test_known_dest_id_targets_that_contact(crm: CrmRestConnector, calm: SandboxServers) -> None:
    existing = next(c for c in export(calm, "crm", "contacts") if not c["external_id"])
    record = WriteRecord(
        key="C-LINKED-1",
        golden_id="g",
        payload={"last_name": existing["last_name"], "city": "Novi"},
        dest_id=existing["contact_id"],
    )
    result = crm.streams()["contacts"].write([record])[0]
    assert result.action is WriteAction.UPDATED and result.dest_id == existing["contact_id"]
    stored = next(
        c for c in export(calm, "crm", "contacts") if c["contact_id"] == existing["contact_id"]
    )
    assert (stored["external_id"], stored["city"]) == ("C-LINKED-1", "Novi")


def test_413_splits_the_batch_in_halves() -> None:
    sizes: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        records = json.loads(request.content)["records"]
        sizes.append(len(records))
        if len(records) > 30:
            return httpx.Response(413, json={"code": 413, "message": "too large"})
        results = [
            {"index": i, "status": "created", "id": f"K-{r['external_id']}", "error": None}
            for i, r in enumerate(records)
        ]
        return httpx.Response(200, json={"results": results})

    client = ResilientClient(
        "https://crm.test", ApiKeyAuth("k"), transport=httpx.MockTransport(handler)
    )
    stream = BatchUpsertStream(
        crm_rest_specs.CONTACTS, client, "/contacts", crm_rest_specs.CONTACT_WRITABLE
    )
    batch = [contact(f"S{i}") for i in range(100)]
    results = stream.write(batch)
    assert sizes == [100, 50, 25, 25, 50, 25, 25]
    assert [r.dest_id for r in results] == [f"K-S{i}" for i in range(100)]


def test_faults_lose_and_duplicate_nothing(crm: CrmRestConnector, calm: SandboxServers) -> None:
    calm.set_faults("error_rate=0.1,rate_limit_rate=0.05,drop_rate=0.01")
    pauses: list[float] = []

    def quick(seconds: float) -> None:  # record the back-off, keep the test fast
        pauses.append(seconds)
        time.sleep(min(seconds, 0.005))

    crm.client.sleep = quick
    stream = crm.streams()["contacts"]
    batch = [contact(f"FLT-{i:03d}") for i in range(500)]
    results: list[Any] = []
    for start in range(0, 500, 20):  # small batches: more requests meet more faults
        results += stream.write(batch[start : start + 20])
    calm.set_faults("")
    assert Counter(r.action for r in results) == {WriteAction.CREATED: 500}
    stored = contacts_with_prefix(calm, "FLT-")
    assert len(stored) == 500
    assert len({c["external_id"] for c in stored}) == 500
    faults = calm.app("crm").faults.snapshot()["counts"]
    assert faults.get("error", 0) and faults.get("rate_limit", 0)  # the faults really happened
    assert crm.client.stats["retries"] >= faults["error"]
    assert 1.0 in pauses  # the injected 429s' Retry-After: 1 was honoured


def test_merge_and_writes_to_a_merged_away_id(crm: CrmRestConnector, calm: SandboxServers) -> None:
    stream = crm.streams()["contacts"]
    winner, loser = stream.write([contact("MRG-W"), contact("MRG-L")])
    assert winner.dest_id and loser.dest_id
    merged = crm.merge(winner.dest_id, [loser.dest_id])
    assert merged["contact_id"] == winner.dest_id
    merges = export(calm, "crm", "merges")
    assert {"loser_id": loser.dest_id, "winner_id": winner.dest_id} in merges
    late = WriteRecord("MRG-L", "g", {"last_name": "TestMRG-L", "city": "Troy"}, loser.dest_id)
    result = stream.write([late])[0]  # the loser id is gone: matched on external_id instead
    assert result.action is WriteAction.UPDATED and result.dest_id == winner.dest_id
    with pytest.raises(ConnectorError, match="refused the merge"):
        crm.merge(winner.dest_id, [winner.dest_id])


def test_records_whose_crm_id_is_gone_are_sent_again_together(
    crm: CrmRestConnector, calm: SandboxServers
) -> None:
    """Records matched on CRM ids that no longer exist are sent again by external id in
    one request, not one request each."""
    stream = crm.streams()["contacts"]
    first = stream.write([contact(f"GONE-{n}") for n in range(3)])
    for gone in first[:2]:
        crm.client.request("DELETE", f"/contacts/{gone.dest_id}").raise_for_status()
    again = [
        WriteRecord(f"GONE-{n}", f"g{n}", {"last_name": f"Again{n}"}, first[n].dest_id)
        for n in range(3)
    ]
    before = crm.client.stats["requests"]
    results = stream.write(again)
    assert crm.client.stats["requests"] - before == 2  # by CRM id, then both gone ones
    assert [r.action for r in results] == [
        WriteAction.CREATED, WriteAction.CREATED, WriteAction.UPDATED,
    ]  # fmt: skip
    assert results[2].dest_id == first[2].dest_id
    assert {r.dest_id for r in results[:2]}.isdisjoint({f.dest_id for f in first[:2]})


def test_leads_activities_deals_appointments(crm: CrmRestConnector, calm: SandboxServers) -> None:
    streams = crm.streams()
    (person,) = streams["contacts"].write([contact("LAD-1")])
    assert person.dest_id
    lead = WriteRecord(
        "DMS-LEAD-1",
        "g",
        {"source": "Walk-in", "first_name": "Lee", "last_name": "Ng", "email": "lee.ng@ex.com"},
    )
    created = streams["leads"].write([lead])[0]
    assert created.action is WriteAction.CREATED and created.dest_id
    assert created.dest_id == streams["leads"].write([lead])[0].dest_id  # Idempotency-Key
    status = WriteRecord("DMS-LEAD-1", "g", {"status": "Sold"}, dest_id=created.dest_id)
    assert streams["leads"].write([status])[0].action is WriteAction.UPDATED
    bad = streams["leads"].write([WriteRecord("x", "g", {"status": "Won"}, created.dest_id)])[0]
    assert bad.action is WriteAction.REJECTED and "not one of" in (bad.error or "")

    visit = WriteRecord(
        "RO-9001", "g", {"contact_id": person.dest_id, "type": "service", "subject": "RO 9001"}
    )
    actions = [streams["activities"].write([visit])[0].action for _ in range(2)]
    assert actions == [WriteAction.CREATED, WriteAction.UNCHANGED]
    # the same activity with a changed body is applied and said so, never "unchanged"
    moved_visit = WriteRecord("RO-9001", "g", {**visit.payload, "subject": "RO 9001 (revised)"})
    assert streams["activities"].write([moved_visit])[0].action is WriteAction.UPDATED
    kept = next(a for a in export(calm, "crm", "activities") if a["external_id"] == "RO-9001")
    assert kept["subject"] == "RO 9001 (revised)"

    deal = WriteRecord(
        "20999",
        "g",
        {"contact_external_id": "LAD-1", "status": "BOOKED", "vin": "1G4AH59H45G118341"},
    )
    first = streams["deal_status"].write([deal])[0]
    assert first.action is WriteAction.CREATED, first.error
    moved = WriteRecord("20999", "g", {**deal.payload, "status": "DELIVERED"})
    assert streams["deal_status"].write([moved])[0].action is WriteAction.UPDATED
    stored = next(d for d in export(calm, "crm", "deals") if d["external_id"] == "20999")
    assert stored["status"] == "DELIVERED"

    booking = WriteRecord(
        "WEB-AP-1",
        "g",
        {"contact_id": person.dest_id, "scheduled_at": "2026-12-05T14:00:00Z", "vin": ""},
    )
    assert streams["appointments"].write([booking])[0].action is WriteAction.CREATED
    moved_booking = WriteRecord(
        "WEB-AP-1", "g", {**booking.payload, "scheduled_at": "2026-12-06T09:00:00Z"},
        dest_id="known",  # what the engine sends once the booking is linked
    )  # fmt: skip
    assert streams["appointments"].write([moved_booking])[0].action is WriteAction.UPDATED
    read = pd.concat(list(streams["appointments"].read()), ignore_index=True)
    assert "WEB-AP-1" in set(read["external_id"])
