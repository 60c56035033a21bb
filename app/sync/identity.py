"""Identity: one golden id per real-world record across systems, through links
``(entity, system, external id) <-> golden id``, plus the contact index used by the
pre-entry duplicate check."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session

from app.store import bulk
from app.store.models import ContactIndex, Link, table_of, utcnow

_CHUNK = 500  # SQLite's bound-parameter limit is generous, but keep IN lists modest


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def golden_ids(
    session: Session, entity: str, system: str, keys: Sequence[str], *, create: bool = True
) -> dict[str, str]:
    """Golden id of each key in ``system``; new keys get a new golden id (and a link) when
    ``create`` — a dry run passes False and unknown keys are simply absent."""
    found: dict[str, str] = {}
    unique = list(dict.fromkeys(k for k in keys if k))
    for part in _chunks(unique):
        rows = session.execute(
            select(Link.external_id, Link.golden_id).where(
                Link.entity == entity, Link.system == system, Link.external_id.in_(part)
            )
        )
        found.update({ext: gold for ext, gold in rows})
    missing = [k for k in unique if k not in found]
    if create and missing:
        now = utcnow()
        new = {k: str(uuid.uuid4()) for k in missing}
        session.execute(
            insert(table_of(Link)).on_conflict_do_nothing(),
            [
                {
                    "entity": entity,
                    "system": system,
                    "external_id": k,
                    "golden_id": g,
                    "created_at": now,
                }
                for k, g in new.items()
            ],
        )
        found.update(new)
    return found


def dest_ids(session: Session, entity: str, system: str, golden: Sequence[str]) -> dict[str, str]:
    """The destination system's id for each golden id it is already linked to."""
    out: dict[str, str] = {}
    unique = list(dict.fromkeys(g for g in golden if g))
    for part in _chunks(unique):
        rows = session.execute(
            select(Link.golden_id, Link.external_id)
            .where(Link.entity == entity, Link.system == system, Link.golden_id.in_(part))
            .order_by(Link.id)
        )
        for gold, ext in rows:
            out.setdefault(gold, ext)
    return out


def link(session: Session, entity: str, system: str, pairs: Iterable[tuple[str, str]]) -> None:
    """Record ``external id -> golden id`` links; an existing link is kept as it is."""
    now = utcnow()
    rows = [
        {
            "entity": entity,
            "system": system,
            "external_id": ext,
            "golden_id": gold,
            "created_at": now,
        }
        for ext, gold in pairs
        if ext
    ]
    bulk.write_rows(session, table_of(Link), rows, ignore=True)


def index_contacts(
    session: Session, system: str, rows: Iterable[tuple[str, str | None, str | None]]
) -> None:
    """Remember (external id, normalised e-mail, E.164 phone) of customers seen in ``system``."""
    values = [
        {"system": system, "external_id": ext, "email": email or None, "phone": phone or None}
        for ext, email, phone in rows
        if ext and (email or phone)
    ]
    if not values:
        return
    stmt = insert(table_of(ContactIndex))
    stmt = stmt.on_conflict_do_update(
        index_elements=["system", "external_id"],
        set_={"email": stmt.excluded.email, "phone": stmt.excluded.phone},
    )
    session.execute(stmt, values)


def find_contact(
    session: Session, system: str, *, email: str | None, phone: str | None
) -> str | None:
    """Exact match on normalised e-mail first, then on E.164 phone."""
    for column, value in ((ContactIndex.email, email), (ContactIndex.phone, phone)):
        if value:
            found = session.scalar(
                select(ContactIndex.external_id)
                .where(ContactIndex.system == system, column == value)
                .order_by(ContactIndex.id)
                .limit(1)
            )
            if found:
                return str(found)
    return None
