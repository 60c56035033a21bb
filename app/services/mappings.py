"""Mapping versions: list, view, diff, save (validated, audited with a readable diff),
restore (as a new version), export to a file and import from one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.mapping import diff, mapping_file
from app.mapping.catalog import validate_rule
from app.mapping.drift import Snapshot
from app.mapping.model import Mapping
from app.services import audit
from app.services.errors import ValidationError
from app.store import Store
from app.store.errors import NotFoundError
from app.store.models import Flow, utcnow
from app.store.models import Mapping as MappingRow


@dataclass(frozen=True)
class MappingVersion:
    flow_id: int
    version: int
    mapping: Mapping
    comment: str
    created_by: str
    created_at: datetime

    @property
    def rule_count(self) -> int:
        return len(self.mapping.rules)


@dataclass(frozen=True)
class SaveResult:
    version: int
    changes: list[str]  # readable diff lines; [] when nothing changed (no new version)
    created: bool


def flow_row(session: Session, ref: str | int) -> Flow:
    """A flow by id, slug or name."""
    row = None
    if isinstance(ref, int) or str(ref).isdigit():
        row = session.get(Flow, int(ref))
    if row is None:
        row = session.scalar(select(Flow).where((Flow.slug == str(ref)) | (Flow.name == str(ref))))
    if row is None:
        raise NotFoundError(f"There is no flow '{ref}'.")
    return row


def _view(row: MappingRow) -> MappingVersion:
    return MappingVersion(
        row.flow_id,
        row.version,
        Mapping.from_json(row.rules),
        row.comment,
        row.created_by,
        row.created_at,
    )


def validate(mapping: Mapping, required_targets: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Everything that must be fixed before ``mapping`` may be saved."""
    problems: list[str] = []
    seen: set[str] = set()
    for rule in mapping.rules:
        if rule.target in seen:
            problems.append(f"{rule.target}: mapped twice; keep one rule per target field.")
        seen.add(rule.target)
        problems += validate_rule(rule)
    for target in required_targets:
        if target not in seen:
            problems.append(f"{target}: the destination requires this field; map it.")
    if not mapping.rules:
        problems.append("The mapping has no rules.")
    return problems


