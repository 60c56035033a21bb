"""CDK Fortellis: repair orders, customers and service vehicles of a CDK dealership.

Signs in with OAuth2 client credentials (or a bearer token the dealership was issued),
sends ``Subscription-Id`` and a fresh ``Request-Id`` with every call, and credentials
only as headers (the Power Platform copies of the Drive specs put them in the query
string: that is the low-code gateway, not Fortellis). Each API sits at
``api_base_urls[api]`` when set, else the base URL + the API's base path from its spec:

- ``repair_orders``: Fortellis Service Repair Orders, ``/service/v1/repair-orders``
  (reads);
- ``repair_orders_write``: CDK Drive Repair Orders,
  ``/cdkdrive/service/v1/repair-orders`` (creates, updates, service lines);
- ``customers``: CDK Drive Customer, ``/customer``;
- ``service_vehicles``: CDK Drive Service Vehicles, ``/vehicles``.

Streams and their rules: ``cdk_fortellis_streams``; row layouts: ``app.formats.cdk``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from app.connectors.base import ConfigField, FieldType
from app.connectors.cdk_fortellis_follow import CustomersByRepairOrders
from app.connectors.cdk_fortellis_streams import (
    RepairOrderStream,
    SearchStream,
    build_streams,
    owner_lookup,
)
from app.connectors.errors import AuthError
from app.connectors.rest.connector import RestConnector
from app.connectors.rest.settings import rest_fields
from app.connectors.rest_helpers import json_object
from app.connectors.streams import Stream
from app.formats.cdk.common import describe_error
from app.formats.cdk.interval import IntervalError, date_time_interval, parse_instant

STREAMS = ("repair_orders", "customers", "service_vehicles")
APIS = ("repair_orders", "repair_orders_write", "customers", "service_vehicles")
HISTORY_START = "2000-01-01"


class CdkFortellisConnector(RestConnector):
    kind = "cdk_fortellis"
    label = "CDK Fortellis (repair orders, customers, vehicles)"
    protocol = "CDK Fortellis"
    description = (
        "A CDK dealership through Fortellis: repair orders changed in a time interval, "
        "CDK Drive customers and service vehicles; OAuth2, Subscription-Id, ETag-checked "
        "updates."
    )
    system = "CDK"
    default_auth = "oauth2"
    token_path = "/oauth2/token"
    request_id_header = "Request-Id"
    api_paths: ClassVar[dict[str, str]] = {
        "repair_orders": "/service/v1/repair-orders",
        "repair_orders_write": "/cdkdrive/service/v1/repair-orders",
        "customers": "/customer",
        "service_vehicles": "/vehicles",
    }
    fields: ClassVar[tuple[ConfigField, ...]] = (
        *rest_fields(
            system="CDK Fortellis gateway",
            streams=APIS,
            base_example="https://api.fortellis.io",
            auth_modes=("oauth2", "bearer"),
            page_size=(100, 1000),
            rate_limit_per_s=10,
        ),
        ConfigField(
            "subscription_id",
            "Subscription ID",
            required=True,
            help="The dealership's Fortellis subscription (sent as Subscription-Id).",
        ),
        ConfigField(
            "ro_owner_lookup",
            "Find each repair order's customer",
            FieldType.BOOLEAN,
            default=True,
            help="Fortellis repair orders name the vehicle, not the customer: look the "
            "owner up by VIN (one CDK vehicle search per VIN) so service history can be "
            "linked to the customer.",
        ),
        ConfigField(
            "ro_history_start",
            "Read repair orders from",
            default=HISTORY_START,
            help="CDK only lists repair orders changed within a time interval: a full "
            "read asks from this date (YYYY-MM-DD) to now.",
        ),
    )

    @classmethod
    def validate(cls, settings: dict[str, Any], secrets: dict[str, str]) -> dict[str, str]:
        problems = super().validate(settings, secrets)
        start = str(settings.get("ro_history_start") or HISTORY_START)
        try:
            parse_instant(start)
        except IntervalError:
            problems["ro_history_start"] = f"'{start}' is not a date like 2018-01-01."
        return problems

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

    def hrefs(self) -> dict[str, str]:
        """Where CDK Drive's customer and vehicle links point."""
        return {"customer": self.api_url("customers"), "vehicle": self.api_url("service_vehicles")}

    def probe(self) -> tuple[str, str, dict[str, Any]]:
        now = datetime.now(UTC)
        window = date_time_interval(now - timedelta(days=1), now)
        return "repair_orders", "/", {"dateTimeInterval": window, "pageSize": 1}

    def probe_answer(self, response: Any) -> str:
        if response.status_code == 403:
            raise AuthError(
                "CDK accepted the sign-in but not the Subscription ID: "
                f"{self.describe_error(response)}.",
                hint="Check the Subscription ID in the connection profile.",
            )
        super().probe_answer(response)
        total = json_object(response).get("totalItems", "?")
        count = f"{total:,}" if isinstance(total, int) else str(total)
        return f"Connected to CDK Fortellis; {count} repair orders changed in the last day"

    def build_streams(self) -> dict[str, Stream]:
        read = self.api("repair_orders")
        read.headers = lambda: {**self.call_headers(), "Prefer": "return=representation"}
        apis = {name: self.api(name) for name in APIS}
        apis["repair_orders"] = read
        start = str(self.setting("ro_history_start") or HISTORY_START)
        streams = build_streams(apis, self.hrefs(), int(self.setting("page_size")), start)
        repair_orders, vehicles = streams["repair_orders"], streams["service_vehicles"]
        assert isinstance(repair_orders, RepairOrderStream)
        assert isinstance(vehicles, SearchStream)
        owners = owner_lookup(vehicles)
        if bool(self.setting("ro_owner_lookup")):
            repair_orders.owner_of = owners
        # following customers needs each RO's customer, whatever the RO stream does
        naming = build_streams(apis, self.hrefs(), int(self.setting("page_size")), start)
        naming_orders = naming["repair_orders"]
        assert isinstance(naming_orders, RepairOrderStream)
        naming_orders.owner_of = owners
        following = CustomersByRepairOrders(naming_orders, streams["customers"])
        return {**streams, following.spec.name: following}
