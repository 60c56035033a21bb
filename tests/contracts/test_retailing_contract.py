"""Digital retailing's STAR calls against Prism mocks of the STAR standard's own specs
(``vehicle_invoice.yaml``, ``credit_authorization.yaml``): the deals and credit
applications a shopper built online, as the demo flows map them (structure, trade-in,
lease or finance terms, F&I products, the lender's decision) into the DMS through
``star_rest``, and the DMS's deal status back to the tool through ``digital_retailing`` --
zero request violations, every expected operation seen."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest

from app.connectors.digital_retailing import DigitalRetailingConnector
from app.connectors.errors import ConnectorError
from app.connectors.star_rest import StarRestConnector
from app.connectors.streams import WriteAction, WriteRecord
from app.formats.star.codec import format_timestamp
from app.mapping.apply import apply_mapping
from app.mapping.model import Mapping
from app.sandbox.demo_retailing import CREDIT_TO_DMS, DEALS_TO_DMS, STATUS_TO_RETAILING
from app.sandbox.servers.retailing_deals import bump, jacket_body, new_deal
from app.services.profiles import ProfileService
from app.store import Store
from tests.contracts.conftest import PrismMocks

UNITS = [
    {"vin": "1G4AH59H45G118341", "stock_number": "N1001", "year": "2026", "make": "Buick",
     "model": "Enclave", "price": "45999.00"},
    {"vin": "1FADP5AU6DL536022", "stock_number": "U2002", "year": "2013", "make": "Ford",
     "model": "C-Max", "price": "8999.00"},
]  # fmt: skip


def _now() -> str:
    return format_timestamp(datetime.now(UTC))


def _tool(store: Store, **settings: Any) -> DigitalRetailingConnector:
    info = ProfileService(store).create(
        "Deal builder",
        "digital_retailing",
        {"base_url": "https://tool.invalid", "listen_port": 0, "max_attempts": 1,
         "rate_limit_per_s": 0, "timeout_s": 60, **settings},
        {"api_key": "contract-test-key", "webhook_secret": "contract-secret"},
    )  # fmt: skip
    connector = ProfileService(store).connector(info.id)
    assert isinstance(connector, DigitalRetailingConnector)
    return connector


def _dms(stream: str, url: str) -> StarRestConnector:
    settings = {
        "base_url": "https://gateway.invalid",
        "auth_mode": "api_key",
        "api_key_header": "X-API-KEY",
        "api_base_urls": {stream: url},
        "max_attempts": 1,
        "rate_limit_per_s": 0,
        "timeout_s": 60,
    }
    return StarRestConnector(settings, {"api_key": "contract-test-key"})


def _jackets(store: Store, count: int) -> DigitalRetailingConnector:
    """``count`` deals of every kind (cash, finance, lease; with and without a trade-in and
    a payoff), each taken in by the receiver's door as it takes a webhook."""
    tool = _tool(store)
    intake = tool.intake()
    rng = random.Random(29)
    for n in range(1, count + 1):
        deal = new_deal(rng, f"DR-C{n:03d}", n, UNITS, [], {}, existing_share=0.0, stamp=_now())
        bump(deal, _now())
        taken = intake.take(jacket_body(deal, f"evt-{n}", _now()))
        assert taken.result == "stored", taken
    return tool


def _mapped(tool: DigitalRetailingConnector, stream: str, mapping: Mapping) -> pd.DataFrame:
    (frame,) = list(tool.streams()[stream].read(None))
    key = tool.streams()[stream].spec.primary_key
    result = apply_mapping(frame, mapping, key)
    assert result.errors == [], result.errors
    return result.frame


def _records(frame: pd.DataFrame, key: str, *, dest: bool = False) -> list[WriteRecord]:
    """Rows as the engine hands them to a destination (the customer reference resolved).
    A new record goes with its key as the golden id and not in the payload: with the key
    there, star_rest PATCHes first (the record may be there) and Prism's mock, which
    answers every key, would never see the POST."""
    out = []
    for row in frame.to_dict("records"):
        ident = str(row[key])
        payload = {k: v for k, v in row.items() if v not in ("", None) and (dest or k != key)}
        payload["customer_id"] = "C900001"
        out.append(WriteRecord(ident, ident, payload, dest_id=ident if dest else None))
    return out


