"""Compact run-log payloads: a record outcome's source and sent payloads compressed with a
preset dictionary made from the shape of a flow's records.

A record's JSON is mostly field names and values its neighbours share; deflate with a
dictionary of those (never anyone's own values: see :func:`make_dictionary`) stores the
~750 bytes of a customer's two payloads in ~190. Each value is a BLOB: a format byte, the
dictionary's id (a hash of its bytes: a dictionary never changes) and the raw deflate
stream. A record that was sent keeps both payloads in one blob in ``source_payload``
(format 2: most sent values repeat source values, which deflate then finds), and its
``sent_payload`` is the one-byte :data:`SENT_WITH_SOURCE`. Payloads written before, and
those written without a dictionary (feeds, previews), stay JSON text; :func:`unpack` and
:func:`unpack_sent` read them all, and SQL reads them through ``run_log_text`` /
``run_log_sent``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import struct
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app.store.models import utcnow

log = logging.getLogger(__name__)

FORMAT = 1  # one payload
PAIR = 2  # [source, sent]
SENT_WITH_SOURCE = b"\x02"  # sent_payload of a row whose source blob holds both
_HEADER = struct.Struct(">BQ")
_WBITS = -12  # raw deflate, 4 KiB window: room for a dictionary of a few records
_MEM_LEVEL = 4
_LEVEL = 6
DICTIONARY_LIMIT = (1 << -_WBITS) - 262  # what deflate can use of a preset dictionary
_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS
_dictionaries: dict[int, bytes] = {}  # id -> bytes; immutable, so cached for good


def _json(value: Any) -> bytes:
    return orjson.dumps(value, default=str, option=_JSON_OPTIONS)


def dictionary_id(data: bytes) -> int:
    """A positive 63-bit id from the dictionary's bytes (fits SQLite's INTEGER)."""
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "big") >> 1


def make_dictionary(samples: Sequence[Any], *, shared_by: int = 5) -> bytes:
    """A dictionary from sample payloads: their shape (field names, a few records with
    their values blanked) and only values that at least ``shared_by`` samples share (a
    state, a city, an e-mail domain, a flag). Never a value that could single out one
    person: the dictionary outlives every record and is not erased with anyone's data."""
    counts: Counter[str] = Counter()
    for sample in samples:
        seen: set[str] = set()
        for value in _strings(sample):
            seen.add(value)
            if "@" in value:
                seen.add("@" + value.rsplit("@", 1)[1])
        counts.update(seen)
    common = {v for v, n in counts.items() if n >= shared_by}

    def blank(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: blank(v) for k, v in value.items()}
        if isinstance(value, list):
            return [blank(v) for v in value]
        if isinstance(value, str):
            return value if value in common or len(value) <= 1 else ""
        return value

    shapes = b"".join(_json(blank(sample)) for sample in samples[:4])
    vocabulary = _json(sorted(common, key=lambda v: counts[v]))  # most shared last
    return (vocabulary + shapes)[-DICTIONARY_LIMIT:]  # deflate prefers the nearest


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


class Packer:
    """Compresses payloads with one dictionary (thread-safe: each value copies the
    prepared compressor)."""

    def __init__(self, dictionary: bytes) -> None:
        self.dictionary = dictionary
        self.id = dictionary_id(dictionary)
        self._header = _HEADER.pack(FORMAT, self.id)
        self._pair_header = _HEADER.pack(PAIR, self.id)
        self._base = zlib.compressobj(
            _LEVEL, zlib.DEFLATED, _WBITS, _MEM_LEVEL, zlib.Z_DEFAULT_STRATEGY, dictionary
        )
        _dictionaries[self.id] = dictionary

    def pack(self, value: Any) -> bytes | None:
        if value is None:
            return None
        c = self._base.copy()
        return self._header + c.compress(_json(value)) + c.flush()

    def pack_pair(self, source: Any, sent: Any) -> bytes:
        """Source and sent payloads in one blob (stored as the source payload)."""
        c = self._base.copy()
        return self._pair_header + c.compress(_json([source, sent])) + c.flush()


