"""Check the bearer token of an Event-Relay-style webhook: an HS256 JWT (RFC 7519)
signed with the secret agreed with the DMS. Stdlib only; constant-time comparison."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import time
from typing import Any


class TokenError(ValueError):
    """The token is missing, malformed, badly signed or expired."""


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_bearer(
    header: str, secret: str, *, leeway_s: float = 30.0, now: float | None = None
) -> dict[str, Any]:
    """The token's claims if ``Authorization: Bearer <jwt>`` is valid for ``secret``: signed
    with it (HS256), with a numeric ``exp`` that has not passed (``nbf``, when given, too)."""
    if not secret:
        raise TokenError("no webhook secret is configured")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise TokenError("no bearer token")
    try:
        head_b64, claims_b64, sig_b64 = token.strip().split(".")
        head = json.loads(_unb64(head_b64))
        claims = json.loads(_unb64(claims_b64))
        signature = _unb64(sig_b64)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TokenError(f"malformed token: {exc}") from None
    if not isinstance(head, dict) or head.get("alg") != "HS256":
        raise TokenError("unsupported token algorithm (only HS256)")
    expected = hmac.new(
        secret.encode(), f"{head_b64}.{claims_b64}".encode("ascii"), hashlib.sha256
    ).digest()
    if not hmac.compare_digest(signature, expected):
        raise TokenError("bad signature")
    if not isinstance(claims, dict):
        raise TokenError("claims are not an object")
    now = time.time() if now is None else now
    exp, nbf = claims.get("exp"), claims.get("nbf")
    # A token with no expiry would open the door for good to whoever copied it once.
    if not isinstance(exp, int | float) or not _is_time(exp):
        raise TokenError("the token has no expiry time (a numeric exp claim)")
    if now > exp + leeway_s:
        raise TokenError("token expired")
    if nbf is not None and not (isinstance(nbf, int | float) and _is_time(nbf)):
        raise TokenError("the token's nbf claim is not a time")
    if isinstance(nbf, int | float) and now + leeway_s < nbf:
        raise TokenError("token not valid yet")
    return claims


def _is_time(value: Any) -> bool:
    # json.loads takes NaN and Infinity: an "exp": Infinity must not mean "never expires"
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
