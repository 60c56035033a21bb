"""Flows and their mappings as the engine, the CLI and the UI see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select

from app.mapping.diff import describe as describe_changes
from app.mapping.model import Mapping
from app.services import audit
from app.services.errors import FlowHasParkedError, FlowNotFoundError
from app.store import Store
from app.store.models import ConnectionProfile, Flow, FlowState, ParkedRecord, Run, Setting, utcnow
from app.store.models import Mapping as MappingRow

# records the flow's next run reads again (app.services.conflicts keeps the queue)
REREAD_SETTING = "flow.reread.{}"


@dataclass(frozen=True)
class FlowDefinition:
    """What it takes to create or update a flow (used by the demo and by imports)."""

    slug: str
    name: str
    source_profile_id: int
    source_stream: str
    dest_profile_id: int
    dest_stream: str
    mapping: Mapping
    mode: str = "incremental"  # incremental | full | realtime
    ownership: dict[str, str] = field(default_factory=dict)  # field -> "destination"
    options: dict[str, Any] = field(default_factory=dict)
    schedule: dict[str, Any] = field(default_factory=dict)
    description: str = ""  # what it does, in words, and which protocol carries it


@dataclass(frozen=True)
class FlowInfo:
    id: int
    slug: str
    name: str
    source_profile_id: int | None
    source_stream: str
    dest_profile_id: int | None
    dest_stream: str
    mode: str
    enabled: bool
    ownership: dict[str, str]
    options: dict[str, Any]
    schedule: dict[str, Any]
    mapping: Mapping
    mapping_version: int
    cursor: str | None
    last_run_status: str | None
    last_run_at: Any
    description: str = ""


def _info(session: Any, row: Flow) -> FlowInfo:
    latest = session.scalar(
        select(MappingRow)
        .where(MappingRow.flow_id == row.id)
        .order_by(MappingRow.version.desc())
        .limit(1)
    )
    state = session.get(FlowState, row.id)
    last = session.scalar(
        select(Run)
        .where(Run.flow_id == row.id, Run.dry_run.is_(False))
        .order_by(Run.id.desc())
        .limit(1)
    )
    return FlowInfo(
        id=row.id,
        slug=row.slug,
        name=row.name,
        source_profile_id=row.source_profile_id,
        source_stream=row.source_stream,
        dest_profile_id=row.dest_profile_id,
        dest_stream=row.dest_stream,
        mode=row.mode,
        enabled=row.enabled,
        ownership=dict(row.ownership or {}),
        options=dict(row.options or {}),
        schedule=dict(row.schedule or {}),
        mapping=Mapping.from_json(latest.rules) if latest else Mapping(()),
        mapping_version=latest.version if latest else 0,
        cursor=state.cursor if state else None,
        last_run_status=last.status if last else None,
        last_run_at=last.started_at if last else None,
        description=row.description or "",
    )


def _snapshot(session: Any, row: Flow) -> dict[str, Any]:
    """What the audit log shows of a flow (connections by name; the mapping has its own
    entries, one per version)."""

    def end(profile_id: int | None, stream: str) -> str:
        profile = session.get(ConnectionProfile, profile_id) if profile_id else None
        return f"{profile.name if profile else '(none)'} · {stream}"

    return {
        "name": row.name,
        "description": row.description or "",
        "source": end(row.source_profile_id, row.source_stream),
        "destination": end(row.dest_profile_id, row.dest_stream),
        "mode": row.mode,
        "enabled": row.enabled,
        "ownership": dict(row.ownership or {}),
        "schedule": dict(row.schedule or {}),
        "options": dict(row.options or {}),
    }


class FlowService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def list(self) -> list[FlowInfo]:
        with self.store.session() as s:
            return [_info(s, r) for r in s.scalars(select(Flow).order_by(Flow.name)).all()]

    def get(self, ref: str | int) -> FlowInfo:
        """A flow by id, slug (``customers-dms-to-crm``) or name."""
        with self.store.session() as s:
            row = self._row(s, ref)
            return _info(s, row)

    def _row(self, session: Any, ref: str | int) -> Flow:
        row = None
        if isinstance(ref, int) or str(ref).isdigit():
            row = session.get(Flow, int(ref))
        if row is None:
            row = session.scalar(
                select(Flow).where((Flow.slug == str(ref)) | (Flow.name == str(ref)))
            )
        if row is None:
            known = ", ".join(session.scalars(select(Flow.slug).order_by(Flow.slug)).all())
            raise FlowNotFoundError(
                f"There is no flow '{ref}'.", hint=f"Known flows: {known or 'none yet'}."
            )
        return row

    def upsert(self, definition: FlowDefinition, *, comment: str = "") -> FlowInfo:
        """Create the flow, or update it in place; a changed mapping becomes a new version."""
        with self.store.session() as s:
            row = s.scalar(select(Flow).where(Flow.slug == definition.slug))
            created = row is None
            before = None if row is None else _snapshot(s, row)
            if row is None:
                row = Flow(slug=definition.slug, created_at=utcnow())
                s.add(row)
            row.name = definition.name
            row.description = definition.description
            row.source_profile_id = definition.source_profile_id
            row.source_stream = definition.source_stream
            row.dest_profile_id = definition.dest_profile_id
            row.dest_stream = definition.dest_stream
            row.mode = definition.mode
            row.ownership = dict(definition.ownership)
            row.options = dict(definition.options)
            if created or definition.schedule:
                row.schedule = dict(definition.schedule)
            row.updated_at = utcnow()
            s.flush()
            audit.record(
                s,
                "create" if created else "update",
                "flow",
                object_id=row.slug,
                object_name=row.name,
                before=before,
                after=_snapshot(s, row),
                extra={"comment": comment} if comment else None,
            )
            self._save_mapping(s, row, definition.mapping, comment or "saved with the flow")
            return _info(s, row)

    def save_mapping(self, ref: str | int, mapping: Mapping, *, comment: str = "") -> int:
        """Store a new version of the flow's mapping (if it changed); returns the version."""
        with self.store.session() as s:
            row = self._row(s, ref)
            return self._save_mapping(s, row, mapping, comment)

    @staticmethod
    def _save_mapping(session: Any, row: Flow, mapping: Mapping, comment: str) -> int:
        latest = session.scalar(
            select(MappingRow)
            .where(MappingRow.flow_id == row.id)
            .order_by(MappingRow.version.desc())
            .limit(1)
        )
        rules = mapping.to_json()
        if latest is not None and latest.rules == rules:
            return int(latest.version)
        version = (
            int(
                session.scalar(
                    select(func.coalesce(func.max(MappingRow.version), 0)).where(
                        MappingRow.flow_id == row.id
                    )
                )
            )
            + 1
        )
        session.add(
            MappingRow(
                flow_id=row.id,
                version=version,
                rules=rules,
                comment=comment,
                created_by=audit.current_os_user(),
                created_at=utcnow(),
            )
        )
        audit.record(
            session,
            "save_mapping",
            "mapping",
            object_id=row.slug,
            object_name=f"{row.name} v{version}",
            before={"rules": len(latest.rules.get("rules", [])) if latest else 0},
            after={"rules": len(rules["rules"])},
            extra={  # a readable rule-by-rule diff for the audit log
                "diff": describe_changes(
                    Mapping.from_json(latest.rules) if latest else None, mapping
                ),
                "comment": comment,
            },
        )
        return version

    def set_enabled(self, ref: str | int, enabled: bool) -> FlowInfo:
        """Pause (False) or resume a flow: a paused flow is not run by its schedule, nor
        republished on a sale; Sync now still runs it."""
        with self.store.session() as s:
            row = self._row(s, ref)
            if row.enabled != enabled:
                row.enabled = enabled
                row.schedule = {**dict(row.schedule or {}), "enabled": enabled}
                row.updated_at = utcnow()
                audit.record(
                    s,
                    "resume" if enabled else "pause",
                    "flow",
                    object_id=row.slug,
                    object_name=row.name,
                )
            return _info(s, row)

    def set_option(self, ref: str | int, key: str, value: Any) -> FlowInfo:
        """Set one of the flow's options (``None`` removes it), audited: e.g. its delete
        handling or its scheduled reconciliation."""
        with self.store.session() as s:
            row = self._row(s, ref)
            options = dict(row.options or {})
            before = {key: options.get(key)}
            if before[key] != value:
                if value is None:
                    options.pop(key, None)
                else:
                    options[key] = value
                row.options = options
                row.updated_at = utcnow()
                audit.record(
                    s, f"option:{key}", "flow", object_id=row.slug, object_name=row.name,
                    before=before, after={key: value},
                )  # fmt: skip
            return _info(s, row)

    def open_parked(self, ref: str | int) -> int:
        with self.store.session() as s:
            row = self._row(s, ref)
            return int(
                s.scalar(
                    select(func.count())
                    .select_from(ParkedRecord)
                    .where(ParkedRecord.flow_id == row.id, ParkedRecord.status == "open")
                )
                or 0
            )

    def delete(self, ref: str | int, *, force: bool = False) -> int:
        """Delete a flow with its mappings, cursor, schedule and retry queue; its runs stay
        in the log and the identity links stay (they belong to the systems). Refused
        while records wait in its retry queue, unless ``force``. Returns how many parked
        records were dropped."""
        parked = self.open_parked(ref)
        if parked and not force:
            raise FlowHasParkedError(
                f"'{ref}' has {parked:,} record(s) waiting in its retry queue; deleting it "
                "would drop them.",
                hint="Replay or fix them first, or delete anyway with --force.",
            )
        with self.store.session() as s:
            row = self._row(s, ref)
            audit.record(
                s,
                "delete",
                "flow",
                object_id=row.slug,
                object_name=row.name,
                before=_snapshot(s, row),
                extra={"parked_dropped": parked},
            )
            reread = s.get(Setting, REREAD_SETTING.format(row.id))
            if reread is not None:
                s.delete(reread)
            # the database's ON DELETE rules drop what belongs to the flow and keep its runs
            s.execute(delete(Flow).where(Flow.id == row.id))
            s.expunge(row)
        return parked
