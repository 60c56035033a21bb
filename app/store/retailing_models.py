"""ORM class of the digital-retailing inbox (DDL in ``schema_retailing``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.store.models import Base, UTCDateTime, utcnow


class RetailingJacket(Base):
    """The newest version seen of one deal jacket a digital-retailing connection received
    (webhook or poll), stripped of sensitive data before it was stored."""

    __tablename__ = "retailing_jackets"
    __table_args__ = (
        UniqueConstraint("system", "deal_key"),
        Index("ix_retailing_jackets_seq", "system", "seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system: Mapped[str] = mapped_column(String(36))  # the connection's uid
    deal_key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)  # -1: the tool numbers no versions
    stamp: Mapped[str] = mapped_column(String(40), default="")  # process_date_time
    seq: Mapped[int] = mapped_column(Integer)  # arrival order of stored versions
    event_id: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RetailingSequence(Base):
    """The last arrival number a connection gave: numbers only grow, even when the
    jacket that had the highest one is removed (a stream's cursor may be past it)."""

    __tablename__ = "retailing_sequence"

    system: Mapped[str] = mapped_column(String(36), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)