def save_dictionary(session: Session | Connection, flow_id: int | None, data: bytes) -> int:
    """Keep a dictionary (once: the same bytes have the same id)."""
    ident = dictionary_id(data)
    session.execute(
        text(
            "INSERT OR IGNORE INTO payload_dictionaries (id, flow_id, data, created_at) "
            "VALUES (:i, :f, :d, :t)"
        ),
        {"i": ident, "f": flow_id, "d": data, "t": utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")},
    )
    _dictionaries[ident] = data
    return ident


def latest_dictionary(session: Session | Connection, flow_id: int) -> bytes | None:
    """The flow's newest dictionary, if it has one (runs after the first reuse it)."""
    row = session.execute(
        text(
            "SELECT data FROM payload_dictionaries WHERE flow_id = :f "
            "ORDER BY created_at DESC, id DESC LIMIT 1"
        ),
        {"f": flow_id},
    ).first()
    return bytes(row[0]) if row is not None else None


def _dictionary(session: Session | Connection, ident: int) -> bytes | None:
    found = _dictionaries.get(ident)
    if found is None:
        row = session.execute(
            text("SELECT data FROM payload_dictionaries WHERE id = :i"), {"i": ident}
        ).first()
        if row is None:
            return None
        found = _dictionaries[ident] = bytes(row[0])
    return found


def unpack(session: Session | Connection, raw: str | bytes | None) -> Any:
    """A stored payload as the value it was (JSON text or a compressed BLOB); None when
    there is none or it cannot be read (logged)."""
    if raw is None:
        return None
    value = _decoded(session, raw)
    return value[0] if isinstance(raw, bytes | memoryview) and raw[0] == PAIR else value


def unpack_sent(
    session: Session | Connection, source_raw: str | bytes | None, raw: str | bytes | None
) -> Any:
    """A row's sent payload (which may live in its source payload's blob)."""
    if raw is not None and not isinstance(raw, str) and bytes(raw) == SENT_WITH_SOURCE:
        pair = _decoded(session, source_raw)
        return pair[1] if isinstance(pair, list) and len(pair) == 2 else None
    return unpack(session, raw)


def _decoded(session: Session | Connection, raw: str | bytes | None) -> Any:
    if raw is None:
        return None
    if isinstance(raw, str):
        return json.loads(raw)
    data = bytes(raw)
    if len(data) < _HEADER.size or data[0] not in (FORMAT, PAIR):
        log.warning("A run-log payload in an unknown format was skipped")
        return None
    _format, ident = _HEADER.unpack_from(data)
    dictionary = _dictionary(session, ident)
    if dictionary is None:
        log.warning("A run-log payload's dictionary %s is missing", ident)
        return None
    d = zlib.decompressobj(_WBITS, zdict=dictionary)
    return orjson.loads(d.decompress(data[_HEADER.size :]) + d.flush())


def as_text(session: Session | Connection, raw: str | bytes | None) -> str | None:
    """A stored payload as JSON text (for archives and exports)."""
    if raw is None or isinstance(raw, str):
        return raw
    value = unpack(session, raw)
    return None if value is None else _json(value).decode()


def sent_as_text(
    session: Session | Connection, source_raw: str | bytes | None, raw: str | bytes | None
) -> str | None:
    """A row's sent payload as JSON text."""
    if raw is None or isinstance(raw, str):
        return raw
    value = unpack_sent(session, source_raw, raw)
    return None if value is None else _json(value).decode()


# --- in SQL ---------------------------------------------------------------------------
# ``run_log_text(source_payload)`` and ``run_log_sent(source_payload, sent_payload)`` give
# a row's payloads as JSON text inside a query, so code that searches payloads in SQL
# (the privacy footprint's ``instr``) sees compressed ones as it sees text.


def register_sql(dbapi_conn: sqlite3.Connection, database: Path) -> None:
    """Define the SQL functions on a new connection to the store at ``database``."""

    def lookup(ident: int) -> bytes | None:
        found = _dictionaries.get(ident)
        if found is None:  # made by another process: read it on a connection of its own
            side = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
            try:
                row = side.execute(
                    "SELECT data FROM payload_dictionaries WHERE id = ?", (ident,)
                ).fetchone()
            finally:
                side.close()
            if row is None:
                return None
            found = _dictionaries[ident] = bytes(row[0])
        return found

    def source_text(raw: str | bytes | None) -> str | None:
        if raw is None or isinstance(raw, str):
            return raw
        value = _sql_decoded(raw, lookup)
        if isinstance(raw, bytes) and raw[:1] == bytes([PAIR]):
            value = value[0] if isinstance(value, list) and value else None
        return None if value is None else _json(value).decode()

    def sent_text(source: str | bytes | None, raw: str | bytes | None) -> str | None:
        if isinstance(raw, bytes) and raw == SENT_WITH_SOURCE:
            pair = _sql_decoded(source, lookup) if isinstance(source, bytes) else None
            sent = pair[1] if isinstance(pair, list) and len(pair) == 2 else None
            return None if sent is None else _json(sent).decode()
        return source_text(raw)

    dbapi_conn.create_function("run_log_text", 1, source_text, deterministic=True)
    dbapi_conn.create_function("run_log_sent", 2, sent_text, deterministic=True)


def _sql_decoded(raw: bytes, lookup: Any) -> Any:
    if len(raw) < _HEADER.size or raw[0] not in (FORMAT, PAIR):
        return None
    _format, ident = _HEADER.unpack_from(raw)
    dictionary = lookup(ident)
    if dictionary is None:
        return None
    d = zlib.decompressobj(_WBITS, zdict=dictionary)
    return orjson.loads(d.decompress(raw[_HEADER.size :]) + d.flush())
