"""HS256 JSON Web Tokens (RFC 7519), enough for Event-Relay-style webhook auth.

Stdlib only. ``decode`` checks the signature (constant-time) and ``exp``; it is what a
test receiver (or the app's webhook endpoint) uses to verify a sandbox event.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any


class JwtError(ValueError):
    """The token is malformed, badly signed or expired."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(claims: dict[str, Any], secret: str) -> str:
    header = {"alg": "HS256", "typ": "JWT"}
    signing_input = ".".join(
        _b64(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    signature = hmac.new(secret.encode(), signing_input.encode("ascii"), hashlib.sha256)
    return f"{signing_input}.{_b64(signature.digest())}"


def decode(token: str, secret: str, *, leeway_s: float = 0.0) -> dict[str, Any]:
    try:
        header_b64, claims_b64, sig_b64 = token.split(".")
        header = json.loads(_unb64(header_b64))
        claims = json.loads(_unb64(claims_b64))
        signature = _unb64(sig_b64)
    except (ValueError, UnicodeDecodeError) as exc:
        raise JwtError(f"malformed token: {exc}") from None
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        raise JwtError("unsupported algorithm (only HS256)")
    expected = hmac.new(
        secret.encode(), f"{header_b64}.{claims_b64}".encode("ascii"), hashlib.sha256
    ).digest()
    if not hmac.compare_digest(signature, expected):
        raise JwtError("bad signature")
    if not isinstance(claims, dict):
        raise JwtError("claims are not an object")
    exp = claims.get("exp")
    if isinstance(exp, int | float) and time.time() > exp + leeway_s:
        raise JwtError("token expired")
    return claims
