"""Data quality of what the sync has read: the share of customers with a missing or
invalid phone, e-mail or postal address, records with an invalid VIN, and duplicates
awaiting review. From the search index (indexed columns) plus, for addresses, each
customer's latest source payload found through the (entity, record_key) index. Slow-ish
on a big store (seconds): call it from a background worker."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain import normalise
from app.store import payload_codec

MAX_KEYS = 1000  # records handed to the sync log per item
ADDRESS_SAMPLE = 20_000  # latest customers whose payload is read for the address check
_STREET = ("address_line1", "street", "address", "address1", "street_address")
_ZIP = ("zip", "postal_code", "zip_code", "postcode")


@dataclass(frozen=True)
class QualityItem:
    key: str  # phone | email | address | vin | duplicates
    label: str
    count: int | None  # None: not known (e.g. duplicate review not set up)
    total: int
    records: tuple[tuple[str, str], ...] = ()  # (entity, key), at most MAX_KEYS
    note: str = ""

    @property
    def share(self) -> float | None:
        if self.count is None or not self.total:
            return None
        return self.count / self.total


@dataclass
class QualityReport:
    customers: int = 0
    items: list[QualityItem] = field(default_factory=list)


def _keys(
    session: Session, sql: str, params: dict[str, object] | None = None
) -> tuple[int, tuple[tuple[str, str], ...]]:
    count = int(session.execute(text(f"SELECT count(*) FROM ({sql})"), params or {}).scalar() or 0)
    rows = session.execute(text(f"{sql} LIMIT {MAX_KEYS}"), params or {})
    return count, tuple((str(e), str(k)) for e, k in rows)


def _first(payload: dict[str, object], names: tuple[str, ...]) -> str:
    for name in names:
        value = payload.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _addresses(session: Session) -> tuple[int, int, tuple[tuple[str, str], ...]]:
    """(customers checked, with a missing or invalid address, their keys)."""
    rows = session.execute(
        text(
            "SELECT ri.record_key, (SELECT o.source_payload FROM record_outcomes o "
            "WHERE o.entity = 'customer' AND o.record_key = ri.record_key "
            "ORDER BY o.id DESC LIMIT 1) FROM record_index ri WHERE ri.entity = 'customer' "
            "ORDER BY ri.id DESC LIMIT :n"
        ),
        {"n": ADDRESS_SAMPLE},
    )
    checked, bad = 0, 0
    keys: list[tuple[str, str]] = []
    for key, raw in rows:
        if not raw:
            continue  # payload already cleared by retention: nothing to judge
        try:
            payload = payload_codec.unpack(session, raw)
        except ValueError:
            continue
        if not isinstance(payload, dict):
            continue
        checked += 1
        street, zip_code = _first(payload, _STREET), _first(payload, _ZIP)
        if not street or not zip_code or normalise.zip5(zip_code) is None:
            bad += 1
            if len(keys) < MAX_KEYS:
                keys.append(("customer", str(key)))
    return checked, bad, tuple(keys)


def _duplicates_awaiting(session: Session) -> int | None:
    """Possible duplicate customers (clusters, as the review queue counts them) waiting
    for review, if that feature's table exists."""
    for table in ("duplicate_candidates", "match_candidates", "duplicate_pairs"):
        exists = session.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": table}
        ).first()
        if exists:
            try:
                return int(
                    session.execute(
                        text(
                            f"SELECT count(*) FROM {table} "
                            "WHERE status IN ('pending', 'open', 'new')"
                        )
                    ).scalar()
                    or 0
                )
            except Exception:  # noqa: BLE001 — another feature's schema; show "unknown"
                return None
    return None


def data_quality(session: Session) -> QualityReport:
    report = QualityReport()
    customers = int(
        session.execute(
            text("SELECT count(*) FROM record_index WHERE entity = 'customer'")
        ).scalar()
        or 0
    )
    report.customers = customers
    base = "SELECT entity, record_key FROM record_index WHERE entity = 'customer' AND "
    n, keys = _keys(session, base + "phone IS NULL")
    report.items.append(
        QualityItem("phone", "Customers with a missing or invalid phone", n, customers, keys)
    )
    n, keys = _keys(session, base + "email IS NULL")
    report.items.append(
        QualityItem("email", "Customers with a missing or invalid e-mail", n, customers, keys)
    )
    checked, bad, keys = _addresses(session)
    note = f"checked on the latest {checked:,} customers" if checked < customers else ""
    report.items.append(
        QualityItem(
            "address", "Customers with a missing or invalid address", bad, checked, keys, note
        )
    )
    vins = session.execute(
        text("SELECT entity, record_key, vin FROM record_index WHERE vin IS NOT NULL AND vin != ''")
    )
    total_vins, bad_vins = 0, 0
    vin_keys: list[tuple[str, str]] = []
    valid: dict[str, bool] = {}
    for entity, key, vin in vins:
        total_vins += 1
        ok = valid.get(vin)
        if ok is None:
            ok = valid[vin] = normalise.vin(str(vin)) is not None
        if not ok:
            bad_vins += 1
            if len(vin_keys) < MAX_KEYS:
                vin_keys.append((str(entity), str(key)))
    report.items.append(
        QualityItem(
            "vin",
            "Vehicles, deals and ROs with an invalid VIN",
            bad_vins,
            total_vins,
            tuple(vin_keys),
        )
    )
    pending = _duplicates_awaiting(session)
    report.items.append(
        QualityItem(
            "duplicates",
            "Duplicates awaiting review",
            pending,
            customers,
            note="" if pending is not None else "duplicate review is not set up yet",
        )
    )
    return report
