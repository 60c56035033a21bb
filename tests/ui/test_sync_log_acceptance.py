"""Acceptance: records the demo CRM (a real HTTP server on 127.0.0.1) rejects because of
a mapping mistake are found in the Sync Log by VIN, phone and name, replayed from the
screen after the mapping is fixed, and show as delivered — in the log and in the CRM."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.mapping.model import Mapping, rule
from app.sandbox.demo import install_demo
from app.sandbox.demo_flows import CUSTOMERS, DEALS_TO_CRM
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.services.flows import FlowService
from app.store import Store
from app.store.models import ParkedRecord
from app.sync.engine import SyncEngine
from app.ui.screens.sync_log import SyncLogScreen
from tests.support.sandbox import crm_contact_of

CUSTOMERS_FLOW = "customers-dms-to-crm"
DEALS_FLOW = "deal-status-dms-to-crm"


def _with(mapping: Mapping, target: str, replacement: Any) -> Mapping:
    return Mapping(tuple(replacement if r.target == target else r for r in mapping.rules))


# Mapping mistakes an admin could make: the CRM refuses what they produce.
CUSTOMERS_NO_COMPANY = Mapping(tuple(r for r in CUSTOMERS.rules if r.target != "company_name"))
DEALS_WRONG_PRICE = _with(DEALS_TO_CRM, "sale_price", rule("sale_price", "stock_number"))


@pytest.fixture
def dealer(store: Store) -> Iterator[tuple[Store, SandboxServers, Any]]:
    dataset = build_dataset(80, seed=5)
    with SandboxServers(dataset, seed=5) as servers:
        install_demo(store, servers.port_file_payload())
        yield store, servers, dataset


def _export(servers: SandboxServers, entity: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{servers.servers['crm'].url}/_sandbox/export/{entity}", timeout=30)
    r.raise_for_status()
    return list(r.json())


def _open_parked(store: Store) -> int:
    with store.session() as s:
        return int(
            s.scalar(select(func.count(ParkedRecord.id)).where(ParkedRecord.status == "open")) or 0
        )


def _search(qtbot, screen: SyncLogScreen, text: str) -> list[Any]:  # type: ignore[no-untyped-def]
    screen.filters.search.setText(text)
    screen.filters._now()
    qtbot.waitUntil(lambda: not screen.events_model.loading, timeout=10000)
    return screen.events_model.rows


def _replay_row(qtbot, screen: SyncLogScreen, key: str) -> None:  # type: ignore[no-untyped-def]
    rows = screen.events_model.rows
    screen.events_table.selectRow(next(i for i, r in enumerate(rows) if r.record_key == key))
    assert screen.replay_button.isEnabled()
    screen.replay_selected(confirm=False)
    qtbot.waitUntil(lambda: "delivered" in screen.result_label.text(), timeout=60000)
    qtbot.waitUntil(lambda: not screen.events_model.loading, timeout=10000)


def test_rejected_records_are_found_replayed_after_the_fix_and_delivered(
    qtbot,
    dealer: tuple[Store, SandboxServers, Any],  # type: ignore[no-untyped-def]
) -> None:
    store, servers, dataset = dealer
    flows = FlowService(store)
    engine = SyncEngine(store)
    flows.save_mapping(CUSTOMERS_FLOW, CUSTOMERS_NO_COMPANY, comment="test: company dropped")
    customers = engine.run(CUSTOMERS_FLOW)
    assert customers.counts["parked"] >= 1  # a business customer has no name left
    flows.save_mapping(DEALS_FLOW, DEALS_WRONG_PRICE, comment="test: wrong price column")
    deals = engine.run(DEALS_FLOW)
    assert deals.counts["parked"] >= 2 and deals.counts["created"] == 0
    parked_before = _open_parked(store)

    screen = SyncLogScreen(store)
    qtbot.addWidget(screen)
    screen.resize(1070, 800)
    screen.show()
    qtbot.waitUntil(lambda: not screen.events_model.loading, timeout=10000)

    # --- a deal, found by its VIN ---------------------------------------------------------
    deal = next(
        d
        for d in dataset.tables["dms_deals"].to_dict("records")
        if d["customer_id"] != "C100036" and d["vin"]
    )
    found = _search(qtbot, screen, deal["vin"].lower())
    assert [(r.record_key, r.status) for r in found] == [(str(deal["deal_number"]), "parked")]
    assert "sale_price" in (found[0].error or "") and found[0].in_queue
    flows.save_mapping(DEALS_FLOW, DEALS_TO_CRM, comment="test: fixed")
    _replay_row(qtbot, screen, str(deal["deal_number"]))
    rows = screen.events_model.rows
    replay = next(r for r in rows if r.replay_of is not None)
    original = next(r for r in rows if r.id == replay.replay_of)
    assert replay.status == "delivered" and original.status == "parked"
    assert original.replay_status == "delivered" and "sale_price" in (original.error or "")
    crm_deal = next(
        d for d in _export(servers, "deals") if d["external_id"] == str(deal["deal_number"])
    )
    assert crm_deal["sale_price"] == deal["sale_price"]
    assert _open_parked(store) == parked_before - 1  # only the selected record was replayed

    # --- the business customer, found by phone and by name -------------------------------
    business = next(
        c
        for c in dataset.tables["dms_customers"].to_dict("records")
        if not c["last_name"] and c["company_name"]
    )
    phone = business["mobile_phone"] or business["home_phone"] or business["work_phone"]
    digits = "".join(ch for ch in phone if ch.isdigit())[-10:]
    by_phone = _search(qtbot, screen, f"({digits[:3]}) {digits[3:6]}-{digits[6:]}")
    assert [(r.record_key, r.status) for r in by_phone] == [(business["customer_id"], "parked")]
    assert "needs a last name (or a company name)" in (by_phone[0].error or "")
    by_name = _search(qtbot, screen, business["company_name"].split()[0])
    assert business["customer_id"] in {r.record_key for r in by_name}
    _search(qtbot, screen, business["customer_id"])
    flows.save_mapping(CUSTOMERS_FLOW, CUSTOMERS, comment="test: fixed")
    _replay_row(qtbot, screen, business["customer_id"])
    statuses = {r.status for r in screen.events_model.rows}
    assert statuses == {"parked", "delivered"}
    contact = crm_contact_of(store, servers, business["customer_id"])  # its Elead customer
    assert contact["last_name"].casefold() == business["company_name"].strip().casefold()
