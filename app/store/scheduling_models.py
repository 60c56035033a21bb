"""ORM classes of the scheduling feature's tables (DDL in ``schema_scheduling``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.store.models import Base, UTCDateTime, utcnow


class AlertState(Base):
    """One problem the alert monitor knows about: active until its condition clears."""

    __tablename__ = "alert_state"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    condition: Mapped[str] = mapped_column(String(50))
    flow_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AlertEvent(Base):
    """A message to send: a problem started or resolved. Kept until every channel took it."""

    __tablename__ = "alert_events"
    __table_args__ = (Index("ix_alert_events_unsent", "sent_at", "suppressed"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # problem | resolved
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    channels_done: Mapped[list[Any]] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False)


class AlertSignal(Base):
    """A time another part of the app reports: a webhook arrived, a credential expires."""

    __tablename__ = "alert_signals"

    kind: Mapped[str] = mapped_column(String(30), primary_key=True)  # webhook | credential
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
