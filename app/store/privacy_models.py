"""ORM classes of privacy requests (DDL in ``schema_privacy``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.store.models import Base, UTCDateTime, utcnow


class Tombstone(Base):
    """A keyed hash of one identifier of an erased person (never the identifier)."""

    __tablename__ = "privacy_tombstones"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_ref: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PrivacyRequest(Base):
    """An erasure or access request: who asked, when, the outcome -- under an opaque
    reference, never whom it was about."""

    __tablename__ = "privacy_requests"
    __table_args__ = (Index("ix_privacy_requests_at", "requested_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    action: Mapped[str] = mapped_column(String(20))  # erase | export
    status: Mapped[str] = mapped_column(String(20))  # erased | partly | exported
    requested_by: Mapped[str] = mapped_column(String(100), default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
