"""What the "Publish now" panel shows: each feed with its last publication, and the units
the last run left out with the reason (plain dataclasses; no Qt)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.feeds.config import CHANNEL_LABELS, FeedConfig
from app.feeds.publish import list_feeds
from app.services.profiles import ProfileService
from app.store import Store
from app.store.errors import NotFoundError
from app.store.models import RecordOutcome, Run


@dataclass(frozen=True)
class FeedRow:
    slug: str
    name: str
    channel: str
    channel_label: str
    destination: str
    mode: str
    interval_min: int
    last_run_id: int | None
    last_status: str | None  # succeeded | completed_with_errors | failed | running
    last_at: datetime | None
    listed: int
    left_out: int
    error: str | None


@dataclass(frozen=True)
class LeftOut:
    vin: str
    reason: str


def feed_rows(store: Store) -> list[FeedRow]:
    profiles = ProfileService(store)
    out = []
    for info in list_feeds(store):
        channel = FeedConfig.channel_of(info.options)
        try:
            dest = profiles.get(info.dest_profile_id).name if info.dest_profile_id else "—"
        except NotFoundError:
            dest = "(deleted connection)"
        with store.session() as s:
            run = s.scalars(
                select(Run).where(Run.flow_id == info.id).order_by(Run.id.desc()).limit(1)
            ).first()
            listed = run.created_count + run.updated_count + run.unchanged_count if run else 0
            out.append(
                FeedRow(
                    slug=info.slug,
                    name=info.name,
                    channel=channel,
                    channel_label=CHANNEL_LABELS[channel],
                    destination=dest,
                    mode=info.mode,
                    interval_min=int(info.schedule.get("interval_s", 0)) // 60,
                    last_run_id=run.id if run else None,
                    last_status=run.status if run else None,
                    last_at=run.started_at if run else None,
                    listed=listed,
                    left_out=run.parked_count if run else 0,
                    error=run.error if run else None,
                )
            )
    return out


def left_out(store: Store, run_id: int, limit: int = 500) -> list[LeftOut]:
    with store.session() as s:
        rows = s.execute(
            select(RecordOutcome.record_key, RecordOutcome.error)
            .where(RecordOutcome.run_id == run_id, RecordOutcome.action == "reject")
            .order_by(RecordOutcome.id)
            .limit(limit)
        ).all()
    return [LeftOut(key, error or "") for key, error in rows]
