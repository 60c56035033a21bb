"""A cloud CRM over a generic REST API: API key or OAuth2, cursor pagination, batch upsert
on an external id, 429 + ``Retry-After``. Streams: contacts, leads, activities,
deal_status, appointments (see ``crm_rest_streams``); ``merge`` joins duplicate contacts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from app.connectors.base import CheckResult, ConfigField, Connector, FieldType
from app.connectors.crm_rest_streams import build_streams
from app.connectors.errors import AuthError, ConnectorError
from app.connectors.http import (
    ApiKeyAuth,
    Auth,
    OAuth2ClientCredentials,
    ResilientClient,
    RetryPolicy,
)
from app.connectors.rest_helpers import error_text, json_object, timed_check
from app.connectors.streams import Stream, StreamSource

AUTH_MODES = ("api_key", "oauth2")


class CrmRestConnector(Connector, StreamSource):
    kind = "crm_rest"
    label = "CRM (REST API)"
    description = (
        "A cloud CRM with a REST API: contacts, leads, activities, deals and appointments, "
        "with batch upserts on our customer number."
    )
    fields: ClassVar[tuple[ConfigField, ...]] = (
        ConfigField(
            "base_url",
            "API base URL",
            FieldType.URL,
            required=True,
            help="The CRM API address, e.g. https://api.example-crm.com/v2",
            placeholder="https://",
        ),
        ConfigField(
            "auth_mode",
            "Sign-in method",
            FieldType.CHOICE,
            required=True,
            default="api_key",
            choices=AUTH_MODES,
            help="api_key: one key in the X-API-Key header. oauth2: a client id and secret "
            "exchanged for tokens.",
        ),
        ConfigField(
            "api_key",
            "API key",
            secret=True,
            help="Needed for the api_key method. Stored in the system keyring, never on disk.",
        ),
        ConfigField(
            "token_url",
            "Token URL",
            FieldType.URL,
            help="oauth2 only. Leave empty for <base URL>/oauth/token.",
        ),
        ConfigField("client_id", "OAuth client ID", secret=True, help="oauth2 only."),
        ConfigField(
            "client_secret",
            "OAuth client secret",
            secret=True,
            help="oauth2 only. Stored in the system keyring, never on disk.",
        ),
        ConfigField(
            "rate_limit_per_s",
            "Max requests per second",
            FieldType.INTEGER,
            default=20,
            minimum=0,
            maximum=1000,
            help="Stay under the CRM's quota (it answers 429 when exceeded); 0 = no limit.",
        ),
        ConfigField(
            "page_size",
            "Page size",
            FieldType.INTEGER,
            default=200,
            minimum=1,
            maximum=500,
            help="Records per read request (at most 500).",
        ),
        ConfigField(
            "timeout_s",
            "Timeout (seconds)",
            FieldType.INTEGER,
            default=30,
            minimum=1,
            maximum=300,
        ),
        ConfigField(
            "max_attempts",
            "Attempts per request",
            FieldType.INTEGER,
            default=8,
            minimum=1,
            maximum=20,
            help="Network errors, throttling (429) and server errors are retried with "
            "growing pauses up to this many attempts.",
        ),
    )

    def __init__(self, settings: dict[str, Any], secrets: dict[str, str]) -> None:
        super().__init__(settings, secrets)
        self._client: ResilientClient | None = None
        self._streams: dict[str, Stream] | None = None

    @classmethod
    def validate(cls, settings: dict[str, Any], secrets: dict[str, str]) -> dict[str, str]:
        problems = super().validate(settings, secrets)
        mode = settings.get("auth_mode") or "api_key"
        needed = ("api_key",) if mode == "api_key" else ("client_id", "client_secret")
        for name in needed:
            if not str(secrets.get(name) or "").strip():
                problems[name] = f"{cls.field(name).label} is required for the {mode} method."
        return problems

    def _setting(self, name: str) -> Any:
        return self.field(name).coerce(self.settings.get(name))

    def _auth(self, base: str) -> Auth:
        if self._setting("auth_mode") == "oauth2":
            token_url = str(self._setting("token_url") or "") or f"{base}/oauth/token"
            return OAuth2ClientCredentials(
                token_url, self.secrets.get("client_id", ""), self.secrets.get("client_secret", "")
            )
        return ApiKeyAuth(self.secrets.get("api_key", ""))

    def make_client(self, *, max_attempts: int | None = None) -> ResilientClient:
        base = str(self._setting("base_url") or "").rstrip("/")
        if not base:
            raise ConnectorError("The CRM connection has no API base URL.")
        return ResilientClient(
            base,
            self._auth(base),
            timeout_s=float(self._setting("timeout_s")),
            retry=RetryPolicy(max_attempts=max_attempts or int(self._setting("max_attempts"))),
            rate_limit_per_s=float(self._setting("rate_limit_per_s")),
            default_headers={"Accept": "application/json"},
        )

    @property
    def client(self) -> ResilientClient:
        if self._client is None:
            self._client = self.make_client()
        return self._client

    def check(self) -> CheckResult:
        return timed_check("CRM", self._probe)

    def _probe(self) -> str:
        client = self.make_client(max_attempts=2)
        try:
            response = client.request("GET", "/contacts", params={"limit": 1})
        finally:
            client.close()
        if response.status_code in (401, 403):
            raise AuthError(
                f"The CRM refused our credentials: {error_text(response)}.",
                hint="Check the API key or OAuth client in the connection profile.",
            )
        if response.status_code >= 400:
            raise ConnectorError(f"The CRM answered with an error: {error_text(response)}.")
        json_object(response)
        return "Connected to the CRM; contacts can be read"

    def streams(self) -> dict[str, Stream]:
        if self._streams is None:
            self._streams = build_streams(self.client, int(self._setting("page_size")))
        return self._streams

    def merge(self, winner_id: str, loser_ids: Sequence[str]) -> dict[str, Any]:
        """Merge duplicate CRM contacts into ``winner_id``; returns the winner as stored.

        Leads, activities, deals and appointments of the losers move to the winner and
        the losers' ids and external ids keep resolving to it. Raises ``ConnectorError``
        with the CRM's reason when it refuses (unknown id, winner among the losers...).
        """
        body = {"winnerId": winner_id, "loserIds": list(loser_ids)}
        response = self.client.request("POST", "/contacts/merge", json=body)
        if response.status_code in (401, 403):
            raise AuthError(f"The CRM refused the merge: {error_text(response)}.")
        if response.status_code >= 300:
            raise ConnectorError(f"The CRM refused the merge: {error_text(response)}.")
        return json_object(response)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = None
        self._streams = None
