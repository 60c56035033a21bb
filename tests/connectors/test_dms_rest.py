"""The Fortellis-style DMS connector against the simulated DMS on 127.0.0.1."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from app.connectors.dms_rest import DmsRestConnector
from app.connectors.errors import AuthError
from app.connectors.registry import get_kind
from app.connectors.streams import WriteAction, WriteRecord
from app.formats import dms_layout
from app.sandbox.schema import TABLES
from app.sandbox.servers import SandboxServers
from tests.support.sandbox import export


def make(sandbox: SandboxServers, **overrides: Any) -> DmsRestConnector:
    info = sandbox.servers["dms"]
    creds = info.credentials
    settings: dict[str, Any] = {
        "base_url": info.url,
        "client_id": creds["client_id"],
        "subscription_id": creds["subscription_id"],
        "page_size": 25,
        "rate_limit_per_s": 0,
    }
    secret = overrides.pop("client_secret", creds["client_secret"])
    settings.update(overrides)
    return DmsRestConnector(settings, {"client_secret": secret})


@pytest.fixture
def dms(calm: SandboxServers) -> Any:
    connector = make(calm)
    yield connector
    connector.close()


def read_all(connector: DmsRestConnector, stream: str, cursor: str | None = None) -> pd.DataFrame:
    frames = list(connector.streams()[stream].read(cursor))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def test_registered_and_layout_matches_the_demo_schema() -> None:
    assert get_kind("dms_rest") is DmsRestConnector
    assert DmsRestConnector.secret_field_names() == ("client_secret", "token", "api_key")
    assert TABLES["dms_customers"] == dms_layout.CUSTOMERS
    assert TABLES["dms_vehicles"] == dms_layout.VEHICLES
    assert TABLES["dms_deals"] == dms_layout.DEALS
    assert TABLES["dms_repair_orders"] == dms_layout.REPAIR_ORDERS
    assert TABLES["dms_appointments"] == dms_layout.APPOINTMENTS
    assert TABLES["dms_inventory"] == dms_layout.INVENTORY


def test_check_connects_and_reports_plainly(calm: SandboxServers) -> None:
    ok = make(calm).check()
    assert ok.ok, ok.message
    assert "Connected to the DMS" in ok.message
    wrong_secret = make(calm, client_secret="not-the-secret").check()
    assert not wrong_secret.ok
    assert "refused the client id / secret" in wrong_secret.message
    wrong_sub = make(calm, subscription_id="00000000-0000-0000-0000-000000000000").check()
    assert not wrong_sub.ok and "Subscription ID" in wrong_sub.message


def test_subscription_id_is_enforced_on_reads(calm: SandboxServers) -> None:
    connector = make(calm, subscription_id="someone-else")
    with pytest.raises(AuthError, match="Subscription-Id"):
        read_all(connector, "customers")


def test_reads_every_customer_once_following_next_page(
    dms: DmsRestConnector, calm: SandboxServers, dataset: Any
) -> None:
    stream = dms.streams()["customers"]
    frames = list(stream.read())
    assert len(frames) > 2  # really paged (25 per page)
    df = pd.concat(frames, ignore_index=True)
    assert list(df.columns) == stream.spec.field_names()
    expected = set(dataset.tables["dms_customers"]["customer_id"])
    assert len(df) == len(export(calm, "dms", "customers"))
    assert df["customer_id"].is_unique and expected <= set(df["customer_id"])
    assert getattr(stream, "last_cursor", None) == df["updated_at"].max()
    assert list(df["updated_at"]) == sorted(df["updated_at"])


def test_fetch_reads_single_records_by_id(dms: DmsRestConnector) -> None:
    df = dms.streams()["inventory"].fetch(["NO-SUCH-VIN"])
    assert df.empty and list(df.columns) == dms.streams()["inventory"].spec.field_names()
    some = read_all(dms, "inventory")["vin"].head(2).tolist()
    assert dms.streams()["inventory"].fetch(some)["vin"].tolist() == some


def test_incremental_read_returns_only_rows_from_the_cursor_on(dms: DmsRestConnector) -> None:
    everything = read_all(dms, "customers")
    cursor = str(everything["updated_at"].max())
    target = str(everything.sort_values("updated_at").iloc[0]["customer_id"])
    result = dms.streams()["customers"].write(
        [WriteRecord(key="K-inc", golden_id="g1", payload={"city": "Ypsilanti"}, dest_id=target)]
    )
    assert result[0].action is WriteAction.UPDATED, result[0].error
    newer = read_all(dms, "customers", cursor)
    assert target in set(newer["customer_id"])
    assert (newer["updated_at"] >= cursor).all()
    assert len(newer) < len(everything) / 4
    row = newer[newer["customer_id"] == target].iloc[0]
    assert row["city"] == "Ypsilanti"


def test_read_survives_token_revocation_mid_read(calm: SandboxServers) -> None:
    connector = make(calm, page_size=20)
    stream = connector.streams()["repair_orders"]
    seen: list[str] = []
    for number, chunk in enumerate(stream.read()):
        seen += list(chunk["ro_number"])
        if number == 1:  # every token the DMS issued stops working now
            calm.app("dms").issuer._tokens.clear()
    assert len(seen) == len(set(seen)) == len(export(calm, "dms", "repair_orders"))
    assert connector.client.stats["refreshed"] >= 1
    connector.close()


def test_a_record_changed_while_paging_does_not_hide_another(calm: SandboxServers) -> None:
    connector = make(calm, page_size=20)
    writer = make(calm)
    seen: list[str] = []
    for number, chunk in enumerate(connector.streams()["vehicles"].read()):
        seen += list(chunk["vehicle_id"])
        if number == 0:  # an already-read customer moves to the end: page 2 shifts by one
            ident = str(chunk["customer_id"].iloc[0])
            change = WriteRecord("k", "g", {"city": "Monroe"}, dest_id=ident)
            assert writer.streams()["customers"].write([change])[0].error is None
            calm.app("dms").store.update(  # the same for a vehicle, as a DMS user would
                "vehicles", str(chunk["vehicle_id"].iloc[0]), {"color": "Teal"}, "*"
            )
    expected = {v["vehicle_id"] for v in export(calm, "dms", "vehicles")}
    assert set(seen) == expected
    connector.close()
    writer.close()


def test_short_lived_tokens_are_renewed(calm: SandboxServers) -> None:
    calm.set_faults("dms:token_ttl_s=1")
    connector = make(calm, page_size=30)
    df = read_all(connector, "vehicles")
    assert len(df) == len(export(calm, "dms", "vehicles"))
    connector.close()


def test_repair_orders_carry_service_date_and_optional_lines(calm: SandboxServers) -> None:
    plain = read_all(make(calm, page_size=500), "repair_orders")
    closed = plain[plain["close_date"] != ""].iloc[0]
    assert closed["service_date"] == closed["close_date"]
    assert (plain["lines"] == "").all()
    with_lines = read_all(make(calm, page_size=500, include_ro_lines=True), "repair_orders")
    assert with_lines["lines"].str.startswith("[").any()
    assert "declined_recommendations" in with_lines.columns


def _deal(calm: SandboxServers, status: str) -> dict[str, str]:
    return next(d for d in export(calm, "dms", "deals") if d["status"] == status)


def test_deal_status_patch_uses_if_match(dms: DmsRestConnector, calm: SandboxServers) -> None:
    deal = _deal(calm, "DELIVERED")
    stream = dms.streams()["deal_status"]
    record = WriteRecord(
        key="CRM-D1", golden_id="g", payload={"status": "UNWOUND"}, dest_id=deal["deal_number"]
    )
    first = stream.write([record])[0]
    assert first.action is WriteAction.UPDATED and first.dest_id == deal["deal_number"]
    after = next(d for d in export(calm, "dms", "deals") if d["deal_number"] == deal["deal_number"])
    assert after["status"] == "UNWOUND"
    assert stream.write([record])[0].action is WriteAction.UNCHANGED
    stats = calm.app("dms").stats.snapshot()["by_route"]
    assert "412" not in stats.get("PATCH /deals/{dealNumber}", {})


def test_a_stale_etag_is_refetched_once(dms: DmsRestConnector, calm: SandboxServers) -> None:
    deal = _deal(calm, "DELIVERED")
    number = deal["deal_number"]
    stream = dms.streams()["deal_status"]
    other = make(calm)
    original = stream.api.client.request  # type: ignore[attr-defined]
    raced = {"done": False}

    def racing(method: str, path: str, **kwargs: Any) -> Any:
        if method == "PATCH" and not raced["done"]:
            raced["done"] = True  # someone else edits the deal between our GET and PATCH
            rival = WriteRecord("x", "g", {"salesperson": "Rival Rep"}, dest_id=number)
            assert other.streams()["deal_status"].write([rival])[0].action is WriteAction.UPDATED
        return original(method, path, **kwargs)

    stream.api.client.request = racing  # type: ignore[attr-defined]
    result = stream.write([WriteRecord("k", "g", {"status": "BOOKED"}, dest_id=number)])[0]
    assert result.action is WriteAction.UPDATED, result.error
    after = next(d for d in export(calm, "dms", "deals") if d["deal_number"] == number)
    assert (after["status"], after["salesperson"]) == ("BOOKED", "Rival Rep")
    other.close()


def test_lead_create_is_idempotent_on_the_crm_lead_id(dms: DmsRestConnector) -> None:
    payload = {
        "source": "Website",
        "first_name": "Zoë",
        "last_name": "Quill",
        "email": "zoe.quill@example.net",
        "vin": "1FADP5AU6DL536022",
        "year": "2013",
        "make": "Ford",
        "model": "Focus",
    }
    stream = dms.streams()["leads"]
    record = WriteRecord(key="CRM-LEAD-77", golden_id="g77", payload=payload)
    created = stream.write([record])[0]
    assert created.action is WriteAction.CREATED, created.error
    assert created.dest_id and created.response and created.response["customerCreated"] is True
    again = stream.write([record])[0]
    assert again.action is WriteAction.UNCHANGED and again.dest_id == created.dest_id


def test_appointment_create_then_reschedule(dms: DmsRestConnector, calm: SandboxServers) -> None:
    customer = export(calm, "dms", "customers")[0]["customer_id"]
    stream = dms.streams()["appointments"]
    payload = {
        "customer_id": customer,
        "scheduled_at": "2026-12-03T15:00:00Z",
        "service_requested": "Oil change",
        "source": "CRM",
    }
    record = WriteRecord(key="CRM-AP-1", golden_id="g", payload=payload)
    created = stream.write([record])[0]
    assert created.action is WriteAction.CREATED, created.error
    assert stream.write([record])[0].dest_id == created.dest_id  # Idempotency-Key
    moved = WriteRecord(
        key="CRM-AP-1",
        golden_id="g",
        payload={**payload, "scheduled_at": "2026-12-04T09:30:00Z"},
        dest_id=created.dest_id,
    )
    result = stream.write([moved])[0]
    assert result.action is WriteAction.UPDATED, result.error
    stored = next(
        a for a in export(calm, "dms", "appointments") if a["appointment_id"] == created.dest_id
    )
    assert stored["scheduled_at"] == "2026-12-04T09:30:00Z"


def test_refusals_are_rejected_with_the_servers_reason(dms: DmsRestConnector) -> None:
    appointments = dms.streams()["appointments"]
    bad_time = WriteRecord(
        "k1",
        "g",
        {"customer_id": "C100001", "scheduled_at": "next tuesday", "service_requested": "x"},
    )
    unknown_customer = WriteRecord(
        "k2", "g", {"customer_id": "C999999", "scheduled_at": "2026-12-01T10:00:00Z"}
    )
    results = appointments.write([bad_time, unknown_customer])
    assert [r.action for r in results] == [WriteAction.REJECTED] * 2
    assert "scheduledAt" in (results[0].error or "") and "HTTP 422" in (results[0].error or "")
    assert "serviceRequested" in (results[1].error or "") or "C999999" in (results[1].error or "")
    lead = dms.streams()["leads"].write(
        [WriteRecord("k3", "g", {"last_name": "Nobody", "email": "not-an-email"})]
    )[0]
    assert lead.action is WriteAction.REJECTED and "not a valid email" in (lead.error or "")


def test_local_refusals_need_no_request(dms: DmsRestConnector) -> None:
    customers = dms.streams()["customers"]
    no_id = customers.write([WriteRecord("k", "g", {"city": "Flint"})])[0]
    assert no_id.action is WriteAction.REJECTED and "no DMS customer_id" in (no_id.error or "")
    typo = customers.write([WriteRecord("k", "g", {"citty": "Flint"}, dest_id="C100001")])[0]
    assert typo.action is WriteAction.REJECTED and "citty" in (typo.error or "")
