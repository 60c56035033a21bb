"""Stable payload hashes: the same mapped record always hashes the same."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(payload: dict[str, Any]) -> str:
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def payload_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def idempotency_key(golden_id: str, digest: str) -> str:
    """What the destination may use to drop a replayed request: golden id + payload hash."""
    return f"{golden_id}:{digest[:32]}"
