"""Find records by what a manager knows: a name, phone, e-mail, VIN, stock, deal, RO or
customer number. The engine keeps ``record_index`` up to date as it reads sources; a
search is a handful of indexed look-ups, never a scan of payloads."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from app.domain import normalise
from app.mapping import transforms_contact as contact
from app.mapping.transforms_base import Transformed
from app.store import Store, bulk
from app.store.models import RecordIndex, table_of, utcnow

_LAST_ID = text("SELECT coalesce(max(id), 0) FROM record_index")
_FTS_NEW = text(
    "INSERT INTO record_index_fts (rowid, name) SELECT id, name FROM record_index "
    "WHERE id > :before"
)
_FTS_QUERY = text("SELECT rowid FROM record_index_fts WHERE record_index_fts MATCH :m LIMIT :n")
_NAME_COLUMNS: tuple[tuple[str, ...], ...] = (
    ("first_name", "last_name"),
    ("company_name",),
    ("name",),
)
# phone_number: a Klaviyo profile's (its only phone)
_PHONES = ("mobile_phone", "mobile", "home_phone", "phone", "work_phone", "phone_number")
_KEYS = {
    "vin": ("vin", "vehicle_of_interest_vin"),
    "stock_number": ("stock_number",),
    "deal_number": ("deal_number",),
    "ro_number": ("ro_number",),
    "customer_number": ("customer_id", "external_id"),
}


@dataclass(frozen=True)
class SearchHit:
    entity: str
    system: str
    record_key: str
    golden_id: str | None
    name: str
    email: str | None
    phone: str | None
    vin: str | None
    stock_number: str | None
    deal_number: str | None
    ro_number: str | None
    customer_number: str | None


def _first(df: pd.DataFrame, columns: Iterable[str]) -> pd.Series:
    out = pd.Series("", index=df.index, dtype=object)
    for col in columns:
        if col in df.columns:
            out = out.mask(out.eq(""), df[col])
    return out


def _valid(result: Transformed) -> list[str | None]:
    """Normalised values, vectorised like a mapping's (a per-value call on every record
    of a large sync kept the store writer busy); None for blanks and invalid values."""
    values = result.values.tolist()
    bad = result.invalid.tolist() if result.invalid is not None else [False] * len(values)
    return [None if b or not v else str(v) for v, b in zip(values, bad, strict=True)]


def index_rows(
    session: Session,
    entity: str,
    system: str,
    df: pd.DataFrame,
    key_column: str,
    golden: dict[str, str],
) -> None:
    """Upsert the searchable keys of a chunk of source rows."""
    if len(df):
        write_index(session, index_columns(entity, system, df, key_column, golden))


def index_columns(
    entity: str, system: str, df: pd.DataFrame, key_column: str, golden: dict[str, str]
) -> dict[str, list[Any]]:
    """The index rows of a chunk of source rows, column by column (no store needed: a
    run makes them on its own thread and leaves only the writing to the store writer)."""
    name = pd.Series("", index=df.index, dtype=object)
    for cols in _NAME_COLUMNS:
        if all(c in df.columns for c in cols):
            joined = df[cols[0]].astype(str)
            for col in cols[1:]:
                joined = joined + " " + df[col].astype(str)
            name = name.mask(name.eq(""), joined.str.strip())
    record_keys = [str(k) for k in df[key_column].tolist()]
    columns: dict[str, list[Any]] = {
        "record_key": record_keys,
        "golden_id": [golden.get(k) for k in record_keys],
        "name": [n[:300] for n in name.astype(str).tolist()],
        "email": _valid(contact.email(_first(df, ("email",)))),
        "phone": _valid(contact.phone_e164(_first(df, _PHONES))),
    }
    for k, cols in _KEYS.items():
        upper = _first(df, cols).astype(str).str.strip().str.upper()
        columns[k] = [v or None for v in upper.tolist()]
    n = len(record_keys)
    columns = {"entity": [entity] * n, "system": [system] * n, **columns}
    columns["updated_at"] = [utcnow()] * n
    return columns


def write_index(session: Session, columns: dict[str, list[Any]]) -> None:
    """Upsert rows made by :func:`index_columns`."""
    if not columns or not columns["record_key"]:
        return
    key = ("entity", "system", "record_key")
    table = table_of(RecordIndex)
    bulk.hold_write_lock(session, table)  # no other writer adds rows past ``before``
    before = session.execute(_LAST_ID).scalar_one()
    bulk.write_columns(
        session,
        table,
        columns,
        conflict=key,
        update=[c for c in columns if c not in key],
        # a record read again unchanged is not written again (nor its names re-indexed)
        changed=[c for c in columns if c not in key and c != "updated_at"],
    )
    # the new rows' names in one statement (migration v16: no per-row insert trigger)
    session.execute(_FTS_NEW, {"before": before})


def _hit(row: RecordIndex) -> SearchHit:
    return SearchHit(
        row.entity, row.system, row.record_key, row.golden_id, row.name, row.email, row.phone,
        row.vin, row.stock_number, row.deal_number, row.ro_number, row.customer_number,
    )  # fmt: skip


def search(
    store: Store, query: str, *, limit: int = 100, entity: str | None = None
) -> list[SearchHit]:
    """Records matching ``query``: e-mail, phone, VIN or business number exactly, else
    names by word prefix ("bob smi" finds Bob Smith)."""
    q = query.strip()
    if not q:
        return []
    with store.session() as s:
        base = select(RecordIndex)
        if entity:
            base = base.where(RecordIndex.entity == entity)
        conditions = []
        if "@" in q:
            email = normalise.email(q)
            conditions.append(RecordIndex.email == (email or q.lower()))
        digits = re.sub(r"\D", "", q)
        if len(digits) >= 7 and len(digits) >= len(q.replace(" ", "")) - 6:
            phone = normalise.phone_e164(q)
            if phone:
                conditions.append(RecordIndex.phone == phone)
        upper = q.upper()
        conditions += [
            RecordIndex.vin == upper,
            RecordIndex.stock_number == upper,
            RecordIndex.deal_number == upper,
            RecordIndex.ro_number == upper,
            RecordIndex.customer_number == upper,
            RecordIndex.record_key == q,
        ]
        hits = list(s.scalars(base.where(or_(*conditions)).limit(limit)).all())
        if len(hits) < limit and "@" not in q:
            words = [w for w in re.findall(r"[^\W_]+", q) if w]
            if words:
                match = " ".join(f'"{w}"*' for w in words)
                ids = [
                    r[0]
                    for r in s.execute(
                        _FTS_QUERY,
                        {"m": match, "n": limit},
                    )
                ]
                if ids:
                    seen = {h.id for h in hits}
                    more = s.scalars(base.where(RecordIndex.id.in_(ids))).all()
                    hits += [h for h in more if h.id not in seen][: limit - len(hits)]
        return [_hit(h) for h in hits]
