"""Check the bearer token of an Event-Relay-style webhook: an HS256 JWT (RFC 7519)
signed with the secret agreed with the DMS. Stdlib only; constant-time comparison."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any


class TokenError(ValueError):
    """The token is missing, malformed, badly signed or expired."""


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_bearer(header: str, secret: str, *, leeway_s: float = 30.0) -> dict[str, Any]:
    """The token's claims if ``Authorization: Bearer <jwt>`` is valid for ``secret``."""
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
    now = time.time()
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if isinstance(exp, int | float) and now > exp + leeway_s:
        raise TokenError("token expired")
    if isinstance(nbf, int | float) and now + leeway_s < nbf:
        raise TokenError("token not valid yet")
    return claims
