"""The Mappings table: one row per flow with its mapping version and drift badge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.services.schema_drift import FlowDrift
from app.ui.formatting import full_time, relative_time
from app.ui.models.rows_model import Column, RowsTableModel
from app.ui.theme import Status


@dataclass(frozen=True)
class MappingRowView:
    flow_id: int
    name: str
    route: str
    version: int
    rules: int
    saved_at: Any
    saved_by: str
    comment: str
    drift: FlowDrift | None


def drift_badge(d: FlowDrift | None) -> tuple[Status, str, str]:
    """(status, short text, tooltip) for a flow's drift."""
    if d is None or not d.checked:
        return Status.UNKNOWN, "Not checked yet", "Fields are compared after the first run."
    if d.blocking:
        names = ", ".join(c.field for c in d.blocking)
        tip = "\n".join(
            f"{c.field}: {c.detail}" + (f" — renamed to '{c.suggestion}'?" if c.suggestion else "")
            for c in d.blocking
        )
        return (
            Status.ERROR,
            f"Blocked: {names}",
            tip + "\nThe flow stops until the mapping is fixed.",
        )
    if d.count:
        lines = [
            f"{side}: {c.field} {c.change.replace('_', ' ')} ({c.detail})"
            for side, drift in (("Source", d.source), ("Destination", d.destination))
            for c in drift.changes
        ]
        return Status.WARNING, f"{d.count} field change(s)", "\n".join(lines)
    return Status.OK, "No changes", "The fields are as they were when the mapping was saved."


_RANK = ("error", "warning", "unknown", "ok")


def _drift_rank(r: MappingRowView) -> int:
    """Sorts what is blocked first."""
    status = drift_badge(r.drift)[0].value
    return _RANK.index(status) if status in _RANK else 9


def _saved_tip(r: MappingRowView) -> str | None:
    return f"{full_time(r.saved_at)} by {r.saved_by}\n{r.comment}" if r.saved_at else None


class MappingsTableModel(RowsTableModel[MappingRowView]):
    COLUMNS = (
        Column("Flow", lambda r: r.name),
        Column("Source → destination", lambda r: r.route),
        Column("Version", lambda r: f"v{r.version}" if r.version else "none",
               sort=lambda r: r.version),
        Column("Rules", lambda r: str(r.rules), sort=lambda r: r.rules),
        Column("Saved", lambda r: relative_time(r.saved_at) if r.saved_at else "never",
               sort=lambda r: str(r.saved_at or ""), tip=_saved_tip),
        Column("Schema drift", lambda r: drift_badge(r.drift)[1],
               sort=_drift_rank,
               tip=lambda r: drift_badge(r.drift)[2], status=lambda r: drift_badge(r.drift)[0]),
    )  # fmt: skip
