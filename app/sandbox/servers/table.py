"""An in-memory table with lookup indexes and the batch-upsert rule of cloud CRMs.

Upsert semantics (CRM contacts and deals, marketing contacts): each record is matched on
``id_field``; a match whose given fields already hold those values is ``unchanged``
(nothing is written, ``updated_at`` stays), a match with differences is ``updated``, no
match is ``created``, and a record that fails validation is ``rejected`` with a reason,
without affecting the others.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from app.sandbox.servers.clock import Clock
from app.sandbox.servers.dataset import Record
from app.sandbox.servers.errors import ApiError
from app.sandbox.servers.paging import cursor_page
from app.sandbox.servers.records import IdAllocator

# (incoming fields, the current record or None when new) -> reason or ''
Validator = Callable[[Record, Record | None], str]
# one incoming JSON object -> clean string fields (raises ValueError with a reason)
Normaliser = Callable[[Mapping[str, Any]], Record]
# the keys a table holds -> what mints its next keys (``next()``)
IdFactory = Callable[[Iterable[str]], Any]
MAX_BATCH = 100


class Table:
    """Records keyed by ``key``; ``unique`` columns get a (case-insensitive) lookup index."""

    def __init__(
        self,
        key: str,
        columns: Iterable[str],
        *,
        id_prefix: str,
        clock: Clock,
        unique: Iterable[str] = (),
        lock: threading.RLock | None = None,
        new_ids: IdFactory | None = None,
    ) -> None:
        """``new_ids``: how new keys are minted (default: ``IdAllocator``, ids in the
        style of the existing ones with ``id_prefix``)."""
        self.key = key
        self.columns = tuple(columns)
        self.id_prefix = id_prefix
        self.clock = clock
        self.unique = tuple(unique)
        self.lock = lock or threading.RLock()
        self.rows: dict[str, Record] = {}
        self.index: dict[str, dict[str, str]] = {}
        self._new_ids: IdFactory = new_ids or (lambda keys: IdAllocator(keys, id_prefix))
        self.ids = self._new_ids(())
        self._order: tuple[list[Record], list[tuple[str, str]]] | None = None

    def changed(self) -> None:
        """The order by (updated_at, key) may have changed: call after writing a row's
        ``updated_at`` directly (the table's own writes call it)."""
        self._order = None

    def cursor_page(self, params: Mapping[str, str]) -> dict[str, Any]:
        """One cursor page of the whole table (no filters), from the order kept between
        writes; the rows are copied under the lock."""
        with self.lock:
            if self._order is None:
                rows = sorted(
                    self.rows.values(), key=lambda r: (r.get("updated_at", ""), r[self.key])
                )
                self._order = (rows, [(r.get("updated_at", ""), r[self.key]) for r in rows])
            rows, keys = self._order
            return cursor_page(rows, keys, self.key, params, dict)

    def load(self, rows: Iterable[Record]) -> None:
        with self.lock:
            self.changed()
            self.rows = {r[self.key]: r for r in rows if r.get(self.key)}
            self.ids = self._new_ids(self.rows)
            self.index = {c: {} for c in self.unique}
            for row in self.rows.values():
                self._index(row)

    def _index(self, row: Record) -> None:
        for column in self.unique:
            value = row.get(column, "").strip().lower()
            if value:
                self.index[column].setdefault(value, row[self.key])

    def _unindex(self, row: Record) -> None:
        for column in self.unique:
            value = row.get(column, "").strip().lower()
            if value and self.index[column].get(value) == row[self.key]:
                del self.index[column][value]

    def get(self, key: str) -> Record | None:
        with self.lock:
            row = self.rows.get(key)
            return dict(row) if row is not None else None

    def find(self, column: str, value: str) -> str | None:
        """The key of the record whose ``column`` equals ``value``."""
        with self.lock:
            if column == self.key:
                return value if value in self.rows else None
            return self.index[column].get(value.strip().lower())

    def all(self) -> list[Record]:
        with self.lock:
            return [dict(r) for r in self.rows.values()]

    def insert(self, fields: Mapping[str, str]) -> Record:
        with self.lock:
            now = self.clock.now()
            row: Record = dict.fromkeys(self.columns, "")
            row.update(fields)
            row[self.key] = self.ids.next()
            if "created_at" in row:
                row["created_at"] = now
            row["updated_at"] = now
            self.rows[row[self.key]] = row
            self._index(row)
            self.changed()
            return dict(row)

    def apply(self, key: str, changes: Mapping[str, str]) -> tuple[Record, Record]:
        """Write ``changes``; returns (before, after). Touches only on a real change."""
        with self.lock:
            row = self.rows[key]
            before = dict(row)
            diff = {k: v for k, v in changes.items() if row.get(k) != v}
            if diff:
                self._unindex(row)
                row.update(diff)
                row["updated_at"] = self.clock.now()
                self._index(row)
                self.changed()
            return before, dict(row)

    def delete(self, key: str) -> Record:
        with self.lock:
            row = self.rows.pop(key)
            self._unindex(row)
            self.changed()
            return row

    def point(self, column: str, value: str, key: str) -> None:
        """Make lookups of ``value`` resolve to ``key`` (after a merge), if free."""
        norm = value.strip().lower()
        if norm:
            with self.lock:
                self.index[column].setdefault(norm, key)

    def batch_upsert(
        self,
        id_field: str,
        records: list[Any],
        normalise: Normaliser,
        validate: Validator,
    ) -> list[dict[str, Any]]:
        """Per-record results ``{"index","status","id","error"}`` (see module doc)."""
        if id_field != self.key and id_field not in self.unique:
            allowed = ", ".join((self.key, *self.unique))
            raise ApiError(422, f"idField must be one of {allowed}", field="idField")
        if len(records) > MAX_BATCH:
            raise ApiError(413, f"at most {MAX_BATCH} records per batch, got {len(records)}")
        results = []
        with self.lock:
            for index, raw in enumerate(records):
                status, key, error = self._upsert_one(id_field, raw, normalise, validate)
                results.append({"index": index, "status": status, "id": key, "error": error})
        return results

    def _upsert_one(
        self, id_field: str, raw: Any, normalise: Normaliser, validate: Validator
    ) -> tuple[str, str | None, str | None]:
        if not isinstance(raw, Mapping):
            return "rejected", None, "record must be a JSON object"
        try:
            fields = normalise(raw)
        except ValueError as exc:
            return "rejected", None, str(exc)
        match_value = fields.get(id_field, "")
        if not match_value:
            return "rejected", None, f"{id_field} is required to match the record"
        key = self.find(id_field, match_value)
        if key is None and id_field == self.key:
            return "rejected", None, f"no record with {id_field} '{match_value}'"
        fields.pop(self.key, None)
        if key is None:
            reason = validate(fields, None)
            if reason:
                return "rejected", None, reason
            return "created", self.insert(fields)[self.key], None
        current = self.rows[key]
        reason = validate(fields, dict(current))
        if reason:
            return "rejected", key, reason
        if all(current.get(k) == v for k, v in fields.items()):
            return "unchanged", key, None
        self.apply(key, fields)
        return "updated", key, None