def _each(stream: Any, records: list[WriteRecord]) -> list[WriteAction | None]:
    """Write record by record. Prism cannot build an answer from vehicle_invoice.yaml's
    schemas (a 500, SCHEMA_TOO_COMPLEX): the connector reports it, and the request it
    received is still checked by ``assert_clean``."""
    out: list[WriteAction | None] = []
    for record in records:
        try:
            (result,) = stream.write([record])
        except ConnectorError:
            out.append(None)
            continue
        assert result.action is not WriteAction.REJECTED, result.error
        out.append(result.action)
    return out


def test_deals_built_online_go_to_the_dms_as_star_vehicle_invoices(
    store: Store, prism_mocks: PrismMocks
) -> None:
    tool = _jackets(store, 12)
    deals = _mapped(tool, "deals", DEALS_TO_DMS)
    kinds = set(deals["payment_method"])
    assert kinds == {"CASH", "FINANCE", "LEASE"}, kinds  # every structure is sent
    assert (deals["trade_vin"] != "").any() and (deals["trade_payoff"] != "").any()
    assert (deals["money_factor"] != "").any() and (deals["products"] != "").any()
    mock = prism_mocks("star/vehicle_invoice.yaml")
    dms = _dms("vehicle_invoices", mock.url)
    stream = dms.streams()["vehicle_invoices"]
    created = _each(stream, _records(deals, "vehicle_invoice_key"))
    assert set(created) <= {WriteAction.CREATED, None}, created
    # a later version of the structure (the shopper put more down)
    changed = deals.assign(down_payment="5000.00", version="2")
    updated = _each(stream, _records(changed, "vehicle_invoice_key", dest=True))
    assert set(updated) <= {WriteAction.UPDATED, None}, updated
    dms.close()
    tool.close()
    mock.assert_clean(
        [("POST", "/vehicle-invoices"), ("PATCH", "/vehicle-invoices/{vehicle-invoice-key}")]
    )


def test_credit_applications_go_to_the_dms_as_star_credit_authorizations(
    store: Store, prism_mocks: PrismMocks
) -> None:
    tool = _jackets(store, 12)
    credits = _mapped(tool, "credit_applications", CREDIT_TO_DMS)
    assert len(credits) >= 3 and set(credits["status"]) == {"PENDING_EXTERNAL"}
    mock = prism_mocks("star/credit_authorization.yaml")
    dms = _dms("credit_authorizations", mock.url)
    stream = dms.streams()["credit_authorizations"]
    created = stream.write(_records(credits, "credit_authorization_key"))
    assert {r.action for r in created} == {WriteAction.CREATED}, [r.error for r in created]
    decided = credits.assign(
        status="AUTHORIZED", auth_number="DEC-00A1B2", authorized_at="2026-12-05T15:04:05Z"
    )
    updated = stream.write(_records(decided, "credit_authorization_key", dest=True))
    assert {r.action for r in updated} == {WriteAction.UPDATED}, [r.error for r in updated]
    dms.close()
    tool.close()
    mock.assert_clean(
        [
            ("POST", "/credit-authorizations"),
            ("PATCH", "/credit-authorizations/{credit-authorization-key}"),
        ]
    )


@pytest.mark.parametrize("status", ["ISSUED", "CLOSED", "VOIDED"])
def test_the_dms_status_goes_back_to_the_tool_as_a_star_merge_patch(
    store: Store, prism_mocks: PrismMocks, status: str
) -> None:
    """Booked, delivered, unwound: a merge patch of the tool's vehicle invoice."""
    mock = prism_mocks("star/vehicle_invoice.yaml")
    tool = _tool(store, api_base_urls={"deal_status": mock.url})
    invoice = {"vehicle_invoice_key": "DR-C001", "status": status, "payment_status": "PAID",
               "delivery_date": "2026-12-05"}  # fmt: skip
    source = pd.DataFrame([invoice])  # the DMS's vehicle invoice, as star_rest reads it
    rows = apply_mapping(source, STATUS_TO_RETAILING, "vehicle_invoice_key").frame
    payload = rows.iloc[0].to_dict()
    stream = tool.streams()["deal_status"]
    done = _each(stream, [WriteRecord("DR-C001", "gold-1", payload, dest_id="DR-C001")])
    assert set(done) <= {WriteAction.UPDATED, None}, done
    tool.close()
    mock.assert_clean([("PATCH", "/vehicle-invoices/{vehicle-invoice-key}")])
