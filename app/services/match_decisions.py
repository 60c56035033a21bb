""" "Not a duplicate" decisions: pairs of source records an admin said are different
people. A scan leaves these pairs out, so they never come back to the queue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.store.matching_models import MatchDecision

RecordKey = tuple[str, str]  # (system, external id)


def is_decided(s: Session, a: RecordKey, b: RecordKey) -> bool:
    """Whether the pair ``a``, ``b`` (in either order) was marked not a duplicate."""
    x, y = sorted([a, b])
    found = s.scalar(
        select(MatchDecision.id).where(
            MatchDecision.system_a == x[0],
            MatchDecision.external_a == x[1],
            MatchDecision.system_b == y[0],
            MatchDecision.external_b == y[1],
        )
    )
    return found is not None


def remember_different(s: Session, keys: Sequence[RecordKey], user: str, now: datetime) -> int:
    """Store every pair of ``keys`` as different people; returns the pairs newly stored."""
    stored = 0
    for i, x in enumerate(keys):
        for y in keys[i + 1 :]:
            a, b = sorted([x, y])
            if is_decided(s, a, b):
                continue
            s.add(
                MatchDecision(
                    system_a=a[0],
                    external_a=a[1],
                    system_b=b[0],
                    external_b=b[1],
                    decided_by=user,
                    decided_at=now,
                )
            )
            stored += 1
    return stored
