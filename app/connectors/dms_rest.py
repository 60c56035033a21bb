"""Generic REST DMS: a dealer management system (or a rooftop's in-house system) with no
dedicated connector here, over a REST API.

Built on the dialect of our simulated DMS — OAuth2 client credentials (refreshed before
expiry and on a 401 by ``ResilientClient``), a fresh ``Request-Id`` per request, camelCase
JSON, ``pageSize`` with ``links.nextPage.href`` and ``updatedSince`` — and every part of
that dialect can be set in the profile's advanced settings (``app.connectors.generic_rest``):
the path of each stream, the paging style and its names, the "changed since" parameter
and the JSON key of any field. ``Subscription-Id`` is sent when the profile names one.
Streams: customers, vehicles, deals, repair_orders, appointments, inventory (readable,
cursor ``updated_at``) and leads, appointments, deal_status, customers (writable); see
``dms_rest_streams`` for the read and write rules.
"""

from __future__ import annotations

from typing import Any, ClassVar

from app.connectors import dms_rest_specs as specs
from app.connectors.base import ConfigField, FieldType
from app.connectors.dms_rest_streams import build_streams
from app.connectors.errors import AuthError
from app.connectors.generic_rest import Dialect, dialect_fields, dialect_problems
from app.connectors.rest.connector import RestConnector
from app.connectors.rest.paging import dig
from app.connectors.rest.settings import rest_fields
from app.connectors.rest_helpers import error_text, json_object
from app.connectors.streams import Stream

STREAMS = (
    "customers",
    "vehicles",
    "deals",
    "deal_status",
    "repair_orders",
    "appointments",
    "inventory",
    "leads",
)


class DmsRestConnector(RestConnector):
    kind = "dms_rest"
    label = "Generic REST DMS"
    protocol = "Generic REST"
    description = (
        "A DMS or in-house system with no dedicated connector here, over a REST API. "
        "Paths, paging and field names are set in the profile (Advanced settings); the "
        "defaults are camelCase JSON with next-page links and OAuth2 sign-in."
    )
    system = "DMS"
    default_auth = "oauth2"
    token_path = "/oauth2/token"
    request_id_header = "Request-Id"
    fields: ClassVar[tuple[ConfigField, ...]] = (
        *rest_fields(
            system="DMS",
            streams=STREAMS,
            base_example="https://dms.example.com/api",
            page_size=(500, 1000),
            rate_limit_per_s=10,
        ),
        ConfigField(
            "subscription_id",
            "Subscription ID",
            help="Only for a DMS that asks for one (sent as Subscription-Id): the "
            "dealership's subscription that grants access to its data.",
        ),
        ConfigField(
            "include_ro_lines",
            "Include RO lines",
            FieldType.BOOLEAN,
            default=False,
            help="Read repair-order lines too (asks with Prefer: return=representation; "
            "larger answers; fills the 'lines' field).",
        ),
        *dialect_fields(specs.DIALECT, specs.BY_NAME),
    )

    @classmethod
    def validate(cls, settings: dict[str, Any], secrets: dict[str, str]) -> dict[str, str]:
        problems = super().validate(settings, secrets)
        problems.update(dialect_problems(settings, specs.BY_NAME, specs.DIALECT))
        return problems

    @property
    def dialect(self) -> Dialect:
        return Dialect.of(specs.DIALECT, self.setting)

    def default_headers(self) -> dict[str, str]:
        headers = super().default_headers()
        subscription = str(self.setting("subscription_id") or "")
        if subscription:
            headers["Subscription-Id"] = subscription
        return headers

    def probe(self) -> tuple[str, str, dict[str, Any]]:
        dialect = self.dialect
        return "customers", dialect.path("customers"), {dialect.page_size_param: 1}

    def probe_answer(self, response: Any) -> str:
        if response.status_code == 403 and self.setting("subscription_id"):
            raise AuthError(
                f"The DMS accepted the sign-in but not the Subscription ID: "
                f"{error_text(response)}.",
                hint="Check the Subscription ID in the connection profile.",
            )
        super().probe_answer(response)
        try:
            body: Any = response.json()
        except ValueError:
            body = json_object(response)  # says plainly that it is not JSON
        total_at = self.dialect.total_at
        total = dig(body, total_at) if total_at else None
        if isinstance(total, int):
            return f"Connected to the DMS; {total:,} customers visible"
        return "Connected to the DMS; customers can be read"

    def build_streams(self) -> dict[str, Stream]:
        return build_streams(
            {name: self.api(name) for name in STREAMS},
            int(self.setting("page_size")),
            bool(self.setting("include_ro_lines")),
            self.dialect,
        )
