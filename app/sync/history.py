"""Forget what flows have done (runs, outcomes, cursors, links): used to reset the demo."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.store.models import (
    Conflict,
    DeliveryState,
    FlowState,
    Link,
    ParkedRecord,
    RecordIndex,
    RecordOutcome,
    Run,
)


def forget(session: Session, flow_ids: Sequence[int], systems: Sequence[str]) -> None:
    """Delete the sync history of ``flow_ids`` and the identity links of ``systems``."""
    flows, syst = list(flow_ids), list(systems)
    for model in (Conflict, ParkedRecord, DeliveryState, FlowState, RecordOutcome):
        session.execute(delete(model).where(model.flow_id.in_(flows)))
    session.execute(delete(Run).where(Run.flow_id.in_(flows)))
    session.execute(delete(Link).where(Link.system.in_(syst)))
    session.execute(delete(RecordIndex).where(RecordIndex.system.in_(syst)))