class MappingService:
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- reading -----------------------------------------------------------------------
    def versions(self, flow_ref: str | int) -> list[MappingVersion]:
        """Every saved version of the flow's mapping, newest first."""
        with self.store.session() as s:
            flow = flow_row(s, flow_ref)
            rows = s.scalars(
                select(MappingRow)
                .where(MappingRow.flow_id == flow.id)
                .order_by(MappingRow.version.desc())
            ).all()
            return [_view(r) for r in rows]

    def get(self, flow_ref: str | int, version: int | None = None) -> MappingVersion:
        """One version (the latest when ``version`` is None)."""
        with self.store.session() as s:
            flow = flow_row(s, flow_ref)
            row = self._row(s, flow, version)
            if row is None:
                raise NotFoundError(
                    f"The flow '{flow.name}' has no mapping"
                    + (f" version {version}." if version else " yet.")
                )
            return _view(row)

    @staticmethod
    def _row(session: Session, flow: Flow, version: int | None) -> MappingRow | None:
        query = select(MappingRow).where(MappingRow.flow_id == flow.id)
        if version is not None:
            query = query.where(MappingRow.version == version)
        return session.scalar(query.order_by(MappingRow.version.desc()).limit(1))

    def diff(self, flow_ref: str | int, old: int, new: int) -> list[diff.RuleChange]:
        """What changed from version ``old`` to version ``new``, rule by rule."""
        return diff.compare(self.get(flow_ref, old).mapping, self.get(flow_ref, new).mapping)

    # --- writing -----------------------------------------------------------------------
    def save(
        self,
        flow_ref: str | int,
        mapping: Mapping,
        *,
        comment: str = "",
        required_targets: list[str] | tuple[str, ...] = (),
        source_snapshot: Snapshot | None = None,
        action: str = "save_mapping",
    ) -> SaveResult:
        """Validate, then store a new version (none if nothing changed) and audit it with a
        readable diff. ``source_snapshot`` (the fields the editor saw) becomes the drift
        baseline of the new version."""
        problems = validate(mapping, required_targets)
        if problems:
            raise ValidationError(
                "The mapping cannot be saved yet.",
                {str(i): p for i, p in enumerate(problems, 1)},
            )
        with self.store.session() as s:
            flow = flow_row(s, flow_ref)
            latest = self._row(s, flow, None)
            old = Mapping.from_json(latest.rules) if latest else None
            if old is not None and old.to_json() == mapping.to_json():
                return SaveResult(latest.version if latest else 0, [], False)
            version = (
                int(
                    s.scalar(
                        select(func.coalesce(func.max(MappingRow.version), 0)).where(
                            MappingRow.flow_id == flow.id
                        )
                    )
                    or 0
                )
                + 1
            )
            s.add(
                MappingRow(
                    flow_id=flow.id,
                    version=version,
                    rules=mapping.to_json(),
                    comment=comment,
                    created_by=audit.current_os_user(),
                    created_at=utcnow(),
                )
            )
            changes = diff.describe(old, mapping)
            audit.record(
                s,
                action,
                "mapping",
                object_id=flow.slug,
                object_name=f"{flow.name} v{version}",
                before={"version": latest.version if latest else 0},
                after={"version": version},
                extra={"diff": changes, "comment": comment},
            )
            if source_snapshot is not None:
                from app.services import schema_drift

                schema_drift.record(
                    s, flow.id, "source", source_snapshot, origin="editor", version=version
                )
            return SaveResult(version, changes, True)

    def restore(self, flow_ref: str | int, version: int, *, comment: str = "") -> SaveResult:
        """Make an old version current again, as a new version (history is never rewritten)."""
        old = self.get(flow_ref, version)
        return self.save(
            flow_ref,
            old.mapping,
            comment=comment or f"restored version {version}",
            action="restore_mapping",
        )

    # --- files -------------------------------------------------------------------------
    def export(self, flow_ref: str | int, path: Path, version: int | None = None) -> int:
        """Write a mapping file; returns the version written."""
        with self.store.session() as s:
            flow = flow_row(s, flow_ref)
            name, src, dst = flow.name, flow.source_stream, flow.dest_stream
        chosen = self.get(flow_ref, version)
        data = mapping_file.to_json(
            chosen.mapping,
            flow_name=name,
            source=src,
            dest=dst,
            comment=f"version {chosen.version}: {chosen.comment}",
        )
        mapping_file.write(path, data)
        return chosen.version

    @staticmethod
    def read_file(path: Path) -> mapping_file.MappingFile:
        """A mapping file with the problems found in it (nothing is saved)."""
        return mapping_file.read(path)

    def import_file(
        self, flow_ref: str | int, path: Path, *, comment: str = ""
    ) -> tuple[SaveResult, list[str]]:
        """Save the file's mapping as the flow's new version; returns it and warnings (a
        file made for other streams). A file with problems is refused with all of them."""
        parsed = mapping_file.read(path)
        if parsed.problems:
            raise ValidationError(
                f"{path.name} cannot be imported.",
                {str(i): p for i, p in enumerate(parsed.problems, 1)},
            )
        warnings: list[str] = []
        with self.store.session() as s:
            flow = flow_row(s, flow_ref)
            for label, mine, theirs in (
                ("source", flow.source_stream, parsed.source_stream),
                ("destination", flow.dest_stream, parsed.dest_stream),
            ):
                if theirs and mine != theirs:
                    warnings.append(
                        f"The file was made for the {label} '{theirs}'; this flow uses '{mine}'."
                    )
        result = self.save(
            flow_ref,
            parsed.mapping,
            comment=comment or f"imported from {path.name}",
            action="import_mapping",
        )
        return result, warnings

    def summary(self) -> list[dict[str, Any]]:
        """Every flow with its current mapping version (for the Mappings screen)."""
        with self.store.session() as s:
            flows = s.scalars(select(Flow).order_by(Flow.name)).all()
            out = []
            for f in flows:
                latest = self._row(s, f, None)
                out.append(
                    {
                        "flow_id": f.id,
                        "slug": f.slug,
                        "name": f.name,
                        "source_profile_id": f.source_profile_id,
                        "source_stream": f.source_stream,
                        "dest_profile_id": f.dest_profile_id,
                        "dest_stream": f.dest_stream,
                        "version": latest.version if latest else 0,
                        "rules": len((latest.rules or {}).get("rules", [])) if latest else 0,
                        "saved_at": latest.created_at if latest else None,
                        "saved_by": latest.created_by if latest else "",
                        "comment": latest.comment if latest else "",
                    }
                )
            return out
