"""ORM classes of the matching tables (DDL in ``schema_matching``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.store.models import Base, UTCDateTime, utcnow


class MatchRecord(Base):
    """A snapshot of one source record (kept so merges can be shown and undone)."""

    __tablename__ = "match_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system: Mapped[str] = mapped_column(String(100))
    system_label: Mapped[str] = mapped_column(String(200), default="")
    system_kind: Mapped[str] = mapped_column(String(20), default="")
    external_id: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(300), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_updated_at: Mapped[str] = mapped_column(String(40), default="")
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MatchScan(Base):
    __tablename__ = "match_scans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    records: Mapped[int] = mapped_column(Integer, default=0)
    pairs: Mapped[int] = mapped_column(Integer, default=0)
    candidates: Mapped[int] = mapped_column(Integer, default=0)
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    model: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    timings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class MatchCandidate(Base):
    """A cluster of records that may be one customer, waiting in the review queue."""

    __tablename__ = "match_candidates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("match_scans.id", ondelete="SET NULL"))
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="open")
    systems: Mapped[str] = mapped_column(String(300), default="")
    size: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300), default="")
    record_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reasons: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(100))


class MatchPair(Base):
    __tablename__ = "match_pairs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("match_candidates.id", ondelete="CASCADE"))
    a_record: Mapped[int] = mapped_column(Integer)
    b_record: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[str] = mapped_column(Text, default="")


class MatchDecision(Base):
    """'Not a duplicate': the pair never comes back to the queue."""

    __tablename__ = "match_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system_a: Mapped[str] = mapped_column(String(100))
    external_a: Mapped[str] = mapped_column(String(200))
    system_b: Mapped[str] = mapped_column(String(100))
    external_b: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(20), default="not_duplicate")
    decided_by: Mapped[str] = mapped_column(String(100), default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GoldenRecord(Base):
    """The surviving customer: field values and where each came from."""

    __tablename__ = "golden_records"

    golden_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    entity: Mapped[str] = mapped_column(String(50))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sources: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Merge(Base):
    """One merge, with the exact links and golden records it replaced (for unmerge)."""

    __tablename__ = "merges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    golden_id: Mapped[str] = mapped_column(String(36))
    entity: Mapped[str] = mapped_column(String(50))
    candidate_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300), default="")
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    merged_by: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="merged")
    record_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    overrides: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    propagation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    undone_by: Mapped[str | None] = mapped_column(String(100))
