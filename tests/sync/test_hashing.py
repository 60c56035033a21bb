"""The fast canonical encoding hashes exactly as the standard library's did: hashes stored
by earlier versions still say "unchanged" (no record is sent again after an upgrade)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from app.sync.hashing import canonical_json, payload_hash


def _old(payload: dict[str, Any]) -> str:
    text = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


PAYLOADS: list[dict[str, Any]] = [
    {"b": "2", "a": "1", "c": ""},
    {"name": "Zoë Ñúñez", "city": "Kraków", "emoji": "🚗", "cjk": "東京"},
    {"ctl": "tab\there\nnew\x00nul\x1f", "quote": 'say "hi"\\', "slash": "a/b", "ls": "\u2028"},
    {"opt_out": True, "other": False, "none": None, "n": 42, "neg": -7, "big": 2**62},
    {"huge": 2**70, "x": "y"},
    {"f": 0.1, "g": 1e16, "h": 1e-7, "i": float("nan")},
    {"nested": {"z": 1, "a": [1, "b", None]}, "k": "v"},
    {"when": datetime(2024, 5, 1, 12, 30, tzinfo=UTC), "amount": Decimal("10.50")},
    {},
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_same_hash_as_the_standard_library(payload: dict[str, Any]) -> None:
    assert payload_hash(payload) == _old(payload)


def test_key_order_does_not_matter() -> None:
    assert canonical_json({"b": "1", "a": "2"}) == canonical_json({"a": "2", "b": "1"})
    assert canonical_json({"b": "1", "a": "2"}) == '{"a":"2","b":"1"}'
