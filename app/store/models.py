"""SQLAlchemy ORM models of the local store.

The schema itself is created and changed only by ``app.store.migrations``; these classes
describe it for queries. ``tests/store/test_migrations.py`` checks that the two agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC in SQLite and always read back timezone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use app.store.models.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class ConnectionProfile(Base):
    """A configured external system. Settings only: secrets live in the keyring."""

    __tablename__ = "connection_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Names of the secret fields that have a value in the keyring (never the values).
    secret_fields: Mapped[list[Any]] = mapped_column(JSON, default=list)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_test_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_test_ok: Mapped[bool | None] = mapped_column(Boolean)
    last_test_message: Mapped[str | None] = mapped_column(Text)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Flow(Base):
    """Source stream -> mapping -> destination stream, with a mode and a schedule."""

    __tablename__ = "flows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    source_profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("connection_profiles.id", ondelete="RESTRICT")
    )
    source_stream: Mapped[str] = mapped_column(String(100), default="")
    dest_profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("connection_profiles.id", ondelete="RESTRICT")
    )
    dest_stream: Mapped[str] = mapped_column(String(100), default="")
    mode: Mapped[str] = mapped_column(String(20), default="incremental")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    schedule: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ownership: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    mappings: Mapped[list[Mapping]] = relationship(back_populates="flow")


class Mapping(Base):
    """One saved version of a flow's field mapping (rules as JSON)."""

    __tablename__ = "mappings"
    __table_args__ = (UniqueConstraint("flow_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    flow: Mapped[Flow] = relationship(back_populates="mappings")


class Run(Base):
    """One execution of a flow."""

    __tablename__ = "runs"
    __table_args__ = (
        Index("ix_runs_flow_started", "flow_id", "started_at"),
        Index("ix_runs_job", "job_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flow_id: Mapped[int | None] = mapped_column(ForeignKey("flows.id", ondelete="SET NULL"))
    trigger: Mapped[str] = mapped_column(String(20), default="manual")
    triggered_by: Mapped[str] = mapped_column(String(100), default="")
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(30), default="running")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_count: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    parked_count: Mapped[int] = mapped_column(Integer, default=0)
    conflict_count: Mapped[int] = mapped_column(Integer, default=0)
    cursor_before: Mapped[str | None] = mapped_column(Text)
    cursor_after: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    # the runs of one job (a date-range re-sync in chunks) share it; else the run's own id
    job_id: Mapped[int | None] = mapped_column(Integer)


class RecordOutcome(Base):
    """What happened to one record in one attempt of one run."""

    __tablename__ = "record_outcomes"
    __table_args__ = (
        Index("ix_outcomes_run", "run_id"),
        Index("ix_outcomes_key", "entity", "record_key"),
        Index("ix_outcomes_status", "status"),
        Index("ix_outcomes_flow", "flow_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    flow_id: Mapped[int | None] = mapped_column(Integer)
    replay_of: Mapped[int | None] = mapped_column(Integer)
    entity: Mapped[str] = mapped_column(String(50))
    record_key: Mapped[str] = mapped_column(String(200))
    golden_id: Mapped[str | None] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    payload_hash: Mapped[str | None] = mapped_column(String(64))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    destination_id: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    source_payload: Mapped[str | None] = mapped_column(Text)
    sent_payload: Mapped[str | None] = mapped_column(Text)
    response_payload: Mapped[str | None] = mapped_column(Text)


class Link(Base):
    """Cross-reference: (entity, system, external id) <-> golden id."""

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("entity", "system", "external_id"),
        Index("ix_links_golden", "golden_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(String(50))
    system: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str] = mapped_column(String(200))
    golden_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditEntry(Base):
    """Who changed what, when: before/after with secrets redacted."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    os_user: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[str] = mapped_column(String(100), default="")
    object_name: Mapped[str] = mapped_column(String(200), default="")
    diff: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Setting(Base):
    """An application setting (non-secret), as JSON."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)


class FlowState(Base):
    """Where an incremental flow stands: its cursor advances only past acknowledged records."""

    __tablename__ = "flow_state"

    flow_id: Mapped[int] = mapped_column(
        ForeignKey("flows.id", ondelete="CASCADE"), primary_key=True
    )
    cursor: Mapped[str | None] = mapped_column(Text)
    last_run_id: Mapped[int | None] = mapped_column(Integer)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DeliveryState(Base):
    """The last payload a flow delivered for a golden record (for skip-unchanged and diffs)."""

    __tablename__ = "delivery_state"
    __table_args__ = (Index("ix_delivery_record_key", "flow_id", "record_key"),)

    flow_id: Mapped[int] = mapped_column(
        ForeignKey("flows.id", ondelete="CASCADE"), primary_key=True
    )
    golden_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    record_key: Mapped[str] = mapped_column(String(200))
    dest_id: Mapped[str | None] = mapped_column(String(200))
    payload_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # set when a later attempt failed: the record must be sent again, never skipped
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ParkedRecord(Base):
    """The retry queue: a record that failed, kept with its source payload for replay."""

    __tablename__ = "parked_records"
    __table_args__ = (
        Index("ix_parked_flow_status", "flow_id", "status"),
        Index("ix_parked_key", "flow_id", "record_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    outcome_id: Mapped[int | None] = mapped_column(Integer)
    record_key: Mapped[str] = mapped_column(String(200))
    golden_id: Mapped[str | None] = mapped_column(String(36))
    source_payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default="open")
    first_failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # status "dismissed": taken out of the queue undelivered, by whom and why
    dismissed_by: Mapped[str | None] = mapped_column(String(100))
    dismiss_reason: Mapped[str | None] = mapped_column(Text)


class Conflict(Base):
    """Both sides changed a field: the owner's value was kept and this row says so."""

    __tablename__ = "conflicts"
    __table_args__ = (Index("ix_conflicts_run", "run_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    flow_id: Mapped[int | None] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    golden_id: Mapped[str] = mapped_column(String(36))
    record_key: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(100))
    source_value: Mapped[str | None] = mapped_column(Text)
    kept_value: Mapped[str | None] = mapped_column(Text)
    winner: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PayloadDictionary(Base):
    """A preset dictionary that run-log payloads are compressed with (migration v16)."""

    __tablename__ = "payload_dictionaries"
    __table_args__ = (Index("ix_payload_dictionaries_flow", "flow_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flow_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def _partial(name: str, column: str) -> Index:
    """An index without the NULLs (migration v8): most records lack most business keys."""
    return Index(name, column, sqlite_where=text(f"{column} IS NOT NULL"))


class RecordIndex(Base):
    """Business keys of every record the engine has read, for search (names via FTS5)."""

    __tablename__ = "record_index"
    __table_args__ = (
        UniqueConstraint("entity", "system", "record_key"),
        Index("ix_record_index_golden", "golden_id"),
        _partial("ix_record_index_email", "email"),
        _partial("ix_record_index_phone", "phone"),
        _partial("ix_record_index_vin", "vin"),
        _partial("ix_record_index_stock", "stock_number"),
        _partial("ix_record_index_deal", "deal_number"),
        _partial("ix_record_index_ro", "ro_number"),
        _partial("ix_record_index_customer", "customer_number"),
        Index("ix_record_index_key", "record_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(String(50))
    system: Mapped[str] = mapped_column(String(100))
    record_key: Mapped[str] = mapped_column(String(200))
    golden_id: Mapped[str | None] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    vin: Mapped[str | None] = mapped_column(String(17))
    stock_number: Mapped[str | None] = mapped_column(String(50))
    deal_number: Mapped[str | None] = mapped_column(String(50))
    ro_number: Mapped[str | None] = mapped_column(String(50))
    customer_number: Mapped[str | None] = mapped_column(String(50))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def table_of(model: type[Base]) -> Table:
    """The Core table behind a model: bulk inserts through it skip the ORM's per-row work."""
    return cast(Table, model.__table__)
