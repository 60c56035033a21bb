"""The Mappings table: one row per flow with its mapping version and drift badge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.services.schema_drift import FlowDrift
from app.ui.formatting import full_time, relative_time
from app.ui.icons import icon
from app.ui.theme import STATUS_ICONS, Status, status_colour

Index = QModelIndex | QPersistentModelIndex


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


class MappingsTableModel(QAbstractTableModel):
    COLUMNS = ("Flow", "Source → destination", "Version", "Rules", "Saved", "Schema drift")

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[MappingRowView] = []

    def set_rows(self, rows: list[MappingRowView]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        col = index.column()
        status, text, tip = drift_badge(r.drift)
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                r.name,
                r.route,
                f"v{r.version}" if r.version else "none",
                str(r.rules),
                relative_time(r.saved_at) if r.saved_at else "never",
                text,
            )[col]
        if role == Qt.ItemDataRole.UserRole:  # sort keys
            return (
                r.name,
                r.route,
                r.version,
                r.rules,
                str(r.saved_at or ""),
                ["error", "warning", "unknown", "ok"].index(status.value)
                if status.value in ("error", "warning", "unknown", "ok")
                else 9,
            )[col]
        if col == 5 and role == Qt.ItemDataRole.DecorationRole:
            return icon(STATUS_ICONS[status], status_colour(status))
        if col == 5 and role == Qt.ItemDataRole.ForegroundRole:
            return status_colour(status)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 5:
                return tip
            if col == 4 and r.saved_at:
                return f"{full_time(r.saved_at)} by {r.saved_by}\n{r.comment}"
        return None
