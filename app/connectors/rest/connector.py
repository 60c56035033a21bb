"""``RestConnector``: what every HTTP connector kind shares — its settings read and
coerced, one resilient client, the sign-in strategy, the address of each stream's API,
"Test connection" and previews. A kind declares the rest (see its module)."""

from __future__ import annotations

from typing import Any, ClassVar

from app.connectors.base import CheckResult, Connector, parse_day
from app.connectors.errors import AuthError, ConnectorError
from app.connectors.rest.auth import ApiKeyAuth, Auth, BearerAuth, OAuth2ClientCredentials
from app.connectors.rest.client import ResilientClient, RetryPolicy
from app.connectors.rest.settings import auth_problems
from app.connectors.rest.stream import Api
from app.connectors.rest_helpers import error_text, timed_check
from app.connectors.streams import Stream, StreamSource


class RestConnector(Connector, StreamSource):
    """Subclasses set ``system`` (for messages), ``default_auth``, ``token_path``,
    ``api_paths`` (stream -> the API's base path from its spec), and implement
    ``build_streams`` and ``probe`` (the request "Test connection" makes)."""

    system: ClassVar[str] = "system"
    default_auth: ClassVar[str] = "oauth2"
    token_path: ClassVar[str] = "/oauth2/token"
    request_id_header: ClassVar[str | None] = None
    api_paths: ClassVar[dict[str, str]] = {}

    def __init__(self, settings: dict[str, Any], secrets: dict[str, str]) -> None:
        super().__init__(settings, secrets)
        self._client: ResilientClient | None = None
        self._streams: dict[str, Stream] | None = None

    # -- settings -----------------------------------------------------------------
    @classmethod
    def validate(cls, settings: dict[str, Any], secrets: dict[str, str]) -> dict[str, str]:
        problems = super().validate(settings, secrets)
        problems.update(auth_problems(cls.fields, settings, secrets, cls.default_auth))
        when = str(settings.get("credential_expires_on") or "").strip()
        if when and parse_day(when) is None:
            problems["credential_expires_on"] = f"'{when}' is not a date (YYYY-MM-DD)."
        return problems

    def setting(self, name: str) -> Any:
        return self.field(name).coerce(self.settings.get(name))

    def has_setting(self, name: str) -> bool:
        return any(f.name == name for f in self.fields)

    @property
    def base_url(self) -> str:
        base = str(self.setting("base_url") or "").rstrip("/")
        if not base:
            raise ConnectorError(f"The {self.system} connection has no API base URL.")
        return base

    def api_url(self, stream: str) -> str:
        """``api_base_urls[stream]`` when set, else the base URL + the API's base path."""
        own = (self.setting("api_base_urls") or {}) if self.has_setting("api_base_urls") else {}
        if stream in own:
            return str(own[stream]).rstrip("/")
        return self.base_url + self.api_paths.get(stream, "").rstrip("/")

    @property
    def auth_mode(self) -> str:
        if not self.has_setting("auth_mode"):
            return self.default_auth
        return str(self.setting("auth_mode") or self.default_auth)

    def auth(self) -> Auth | None:
        mode = self.auth_mode
        if mode == "bearer":
            return BearerAuth(self.secrets.get("token", ""))
        if mode == "api_key":
            header = str(self.setting("api_key_header") or "X-API-Key")
            scheme = self.setting("api_key_scheme") if self.has_setting("api_key_scheme") else ""
            return ApiKeyAuth(self.secrets.get("api_key", ""), header, str(scheme or "").strip())
        token_url = str(self.setting("token_url") or "") or f"{self.base_url}{self.token_path}"
        client_id = str(self.settings.get("client_id") or self.secrets.get("client_id") or "")
        return OAuth2ClientCredentials(
            token_url,
            client_id,
            self.secrets.get("client_secret", ""),
            on_expiry=self.hooks.credential_expiry,
        )

    def default_headers(self) -> dict[str, str]:
        """Headers on every request of this connector (beyond auth)."""
        return {"Accept": "application/json"}

    def call_headers(self) -> dict[str, str]:
        """Headers made afresh for each call (correlation ids…)."""
        return {}

    def describe_error(self, response: Any) -> str:
        """The vendor's error body in plain words."""
        return error_text(response)

    # -- the client ---------------------------------------------------------------
    def make_client(self, *, max_attempts: int | None = None) -> ResilientClient:
        attempts = max_attempts or int(self.setting("max_attempts"))
        return ResilientClient(
            self.base_url,
            self.auth(),
            timeout_s=float(self.setting("timeout_s")),
            retry=RetryPolicy(max_attempts=attempts),
            rate_limit_per_s=float(self.setting("rate_limit_per_s")),
            default_headers=self.default_headers(),
            request_id_header=self.request_id_header,
        )

    @property
    def client(self) -> ResilientClient:
        if self._client is None:
            self._client = self.make_client()
        return self._client

    def api(self, stream: str, client: ResilientClient | None = None) -> Api:
        return Api(
            client or self.client,
            self.api_url(stream),
            self.system,
            self.call_headers,
            self.describe_error,
        )

    # -- streams ------------------------------------------------------------------
    def streams(self) -> dict[str, Stream]:
        if self._streams is None:
            self._streams = self.build_streams()
        return self._streams

    def build_streams(self) -> dict[str, Stream]:
        raise NotImplementedError

    # -- test connection ----------------------------------------------------------
    def check(self) -> CheckResult:
        return timed_check(self.system, self._probe)

    def probe(self) -> tuple[str, str, dict[str, Any]]:
        """(stream, path, query) of the read "Test connection" makes."""
        raise NotImplementedError

    def probe_answer(self, response: Any) -> str:
        """The sentence for a good answer; a refusal or error raises in plain words."""
        if response.status_code in (401, 403):
            raise AuthError(
                f"The {self.system} refused our credentials: {self.describe_error(response)}.",
                hint="Check the sign-in settings in the connection profile.",
            )
        if response.status_code >= 400:
            raise ConnectorError(
                f"The {self.system} answered with an error: {self.describe_error(response)}."
            )
        return f"Connected to the {self.system}"

    def _probe(self) -> str:
        client = self.make_client(max_attempts=2)
        try:
            stream, path, query = self.probe()
            response = self.api(stream, client).request("GET", path, params=query)
        finally:
            client.close()
        return self.probe_answer(response)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = None
        self._streams = None
