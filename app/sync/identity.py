"""Identity: one golden id per real-world record across systems, through links
``(entity, system, external id) <-> golden id``, and the exact contact look-up of the
pre-entry duplicate check."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import bindparam, delete, select, text
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session

from app.store import bulk
from app.store.ids import new_golden_id
from app.store.models import Link, RecordIndex, table_of, utcnow

# Through the golden-id index: left to itself SQLite picks the unique (entity, system,
# external_id) index for the two equalities and walks every link of the system, and an
# ORDER BY id walks the whole table — either way seconds per chunk on a large store.
_BY_GOLDEN = text(
    "SELECT id, golden_id, external_id FROM links INDEXED BY ix_links_golden "
    "WHERE golden_id IN :g AND entity = :e AND system = :s"
).bindparams(bindparam("g", expanding=True))
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
        new = {k: new_golden_id() for k in missing}
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
    found: list[tuple[int, str, str]] = []
    for part in _chunks(unique):
        rows = session.execute(_BY_GOLDEN, {"e": entity, "s": system, "g": list(part)})
        found.extend((int(i), str(g), str(e)) for i, g, e in rows)
    # The oldest link wins. Sorted here, not in SQL: see _BY_GOLDEN.
    for _id, gold, ext in sorted(found):
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


def drop_stale(
    session: Session, entity: str, system: str, pairs: Iterable[tuple[str, str]]
) -> None:
    """Forget ``(old external id, golden id)`` links the destination has replaced: it
    answered a write to the old id with another id (the old record was deleted or merged
    away), so later look-ups must find the id it gave, not the oldest link."""
    for ext, gold in pairs:
        session.execute(
            delete(Link).where(
                Link.entity == entity,
                Link.system == system,
                Link.external_id == ext,
                Link.golden_id == gold,
            )
        )


def find_contact(
    session: Session, system: str, *, email: str | None, phone: str | None
) -> str | None:
    """A customer of ``system`` with this normalised e-mail (first) or E.164 phone, from
    the record index the engine keeps as it reads that system's customers."""
    for column, value in ((RecordIndex.email, email), (RecordIndex.phone, phone)):
        if value:
            found = session.scalar(
                select(RecordIndex.record_key)
                .where(
                    column == value,
                    RecordIndex.entity == "customer",
                    RecordIndex.system == system,
                )
                .order_by(RecordIndex.id)
                .limit(1)
            )
            if found:
                return str(found)
    return None


def repoint(
    session: Session, entity: str, system: str, external_id: str, old: str, new: str
) -> None:
    """Move one record's link (and its search-index row) from golden id ``old`` to ``new``:
    the pre-entry check found that it is a record the app already knows under ``new``."""
    session.execute(
        text(
            "UPDATE links SET golden_id = :new WHERE entity = :e AND system = :s "
            "AND external_id = :x AND golden_id = :old"
        ),
        {"new": new, "old": old, "e": entity, "s": system, "x": external_id},
    )
    session.execute(
        text(
            "UPDATE record_index SET golden_id = :new WHERE entity = :e AND system = :s "
            "AND record_key = :x AND golden_id = :old"
        ),
        {"new": new, "old": old, "e": entity, "s": system, "x": external_id},
    )
