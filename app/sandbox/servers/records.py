"""Small helpers for in-memory records: ETags, id allocation, If-Match checks."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable

from app.sandbox.servers.dataset import Record
from app.sandbox.servers.errors import ApiError

_ID = re.compile(r"^([A-Za-z_-]*)(\d+)$")


def etag_of(record: Record) -> str:
    """A strong validator over the record's content (the ``etag`` field excluded).

    Records of one entity always hold the same keys in the same order, so the values
    joined by a control character identify the content.
    """
    if "etag" in record:
        record = {k: v for k, v in record.items() if k != "etag"}
    raw = "\x1f".join(record.values())
    return hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()[:20]


def check_if_match(current: str, if_match: str | None) -> None:
    """428 without ``If-Match``, 412 when none of its tags is the current one."""
    if if_match is None or not if_match.strip():
        raise ApiError(
            428,
            "If-Match header is required: send the ETag from your last GET of this record",
            field="If-Match",
        )
    tags = {t.strip().removeprefix("W/").strip('"') for t in if_match.split(",")}
    if "*" not in tags and current not in tags:
        raise ApiError(
            412,
            "the record changed since you read it (ETag does not match); GET it and retry",
            field="If-Match",
        )


class IdAllocator:
    """Next ids in the style of the existing ones (``C100001`` -> ``C100002``)."""

    def __init__(self, existing: Iterable[str], default_prefix: str, default_width: int = 6):
        prefixes: Counter[str] = Counter()
        top, width = 0, 0
        for value in existing:
            m = _ID.match(value)
            if m:
                prefixes[m.group(1)] += 1
                top = max(top, int(m.group(2)))
                width = max(width, len(m.group(2)))
        self.prefix = prefixes.most_common(1)[0][0] if prefixes else default_prefix
        width = width or default_width
        self.width = width
        self._next = top + 1 if top else 10 ** (width - 1)

    def next(self) -> str:
        value = f"{self.prefix}{self._next:0{self.width}d}"
        self._next += 1
        return value


class IdempotencyKeys:
    """Remembers ``Idempotency-Key`` -> created id, so a retried POST creates nothing new."""

    MAX_KEYS = 10_000

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}

    def get(self, key: str | None) -> str | None:
        return self._seen.get(key) if key else None

    def remember(self, key: str | None, created_id: str) -> None:
        if not key:
            return
        if len(self._seen) >= self.MAX_KEYS:
            self._seen.pop(next(iter(self._seen)))  # oldest first: dicts keep insertion order
        self._seen[key] = created_id
