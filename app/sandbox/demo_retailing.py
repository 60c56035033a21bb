"""The demo dealership's digital-retailing tool: its connection (a webhook receiver on this
computer, the simulated tool's API), its flows, and telling the simulated tool where to
send deal jackets.

Flows (all over STAR shapes; the DMS is the demo DMS's STAR API):

- ``shoppers-retailing-to-dms``: the shopper of each new deal becomes a DMS customer after
  the pre-entry duplicate check (an e-mail or mobile the DMS has links to that customer);
- ``deals-retailing-to-dms``: the deal, as a pending STAR vehicle invoice with its
  structure and the trade-in appraisal, for that customer; the DMS owns its status;
- ``credit-apps-retailing-to-dms``: the credit application's status and the lender's
  decision reference, as a STAR credit authorization (never the SSN or credit report:
  the receiver takes them out before anything is kept);
- ``deal-status-dms-to-retailing``: the DMS's status of those deals (booked, delivered,
  unwound) back to the tool; other DMS deals are none of its business (``update_only``);
- ``trade-ins-dms-to-inventory``: the trade-in of a booked deal into the DMS's stock as an
  incoming used unit.

The first three run as soon as a jacket is kept (``app.scheduling.retailing_listener``,
started by ``python main.py service``); their schedules are a safety net.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Mapping as Mapping_
from typing import Any

import httpx

from app.mapping.model import Mapping, Step, rule
from app.sandbox.demo_names import DMS_STAR, RETAILING
from app.services.flows import FlowDefinition
from app.services.profile_info import ProfileInfo
from app.services.profiles import ProfileService
from app.store.errors import NotFoundError

TRIM = Step("collapse_spaces")
NAME = Step("name_case")
MONEY = Step("number", {"decimals": 2})
PROTOCOL = "STAR vehicle invoices and credit authorizations by signed webhook (HMAC-SHA256)"

SHOPPERS_TO_DMS = Mapping(
    (
        rule("first_name", "first_name", steps=[TRIM, NAME]),
        rule("last_name", "last_name", steps=[TRIM, NAME], required=True),
        rule("email", "email", steps=[Step("email")]),
        rule("mobile_phone", "mobile_phone", steps=[Step("phone_e164")]),
        rule("home_phone", "home_phone", steps=[Step("phone_e164")]),
        rule("address_line1", "address_line1", steps=[TRIM]),
        rule("city", "city", steps=[TRIM, Step("title")]),
        rule("state", "state", steps=[TRIM, Step("upper")]),
        rule("zip", "zip", steps=[Step("zip_plus4")]),
    )
)

_SAME = ("vin", "stock_number", "year", "make", "model", "lender", "deal_date",
         "currency_code", "version", "products", "trade_year", "trade_make", "trade_model",
         "trade_mileage", "trade_condition", "trade_lienholder", "invoice_type")  # fmt: skip
_MONEY = ("sale_price", "down_payment", "amount_financed", "monthly_payment", "residual",
          "trade_value", "trade_payoff")  # fmt: skip
DEALS_TO_DMS = Mapping(
    (
        rule("vehicle_invoice_key", "deal_id", required=True),
        rule(
            "status",
            "status",
            steps=[Step("upper"), Step("default", {"value": "PENDING_APPROVAL"})],
        ),
        rule("payment_method", "payment_method", steps=[Step("upper")], required=True),
        *(rule(f, f, steps=[TRIM]) for f in _SAME),
        *(rule(f, f, steps=[MONEY]) for f in _MONEY),
        rule("term_months", "term_months"),
        rule("apr", "apr"),
        rule("money_factor", "money_factor"),
        rule("trade_vin", "trade_vin", steps=[Step("vin")]),
    )
)

CREDIT_TO_DMS = Mapping(
    (
        rule("credit_authorization_key", "credit_authorization_key", required=True),
        rule("status", "status", steps=[Step("upper")], required=True),
        rule("auth_type", "auth_type"),
        rule("lender", "lender", steps=[TRIM]),
        rule("deal_number", "deal_id"),
        rule("amount", "amount", steps=[MONEY]),
        rule("currency_code", "currency_code"),
        rule("auth_number", "auth_number"),
        rule("authorized_at", "authorized_at"),
        rule("customer_name", "customer_name", steps=[TRIM]),
    )
)

STATUS_TO_RETAILING = Mapping(
    (
        rule("deal_id", "vehicle_invoice_key", required=True),
        rule("status", "status", required=True),
        rule("payment_status", "payment_status"),
        rule("delivery_date", "delivery_date"),
    )
)

TRADE_INS_TO_INVENTORY = Mapping(
    (
        rule("inventory_vehicle_key", "trade_vin", steps=[Step("vin")], required=True),
        rule("vin", "trade_vin", steps=[Step("vin")], required=True),
        rule("year", "trade_year"),
        rule("make", "trade_make", steps=[TRIM]),
        rule("model", "trade_model", steps=[TRIM]),
        rule("mileage", "trade_mileage"),
        rule("condition", steps=[Step("constant", {"value": "USED"})]),
        rule("status", steps=[Step("constant", {"value": "RECEIVED"})]),
        rule(
            "description",
            "deal_number",
            "trade_condition",
            "trade_value",
            steps=[Step("concat", {"separator": " · "})],
        ),
    )
)


def retailing_flows(ids: Mapping_[str, int]) -> list[FlowDefinition]:
    """The digital-retailing flows between the demo tool and the demo DMS (STAR)."""
    tool, star = ids[RETAILING], ids[DMS_STAR]
    shopper = {
        "from": "shopper_id",
        "entity": "customer",
        "hint": "shoppers-retailing-to-dms",
    }
    net = {"interval_s": 300}  # a safety net: the listener runs them as deals arrive
    return [
        FlowDefinition(
            "shoppers-retailing-to-dms",
            "Online shoppers: digital retailing → DMS",
            tool,
            "shoppers",
            star,
            "customers",
            SHOPPERS_TO_DMS,
            mode="realtime",
            options={
                "pre_entry_check": {
                    "email_field": "email",
                    "phone_field": "mobile_phone",
                    "set_field": "customer_key",
                }
            },
            schedule=net,
            description=f"Shoppers of deals built online ({PROTOCOL}) into DMS customers "
            "(STAR POST /customers) after the pre-entry duplicate check.",
        ),
        FlowDefinition(
            "deals-retailing-to-dms",
            "Online deals: digital retailing → DMS",
            tool,
            "deals",
            star,
            "vehicle_invoices",
            DEALS_TO_DMS,
            mode="realtime",
            ownership={"status": "destination"},
            options={"references": {"customer_id": shopper}},
            schedule=net,
            description=f"Deals built online ({PROTOCOL}) into pending DMS deals (STAR "
            "POST/PATCH /vehicle-invoices) with their structure and trade-in appraisal; "
            "the newest version of a deal wins, whatever order they arrive in.",
        ),
        FlowDefinition(
            "credit-apps-retailing-to-dms",
            "Credit applications: digital retailing → DMS",
            tool,
            "credit_applications",
            star,
            "credit_authorizations",
            CREDIT_TO_DMS,
            mode="realtime",
            options={"references": {"customer_id": shopper}},
            schedule=net,
            description=f"Credit applications ({PROTOCOL}): their status and the lender's "
            "decision reference into DMS credit authorizations (STAR). The SSN and the "
            "credit report are refused on arrival and never stored.",
        ),
        FlowDefinition(
            "deal-status-dms-to-retailing",
            "Deal status: DMS → digital retailing",
            star,
            "vehicle_invoices",
            tool,
            "deal_status",
            STATUS_TO_RETAILING,
            options={"update_only": True},
            schedule={"interval_s": 120},
            description="The DMS's status of deals built online (booked, delivered, "
            "unwound; STAR GET /vehicle-invoices) back to the digital-retailing tool as a "
            "STAR merge patch of its vehicle invoice. DMS deals that did not come from "
            "the tool are left alone.",
        ),
        FlowDefinition(
            "trade-ins-dms-to-inventory",
            "Trade-ins of booked deals: DMS → DMS inventory",
            star,
            "vehicle_invoices",
            star,
            "inventory_vehicles",
            TRADE_INS_TO_INVENTORY,
            options={"source_filter": {"status": ["ISSUED", "CLOSED"], "trade_vin": "*"}},
            schedule={"interval_s": 300},
            description="The trade-in appraised on a booked deal (STAR vehicle invoice) into "
            "the DMS's stock as an incoming used unit (STAR POST /inventory-vehicles).",
        ),
    ]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def retailing_profile(
    servers: Mapping_[str, Any], port: int
) -> tuple[str, str, dict[str, Any], dict[str, str]]:
    """The demo connection: the simulated tool's API, a webhook receiver on ``port``."""
    tool = servers["retailing"]
    return (
        RETAILING,
        "digital_retailing",
        {
            "base_url": tool["url"],
            "auth_mode": "api_key",
            "api_key_header": "X-API-Key",
            "rate_limit_per_s": 0,
            "listen": True,
            "listen_host": "127.0.0.1",
            "listen_port": port,
        },
        {
            "api_key": tool["credentials"]["api_key"],
            "webhook_secret": tool["credentials"]["webhook_secret"],
        },
    )


