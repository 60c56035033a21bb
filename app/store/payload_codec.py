"""Compact run-log payloads: a record outcome's source and sent payloads compressed with a
preset dictionary made of a few records of the same flow.

A record's JSON is mostly field names and values its neighbours share; deflate with that
dictionary stores ~750 bytes of a customer's two payloads in ~200. Each value is a BLOB:
a format byte, the dictionary's id (a hash of its bytes: a dictionary never changes) and
the raw deflate stream. A record that was sent keeps both payloads in one blob in
``source_payload`` (format 2: most sent values repeat source values, which deflate then
finds), and its ``sent_payload`` is the one-byte :data:`SENT_WITH_SOURCE`. Payloads
written before, and those written without a dictionary (feeds, previews), stay JSON text;
:func:`unpack` and :func:`unpack_sent` read them all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import struct
import zlib
from collections.abc import Iterable
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


def make_dictionary(samples: Iterable[Any]) -> bytes:
    """A dictionary from sample payloads (dicts), as much as deflate can use of it."""
    parts: list[bytes] = []
    size = 0
    for sample in samples:
        if sample is None:
            continue
        raw = _json(sample)
        if size + len(raw) > DICTIONARY_LIMIT:
            break
        parts.append(raw)
        size += len(raw)
    return b"".join(parts)


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
