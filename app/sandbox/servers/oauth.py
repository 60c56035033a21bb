"""OAuth2 client-credentials tokens (RFC 6749 section 4.4) with an expiry."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse

from app.sandbox.servers.errors import ApiError


class TokenIssuer:
    """Issues opaque bearer tokens for one client and checks them on every call."""

    MAX_TOKENS = 10_000

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client_id = client_id
        self._secret = client_secret
        self.ttl_s = ttl_s
        self._clock = clock
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()
        # when the client secret itself ends (epoch seconds, RFC 7591's
        # client_secret_expires_at; 0 = never): said in every token answer when set
        self.secret_expires_at = 0

    def check_client(self, client_id: str, client_secret: str) -> bool:
        # compare_digest on both parts: no timing hint on which one was wrong.
        ok_id = hmac.compare_digest(client_id.encode(), self.client_id.encode())
        ok_secret = hmac.compare_digest(client_secret.encode(), self._secret.encode())
        return ok_id and ok_secret

    def issue(self) -> tuple[str, int]:
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            if len(self._tokens) >= self.MAX_TOKENS:
                self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
            self._tokens[token] = now + self.ttl_s
        return token, max(1, round(self.ttl_s))

    def validate(self, authorization: str) -> str:
        """The client id behind an ``Authorization: Bearer`` header, or a 401."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("missing bearer token in the Authorization header")
        with self._lock:
            expires = self._tokens.get(token.strip())
        if expires is None:
            raise _unauthorized("unknown access token")
        if self._clock() >= expires:
            raise _unauthorized("access token expired; request a new one")
        return self.client_id


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, message, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Basic realm="sandbox"'} if status == 401 else None
    return JSONResponse({"error": error, "error_description": description}, status, headers=headers)


async def token_endpoint(request: Request, issuer: TokenIssuer) -> JSONResponse:
    """``POST`` token endpoint: form (or JSON) body, client auth in the body or Basic."""
    raw = await request.body()
    fields: dict[str, str] = {}
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            return _oauth_error(400, "invalid_request", "body is not valid JSON")
        if isinstance(data, dict):
            fields = {str(k): str(v) for k, v in data.items()}
    else:
        fields = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
    if fields.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
    client_id, client_secret = fields.get("client_id", ""), fields.get("client_secret", "")
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return _oauth_error(401, "invalid_client", "malformed Basic credentials")
        client_id, _, client_secret = decoded.partition(":")
    if not issuer.check_client(client_id, client_secret):
        return _oauth_error(401, "invalid_client", "unknown client or wrong secret")
    token, expires_in = issuer.issue()
    body: dict[str, object] = {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": expires_in,
    }
    if issuer.secret_expires_at:
        body["client_secret_expires_at"] = issuer.secret_expires_at
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
