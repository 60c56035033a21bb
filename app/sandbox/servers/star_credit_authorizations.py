"""The STAR credit authorizations domain: a small table of its own (``CreditTable``), since
the DMS keeps none; a record names its customer by DMS number (or the key it was
created under) and its deal by number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from app.formats import star
from app.sandbox.servers import validation as v
from app.sandbox.servers.dataset import Record
from app.sandbox.servers.dms_store import DmsStore
from app.sandbox.servers.errors import ApiError
from app.sandbox.servers.records import IdAllocator, check_if_match, etag_of
from app.sandbox.servers.star_adapter import Adapter

CREDIT_COLUMNS = tuple(
    c for c in star.domain("credit_authorizations").field_names if c != "credit_authorization_key"
)


class CreditTable:
    """Credit authorizations by id: the DMS has no table for them, so they live here,
    empty at start."""

    def __init__(self, store: DmsStore) -> None:
        self.store = store
        self.reset()

    def reset(self) -> None:
        self.records: dict[str, Record] = {}
        self._ids = IdAllocator((), "CA", 6)

    def rows(self, low: str) -> list[Record]:
        """The records changed at ``low`` or later, by (updated_at, id)."""
        rows = [r for r in self.records.values() if r["updated_at"] >= low]
        rows.sort(key=lambda r: (r["updated_at"], r["credit_authorization_id"]))
        return rows

    def get(self, record_id: str, key: str) -> Record:
        record = self.records.get(record_id)
        if record is None:
            raise ApiError(404, f"no credit authorization with key '{key}'")
        return dict(record)

    def insert(self, fields: Mapping[str, str]) -> Record:
        record: Record = dict.fromkeys(CREDIT_COLUMNS, "")
        record.update(fields)
        record["credit_authorization_id"] = self._ids.next()
        record["updated_at"] = self.store.clock.now()
        record["etag"] = etag_of(record)
        self.records[record["credit_authorization_id"]] = record
        return dict(record)

    def update(self, record_id: str, changes: Mapping[str, str], if_match: str) -> Record:
        record = self.records[record_id]
        check_if_match(record["etag"], if_match)
        diff = {k: val for k, val in changes.items() if record.get(k) != val}
        if diff:
            record.update(diff)
            record["updated_at"] = self.store.clock.now()
            record["etag"] = etag_of(record)
        return dict(record)

    def export(self) -> list[Record]:
        with self.store.lock:
            return [dict(r) for r in self.records.values()]


def credit_adapter(customer_id: Callable[[str], str]) -> Adapter:
    def to_flat(r: Record) -> dict[str, str]:
        flat = {c: r.get(c, "") for c in CREDIT_COLUMNS}
        flat["credit_authorization_key"] = adapter.key_of(r["credit_authorization_id"])
        return flat

    def to_dms(flat: Mapping[str, str], current: Record | None) -> dict[str, str]:
        skip = {"credit_authorization_id", "updated_at"}
        if current is not None:
            skip.add("deal_number")  # not in CreditAuthorizationUpdate
        out = {c: flat[c] for c in CREDIT_COLUMNS if c in flat and c not in skip}
        if out.get("customer_id"):  # the customer's number, or the key it was made under
            out["customer_id"] = customer_id(out["customer_id"])
        return out

    checks = {"amount": v.money, "authorized_at": v.timestamp}
    adapter = Adapter("credit_authorizations", "credit_authorizations", to_flat, to_dms,
                      checks)  # fmt: skip
    return adapter
