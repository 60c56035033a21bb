"""Elead, CDK's dealer CRM: customers and sales opportunities.

Signs in with OAuth2 client credentials (or a bearer token the dealership was issued),
sends ``Subscription-Id`` and a fresh ``Request-Id`` with every call, and credentials only
as headers: the published copies of the Elead specs (made for a low-code gateway) ask for
``client_id``, ``client_secret`` and ``subscription_id`` in the query string, which
Fortellis does not. Each API sits at ``api_base_urls[api]`` when set, else the base URL +
the API's base path from its spec:

- ``customers``: *Elead Sales Customers*, ``/elead-sales-customers``;
- ``opportunities``: *Elead Sales Opportunities*, ``/elead-sales-opportunities`` (also
  the trade-in, vehicle-sought and comment streams).

On Fortellis itself they are ``https://api.fortellis.io/sales/v1/elead/customers`` and
``…/opportunities`` (the specs' own links): set them as API addresses.

Streams and their rules: ``elead_crm_customers``, ``elead_crm_opportunities``,
``elead_crm_additions`` (built together in ``elead_crm_streams``); row layouts:
``app.formats.elead``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from app.connectors.base import ConfigField, FieldType
from app.connectors.elead_crm_streams import build_streams
from app.connectors.errors import AuthError
from app.connectors.rest.connector import RestConnector
from app.connectors.rest.settings import rest_fields
from app.connectors.rest_helpers import json_object
from app.connectors.streams import Stream
from app.formats.elead.common import describe_error, parse_instant, rfc3339

APIS = ("customers", "opportunities")
HISTORY_DAYS = 365


class EleadCrmConnector(RestConnector):
    kind = "elead_crm"
    label = "Elead CRM (customers, sales opportunities)"
    protocol = "Elead"
    description = (
        "CDK's Elead CRM: customers (search, create, update, owned vehicles) and sales "
        "opportunities (read by what changed, create, trade-ins, vehicles sought, "
        "comments, salesperson); OAuth2 or a bearer token, Subscription-Id."
    )
    system = "Elead"
    default_auth = "oauth2"
    token_path = "/oauth2/token"
    request_id_header = "Request-Id"
    api_paths: ClassVar[dict[str, str]] = {
        "customers": "/elead-sales-customers",
        "opportunities": "/elead-sales-opportunities",
    }
    fields: ClassVar[tuple[ConfigField, ...]] = (
        *rest_fields(
            system="Elead API gateway",
            streams=APIS,
            base_example="https://api.fortellis.io",
            auth_modes=("oauth2", "bearer"),
            page_size=(100, 100),
            rate_limit_per_s=10,
        ),
        ConfigField(
            "subscription_id",
            "Subscription ID",
            required=True,
            help="The dealership's Fortellis subscription for Elead (sent as Subscription-Id).",
        ),
        ConfigField(
            "opportunities_from",
            "Read opportunities from",
            default="",
            help="A full read of opportunities starts at this date (YYYY-MM-DD); empty: "
            f"{HISTORY_DAYS} days ago. Elead lists changes of the last 7 days only, so "
            "older ones are read with its date-range search, 7 days at a time.",
        ),
        ConfigField(
            "owned_vehicles_on_read",
            "Read owned vehicles with customers",
            FieldType.BOOLEAN,
            default=False,
            advanced=True,
            help="Fill owned_vehicles on every customer read (one more request per "
            "customer). Fetching a customer by id always fills it.",
        ),
        ConfigField(
            "customers_on_read",
            "Read customers with opportunities",
            FieldType.BOOLEAN,
            default=False,
            advanced=True,
            help="Fill each opportunity's customer_* columns (name, e-mail, phones, "
            "address) on reads: one more request per customer a read meets. A flow "
            "that brings leads into the DMS needs them to find or create the customer.",
        ),
    )

    @classmethod
    def validate(cls, settings: dict[str, Any], secrets: dict[str, str]) -> dict[str, str]:
        problems = super().validate(settings, secrets)
        start = str(settings.get("opportunities_from") or "").strip()
        if start and parse_instant(start) is None:
            problems["opportunities_from"] = f"'{start}' is not a date like 2025-01-01."
        return problems

    def history_start(self) -> datetime:
        start = parse_instant(str(self.setting("opportunities_from") or ""))
        return start or datetime.now(UTC) - timedelta(days=HISTORY_DAYS)

    def default_headers(self) -> dict[str, str]:
        return {
            **super().default_headers(),
            "Subscription-Id": str(self.setting("subscription_id") or ""),
        }

    def describe_error(self, response: Any) -> str:
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text
        return describe_error(body, response.status_code)

    def probe(self) -> tuple[str, str, dict[str, Any]]:
        since = rfc3339(datetime.now(UTC) - timedelta(days=1))
        return "opportunities", "/searchDelta", {"dateFrom": since, "page": 1, "pageSize": 1}

    def probe_answer(self, response: Any) -> str:
        if response.status_code == 403:
            raise AuthError(
                "Elead accepted the sign-in but not the Subscription ID: "
                f"{self.describe_error(response)}.",
                hint="Check the Subscription ID in the connection profile.",
            )
        super().probe_answer(response)
        total = json_object(response).get("totalItems", "?")
        count = f"{total:,}" if isinstance(total, int) else str(total)
        return f"Connected to Elead; {count} opportunities changed in the last day"

    def build_streams(self) -> dict[str, Stream]:
        return dict(
            build_streams(
                self.api("customers"),
                self.api("opportunities"),
                page_size=int(self.setting("page_size")),
                history_start=self.history_start(),
                owned_vehicles_on_read=bool(self.setting("owned_vehicles_on_read")),
                customers_on_read=bool(self.setting("customers_on_read")),
            )
        )
