"""Find records in the search index by what a person knows: a customer number, name,
phone, e-mail, VIN, stock, deal or RO number. Indexed equality look-ups plus the FTS5
name index; payloads are never scanned. (The sync engine has its own copy of this logic
in app.sync.search; the store cannot import the engine, and this one also resolves the
golden ids the sync log needs.)"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain import normalise

_EXACT_COLUMNS = ("vin", "stock_number", "deal_number", "ro_number", "customer_number")
_SELECT = (
    "SELECT id, entity, system, record_key, golden_id, name, email, phone, vin "
    "FROM record_index WHERE "
)


@dataclass(frozen=True)
class IndexHit:
    id: int
    entity: str
    system: str
    record_key: str
    golden_id: str | None
    name: str
    email: str | None
    phone: str | None
    vin: str | None


def _looks_like_phone(q: str) -> bool:
    digits = re.sub(r"\D", "", q)
    return len(digits) >= 7 and len(digits) >= len(q.replace(" ", "")) - 6


def find_records(session: Session, query: str, *, limit: int = 100) -> list[IndexHit]:
    """Index rows matching ``query`` exactly on a business key, else by name words
    ("bob smi" finds Bob Smith). At most ``limit`` rows."""
    q = query.strip()
    if not q:
        return []
    hits: dict[int, IndexHit] = {}

    def run(where: str, params: dict[str, object]) -> None:
        for row in session.execute(text(_SELECT + where + " LIMIT :lim"), {**params, "lim": limit}):
            hits.setdefault(row[0], IndexHit(*row))

    if "@" in q:
        run("email = :v", {"v": normalise.email(q) or q.lower()})
        return list(hits.values())[:limit]
    if _looks_like_phone(q):
        phone = normalise.phone_e164(q)
        if phone:
            run("phone = :v", {"v": phone})
    upper = q.upper()
    for column in _EXACT_COLUMNS:
        run(f"{column} = :v", {"v": upper})
    run("record_key = :v", {"v": q})
    if len(hits) < limit:
        words = re.findall(r"[^\W_]+", q)
        if words:
            match = " ".join(f'"{w}"*' for w in words)
            ids = [
                r[0]
                for r in session.execute(
                    text(
                        "SELECT rowid FROM record_index_fts "
                        "WHERE record_index_fts MATCH :m LIMIT :n"
                    ),
                    {"m": match, "n": limit},
                )
            ]
            if ids:
                marks = ",".join(str(int(i)) for i in ids)
                run(f"id IN ({marks})", {})
    return list(hits.values())[:limit]
