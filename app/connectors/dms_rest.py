"""DMS over a CDK Fortellis-style REST API.

OAuth2 client credentials (refreshed before expiry and on a 401 by ``ResilientClient``),
``Subscription-Id`` on every call and a fresh ``Request-Id`` per request. Streams:
customers, vehicles, deals, repair_orders, appointments, inventory (readable, cursor
``updated_at``) and leads, appointments, deal_status, customers (writable); see
``dms_rest_streams`` for the read and write rules.
"""

from __future__ import annotations

from typing import Any, ClassVar

from app.connectors.base import CheckResult, ConfigField, Connector, FieldType
from app.connectors.dms_rest_streams import build_streams
from app.connectors.errors import AuthError, ConnectorError
from app.connectors.http import OAuth2ClientCredentials, ResilientClient, RetryPolicy
from app.connectors.rest_helpers import error_text, json_object, timed_check
from app.connectors.streams import Stream, StreamSource


class DmsRestConnector(Connector, StreamSource):
    kind = "dms_rest"
    label = "DMS (Fortellis-style REST)"
    description = (
        "A dealer management system with a CDK Fortellis-style API: OAuth2 client "
        "credentials, Subscription-Id, paged reads, ETag-checked updates."
    )
    fields: ClassVar[tuple[ConfigField, ...]] = (
        ConfigField(
            "base_url",
            "API base URL",
            FieldType.URL,
            required=True,
            help="The DMS API address for this dealership, e.g. https://api.fortellis.io/cdk",
            placeholder="https://",
        ),
        ConfigField(
            "token_url",
            "Token URL",
            FieldType.URL,
            help="Where OAuth2 tokens are issued. Leave empty for <base URL>/oauth2/token.",
        ),
        ConfigField(
            "client_id",
            "Client ID",
            required=True,
            help="The API client (app) id your DMS provider issued for Rooftop Sync.",
        ),
        ConfigField(
            "client_secret",
            "Client secret",
            required=True,
            secret=True,
            help="Stored in the Windows Credential Manager / system keyring, never on disk.",
        ),
        ConfigField(
            "subscription_id",
            "Subscription ID",
            required=True,
            help="The dealership's subscription (a GUID) that grants access to its data.",
        ),
        ConfigField(
            "page_size",
            "Page size",
            FieldType.INTEGER,
            default=500,
            minimum=1,
            maximum=1000,
            help="Records per read request (the API allows at most 1000).",
        ),
        ConfigField(
            "timeout_s",
            "Timeout (seconds)",
            FieldType.INTEGER,
            default=30,
            minimum=1,
            maximum=300,
            help="How long to wait for one answer before retrying.",
        ),
        ConfigField(
            "rate_limit_per_s",
            "Max requests per second",
            FieldType.INTEGER,
            default=10,
            minimum=0,
            maximum=1000,
            help="Client-side limit to stay under the provider's quota; 0 = no limit.",
        ),
        ConfigField(
            "max_attempts",
            "Attempts per request",
            FieldType.INTEGER,
            default=6,
            minimum=1,
            maximum=20,
            help="Network errors, throttling (429) and server errors are retried with "
            "growing pauses up to this many attempts.",
        ),
        ConfigField(
            "include_ro_lines",
            "Include RO lines",
            FieldType.BOOLEAN,
            default=False,
            help="Read repair-order lines too (larger answers; fills the 'lines' field).",
        ),
    )

    def __init__(self, settings: dict[str, Any], secrets: dict[str, str]) -> None:
        super().__init__(settings, secrets)
        self._client: ResilientClient | None = None
        self._streams: dict[str, Stream] | None = None

    def _setting(self, name: str) -> Any:
        return self.field(name).coerce(self.settings.get(name))

    def _base_url(self) -> str:
        return str(self._setting("base_url") or "").rstrip("/")

    def make_client(self, *, max_attempts: int | None = None) -> ResilientClient:
        """A client with OAuth2 and the Fortellis headers (one per connector)."""
        base = self._base_url()
        if not base:
            raise ConnectorError("The DMS connection has no API base URL.")
        token_url = str(self._setting("token_url") or "") or f"{base}/oauth2/token"
        auth = OAuth2ClientCredentials(
            token_url,
            str(self._setting("client_id") or ""),
            self.secrets.get("client_secret", ""),
        )
        attempts = max_attempts or int(self._setting("max_attempts"))
        return ResilientClient(
            base,
            auth,
            timeout_s=float(self._setting("timeout_s")),
            retry=RetryPolicy(max_attempts=attempts),
            rate_limit_per_s=float(self._setting("rate_limit_per_s")),
            default_headers={
                "Subscription-Id": str(self._setting("subscription_id") or ""),
                "Accept": "application/json",
            },
            request_id_header="Request-Id",
        )

    @property
    def client(self) -> ResilientClient:
        if self._client is None:
            self._client = self.make_client()
        return self._client

    def check(self) -> CheckResult:
        return timed_check("DMS", self._probe)

    def _probe(self) -> str:
        client = self.make_client(max_attempts=2)
        try:
            response = client.request("GET", "/customers", params={"pageSize": 1})
        finally:
            client.close()
        if response.status_code == 403:
            raise AuthError(
                f"The DMS accepted the client id / secret but not the Subscription ID: "
                f"{error_text(response)}.",
                hint="Check the Subscription ID in the connection profile.",
            )
        if response.status_code == 401:
            raise AuthError(
                f"The DMS refused the access token: {error_text(response)}.",
                hint="Check the client id and secret.",
            )
        if response.status_code >= 400:
            raise ConnectorError(f"The DMS answered with an error: {error_text(response)}.")
        total = json_object(response).get("totalItems", "?")
        count = f"{total:,}" if isinstance(total, int) else str(total)
        return f"Connected to the DMS; {count} customers visible to this subscription"

    def streams(self) -> dict[str, Stream]:
        if self._streams is None:
            self._streams = build_streams(
                self.client,
                int(self._setting("page_size")),
                bool(self._setting("include_ro_lines")),
            )
        return self._streams

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = None
        self._streams = None
