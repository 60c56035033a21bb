"""How a REST connector proves who it is: an API key header (optionally after a scheme
word), a static bearer token, or OAuth2 client credentials (cached, refreshed before
expiry and on a 401)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx

from app.connectors.errors import AuthError, DeliveryError


class Auth(Protocol):
    def headers(self, client: httpx.Client) -> dict[str, str]: ...

    def refresh(self, client: httpx.Client) -> None: ...


@dataclass
class ApiKeyAuth:
    """The key in a header, after a scheme word when the vendor wants one
    (``Authorization: Klaviyo-API-Key <key>``)."""

    key: str
    header: str = "X-API-Key"
    scheme: str = ""

    def headers(self, client: httpx.Client) -> dict[str, str]:
        return {self.header: f"{self.scheme} {self.key}" if self.scheme else self.key}

    def refresh(self, client: httpx.Client) -> None:
        raise AuthError("The server rejected the API key (HTTP 401).")


@dataclass
class BearerAuth:
    """A static token issued by the vendor (no refresh: a 401 means it was revoked)."""

    token: str

    def headers(self, client: httpx.Client) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def refresh(self, client: httpx.Client) -> None:
        raise AuthError(
            "The server rejected the access token (HTTP 401).",
            hint="Ask the vendor for a new token and enter it in the connection profile.",
        )


class OAuth2ClientCredentials:
    """Client-credentials tokens, cached until shortly before they expire."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str = "",
        *,
        on_expiry: Callable[[str, datetime], None] | None = None,
    ) -> None:
        self.token_url = token_url
        self.on_expiry = on_expiry
        self.client_id = client_id
        self.client_secret = client_secret
        self.scope = scope
        self._token: str | None = None
        self._expires_at = 0.0
        self._margin = 30.0  # refresh this long before expiry (a tenth of short lifetimes)
        self._lock = threading.Lock()

    def headers(self, client: httpx.Client) -> dict[str, str]:
        with self._lock:
            if self._token is None or time.monotonic() > self._expires_at - self._margin:
                self._fetch(client)
            return {"Authorization": f"Bearer {self._token}"}

    def refresh(self, client: httpx.Client) -> None:
        with self._lock:
            self._fetch(client)

    def _fetch(self, client: httpx.Client) -> None:
        data = {"grant_type": "client_credentials"}
        if self.scope:
            data["scope"] = self.scope
        try:
            response = client.post(
                self.token_url, data=data, auth=(self.client_id, self.client_secret)
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(
                f"Could not reach the token endpoint {self.token_url}: {exc}"
            ) from exc
        if response.status_code in (400, 401, 403):
            raise AuthError(
                f"The server refused the client id / secret (HTTP {response.status_code}).",
                hint="Check the credentials in the connection profile.",
            )
        if response.status_code >= 400:
            raise DeliveryError(f"The token endpoint answered HTTP {response.status_code}.")
        body = response.json()
        self._token = str(body["access_token"])
        lifetime = float(body.get("expires_in", 300))
        self._margin = min(30.0, lifetime / 10)
        self._expires_at = time.monotonic() + lifetime
        if self.on_expiry is not None:
            for what, at in credential_ends(body):
                self.on_expiry(what, at)


def credential_ends(body: dict[str, Any]) -> list[tuple[str, datetime]]:
    """When the long-lived credentials behind a token answer stop working, where it says:
    ``client_secret_expires_at`` (RFC 7591, epoch seconds; 0 = never) and
    ``refresh_token_expires_in`` (seconds). The access token itself is short-lived and
    renewed by itself, so it is not one of them."""
    now = datetime.now(UTC)
    out: list[tuple[str, datetime]] = []
    try:
        secret_end = float(body.get("client_secret_expires_at") or 0)
        if secret_end > 0:
            out.append(("client secret", datetime.fromtimestamp(secret_end, UTC)))
        refresh = float(body.get("refresh_token_expires_in") or 0)
        if refresh > 0:
            out.append(("refresh token", now + timedelta(seconds=refresh)))
    except (TypeError, ValueError, OverflowError, OSError):
        pass  # an unreadable date is no date: the token itself still works
    return out
