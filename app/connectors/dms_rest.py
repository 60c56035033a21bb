"""DMS over a CDK Fortellis-style REST API.

OAuth2 client credentials (refreshed before expiry and on a 401 by ``ResilientClient``),
``Subscription-Id`` on every call and a fresh ``Request-Id`` per request. Streams:
customers, vehicles, deals, repair_orders, appointments, inventory (readable, cursor
``updated_at``) and leads, appointments, deal_status, customers (writable); see
``dms_rest_streams`` for the read and write rules.
"""

from __future__ import annotations

from typing import Any, ClassVar

from app.connectors.base import ConfigField, FieldType
from app.connectors.dms_rest_streams import build_streams
from app.connectors.errors import AuthError
from app.connectors.rest.connector import RestConnector
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
    label = "DMS (Fortellis-style REST)"
    protocol = "Generic REST"
    description = (
        "A dealer management system with a CDK Fortellis-style API: OAuth2 client "
        "credentials, Subscription-Id, paged reads, ETag-checked updates."
    )
    system = "DMS"
    default_auth = "oauth2"
    token_path = "/oauth2/token"
    request_id_header = "Request-Id"
    fields: ClassVar[tuple[ConfigField, ...]] = (
        *rest_fields(
            system="DMS",
            streams=STREAMS,
            base_example="https://api.fortellis.io/cdk",
            page_size=(500, 1000),
            rate_limit_per_s=10,
        ),
        ConfigField(
            "subscription_id",
            "Subscription ID",
            required=True,
            help="The dealership's subscription (a GUID) that grants access to its data.",
        ),
        ConfigField(
            "include_ro_lines",
            "Include RO lines",
            FieldType.BOOLEAN,
            default=False,
            help="Read repair-order lines too (larger answers; fills the 'lines' field).",
        ),
    )

    def default_headers(self) -> dict[str, str]:
        return {
            **super().default_headers(),
            "Subscription-Id": str(self.setting("subscription_id") or ""),
        }

    def probe(self) -> tuple[str, str, dict[str, Any]]:
        return "customers", "/customers", {"pageSize": 1}

    def probe_answer(self, response: Any) -> str:
        if response.status_code == 403:
            raise AuthError(
                f"The DMS accepted the client id / secret but not the Subscription ID: "
                f"{error_text(response)}.",
                hint="Check the Subscription ID in the connection profile.",
            )
        super().probe_answer(response)
        total = json_object(response).get("totalItems", "?")
        count = f"{total:,}" if isinstance(total, int) else str(total)
        return f"Connected to the DMS; {count} customers visible to this subscription"

    def build_streams(self) -> dict[str, Stream]:
        return build_streams(
            {name: self.api(name) for name in STREAMS},
            int(self.setting("page_size")),
            bool(self.setting("include_ro_lines")),
        )