def point_tool_at_receiver(tool_url: str, settings: Mapping_[str, Any], secret: str) -> str:
    """Tell the simulated tool where the demo connection listens; returns that URL."""
    host = str(settings.get("listen_host") or "127.0.0.1")
    path = str(settings.get("webhook_path") or "/retailing/deals")
    url = f"http://{host}:{settings['listen_port']}{path}"
    with contextlib.suppress(httpx.HTTPError):  # an old tool that cannot: no deals sent
        httpx.post(
            f"{tool_url}/_sandbox/receiver",
            json={"url": url, "secret": secret},
            timeout=10,
            trust_env=False,
        ).raise_for_status()
    return url


def install_demo_retailing(
    profiles: ProfileService, servers: dict[str, Any], out: dict[str, ProfileInfo]
) -> None:
    """The digital-retailing connection (its webhook port kept across starts, while free)
    and the simulated tool told where to send deal jackets."""
    if "retailing" not in servers:
        return
    try:
        existing: ProfileInfo | None = profiles.get_by_name(RETAILING)
    except NotFoundError:
        existing = None
    port = int(existing.settings.get("listen_port") or 0) if existing else 0
    name, kind, settings, secret_values = retailing_profile(servers, port or free_port())
    if existing is None:
        out[name] = profiles.create(name, kind, settings, secret_values, is_demo=True)
    else:
        out[name] = profiles.update(
            existing.id, settings=settings, secret_values=dict(secret_values)
        )
    point_tool_at_receiver(
        servers["retailing"]["url"], out[name].settings, secret_values["webhook_secret"]
    )
