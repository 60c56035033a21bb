"""ORM class of the schema snapshots behind schema-drift alerts (DDL: schema_mapping.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.store.models import Base, UTCDateTime, utcnow


class SchemaSnapshot(Base):
    """A system's field list for one flow side as seen at a run (or when a mapping was
    saved). A run whose fields look the same only moves ``last_seen_at``."""

    __tablename__ = "schema_snapshots"
    __table_args__ = (Index("ix_schema_snapshots_flow", "flow_id", "side", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    side: Mapped[str] = mapped_column(String(12))  # source | destination
    origin: Mapped[str] = mapped_column(String(20), default="run")  # run | editor
    run_id: Mapped[int | None] = mapped_column(Integer)
    mapping_version: Mapped[int | None] = mapped_column(Integer)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    rows_seen: Mapped[int] = mapped_column(Integer, default=0)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
