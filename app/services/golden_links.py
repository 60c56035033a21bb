"""Customer links and golden records, the two things merge and unmerge rewrite.

A link ties one source record ``(system, external id)`` to a golden id; the golden record
holds the surviving field values. A merge points links at its winner and an unmerge points
them back, so both write through these upserts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.store.matching_models import GoldenRecord
from app.store.models import Link

ENTITY = "customer"


def link_key(system: str, external_id: str) -> str:
    """How the audit log names a link: ``system:external_id``."""
    return f"{system}:{external_id}"


def point_link(
    s: Session, row: Link | None, system: str, external_id: str, golden_id: str, now: datetime
) -> None:
    """Point the link ``row`` at ``golden_id``; add the link when there is no row yet."""
    if row is None:
        s.add(
            Link(
                entity=ENTITY,
                system=system,
                external_id=external_id,
                golden_id=golden_id,
                created_at=now,
            )
        )
    else:
        row.golden_id = golden_id


def put_golden(
    s: Session,
    golden_id: str,
    entity: str,
    fields: dict[str, Any],
    sources: dict[str, Any],
    now: datetime,
) -> None:
    """Write the golden record ``golden_id``; create it when it does not exist."""
    g = s.get(GoldenRecord, golden_id)
    if g is None:
        s.add(
            GoldenRecord(
                golden_id=golden_id,
                entity=entity,
                fields=fields,
                sources=sources,
                created_at=now,
                updated_at=now,
            )
        )
    else:
        g.fields, g.sources, g.updated_at = fields, sources, now
