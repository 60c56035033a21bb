"""Table models of the editor: source fields, target fields, the selected rule's chain,
the before/after preview, auto-map suggestions and a lookup table."""

from __future__ import annotations

from typing import Any

import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QMimeData, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from app.mapping.automap import Suggestion
from app.mapping.diff import step_text
from app.mapping.model import Mapping
from app.mapping.preview import Preview, TraceStep
from app.services.mapping_loader import FieldRow
from app.ui.icons import icon
from app.ui.theme import STATUS_ICONS, Status, status_colour

Index = QModelIndex | QPersistentModelIndex
FIELD_MIME = "application/x-rooftop-field"
NAME_ROLE = Qt.ItemDataRole.UserRole + 1
_ROOT = QModelIndex()


class _Table(QAbstractTableModel):
    COLUMNS: tuple[str, ...] = ()

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else self._count()

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def _count(self) -> int:
        return 0


class SourceFieldsModel(_Table):
    """Source fields with their type and sample values; drag a row onto a target."""

    COLUMNS = ("Source field", "Type", "Sample values")

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[FieldRow] = []
        self.samples: dict[str, str] = {}
        self.problems: dict[str, str] = {}  # field -> drift text (missing / renamed?)
        self.used: set[str] = set()

    def set_data(
        self, fields: list[FieldRow], sample: pd.DataFrame, problems: dict[str, str]
    ) -> None:
        self.beginResetModel()
        self.fields = list(fields)
        names = {f.name for f in fields}
        for missing in problems:
            if missing not in names:
                self.fields.append(FieldRow(missing, "missing"))
        self.problems = dict(problems)
        self.samples = {}
        for f in self.fields:
            if f.name in sample.columns:
                values = [str(v) for v in pd.unique(sample[f.name].astype(str)) if str(v).strip()]
                self.samples[f.name] = " · ".join(values[:3]) if values else "(all empty)"
        self.endResetModel()

    def set_used(self, used: set[str]) -> None:
        self.used = used
        if self.fields:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.fields) - 1, 0))

    def _count(self) -> int:
        return len(self.fields)

    def row_of(self, name: str) -> int:
        return next((i for i, f in enumerate(self.fields) if f.name == name), -1)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        f = self.fields[index.row()]
        col = index.column()
        problem = self.problems.get(f.name)
        if role == NAME_ROLE:
            return f.name
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return f.name
            if col == 1:
                return f.kind
            return problem or self.samples.get(f.name, "")
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            if problem:
                return icon(STATUS_ICONS[Status.ERROR], status_colour(Status.ERROR))
            if f.name in self.used:
                return icon("mdi6.link-variant", status_colour(Status.OK))
            return icon("mdi6.circle-small", "#8a94a3")
        if role == Qt.ItemDataRole.ForegroundRole:
            if problem:
                return status_colour(Status.ERROR)
            if col == 2:
                return QColor("#6b7683")
        if role == Qt.ItemDataRole.ToolTipRole:
            return problem or f"{f.name} ({f.kind})\nSamples: {self.samples.get(f.name, 'none')}"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return [FIELD_MIME]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # type: ignore[override]
        data = QMimeData()
        if indexes:
            name = self.fields[indexes[0].row()].name
            data.setData(FIELD_MIME, name.encode())
            data.setText(name)
        return data


class TargetFieldsModel(_Table):
    """Target fields: type, required mark and what feeds them; drop a source here."""

    COLUMNS = ("Target field", "Type", "Mapped from")
    dropped = None  # set by the canvas: callable(source, target)

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[FieldRow] = []
        self.mapping = Mapping(())
        self.problems: dict[str, str] = {}

    def set_fields(self, fields: list[FieldRow]) -> None:
        self.beginResetModel()
        self.fields = list(fields)
        self.endResetModel()

    def set_mapping(self, mapping: Mapping, problems: dict[str, str]) -> None:
        self.mapping = mapping
        self.problems = problems
        known = {f.name for f in self.fields}
        extra = [r.target for r in mapping.rules if r.target not in known]
        if extra:  # rules for fields the destination does not declare (shown, flagged)
            self.beginResetModel()
            self.fields += [FieldRow(t, "unknown") for t in extra]
            self.endResetModel()
        elif self.fields:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.fields) - 1, 2))

    def rule_for(self, target: str) -> Any:
        return next((r for r in self.mapping.rules if r.target == target), None)

    def is_required(self, f: FieldRow) -> bool:
        r = self.rule_for(f.name)
        return f.required or bool(r and r.required)

    def _count(self) -> int:
        return len(self.fields)

    def row_of(self, name: str) -> int:
        return next((i for i, f in enumerate(self.fields) if f.name == name), -1)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        f = self.fields[index.row()]
        col = index.column()
        rule = self.rule_for(f.name)
        required = self.is_required(f)
        problem = self.problems.get(f.name)
        if role == NAME_ROLE:
            return f.name
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return f"{f.name} *" if required else f.name
            if col == 1:
                return f.kind
            if rule is None:
                if f.read_only:
                    return "set by the destination"
                return "NOT MAPPED — required" if required else ""
            src = " + ".join(rule.sources) if rule.sources else "(constant)"
            steps = len(rule.steps)
            return f"{src}" + (f"  ·  {steps} step{'s' if steps != 1 else ''}" if steps else "")
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            if problem or (required and rule is None):
                return icon(STATUS_ICONS[Status.ERROR], status_colour(Status.ERROR))
            if rule is not None:
                return icon(STATUS_ICONS[Status.OK], status_colour(Status.OK))
            return icon("mdi6.circle-outline", "#8a94a3")
        if role == Qt.ItemDataRole.ForegroundRole:
            if problem or (required and rule is None):
                return status_colour(Status.ERROR)
            if f.read_only or col == 1:
                return QColor("#6b7683")
        if role == Qt.ItemDataRole.FontRole and col == 0 and required:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [f"{f.name} ({f.kind})" + (" — required" if required else "")]
            if f.description:
                lines.append(f.description)
            if problem:
                lines.append(problem)
            if rule is not None:
                lines.append(" → ".join(step_text(s) for s in rule.steps) or "copied as is")
            return "\n".join(lines)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDropEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return [FIELD_MIME]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.LinkAction

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        return data.hasFormat(FIELD_MIME)

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        if not data.hasFormat(FIELD_MIME):
            return False
        target_row = parent.row() if parent.isValid() else row
        if target_row < 0 or target_row >= len(self.fields) or self.dropped is None:
            return False
        source = bytes(data.data(FIELD_MIME).data()).decode()
        self.dropped(source, self.fields[target_row].name)
        return True


class ChainModel(_Table):
    """The selected rule's steps with the value after each one for the chosen sample row."""

    COLUMNS = ("Step", "Value for the selected sample row")

    def __init__(self) -> None:
        super().__init__()
        self.trace: list[TraceStep] = []

    def set_trace(self, trace: list[TraceStep]) -> None:
        self.beginResetModel()
        self.trace = trace
        self.endResetModel()

    def _count(self) -> int:
        return len(self.trace)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        t = self.trace[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 0:
                return ("Input: " if index.row() == 0 else f"{index.row()}. ") + t.label
            return t.problem if t.problem and not t.value else (t.value if t.value else "(empty)")
        if role == Qt.ItemDataRole.ForegroundRole:
            if t.problem:
                return status_colour(Status.ERROR)
            if index.column() == 1 and not t.value:
                return QColor("#8a94a3")
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 1 and t.problem:
            return icon(STATUS_ICONS[Status.ERROR], status_colour(Status.ERROR))
        if role == Qt.ItemDataRole.ToolTipRole and t.problem:
            return t.problem
        return None


class PreviewModel(_Table):
    """First sample rows: key, then each target's mapped value; invalid cells in red with
    the reason as tooltip."""

    def __init__(self) -> None:
        super().__init__()
        self.preview: Preview | None = None
        self.key_column = ""
        self.columns: list[str] = []

    def set_preview(self, preview: Preview, key_column: str) -> None:
        self.beginResetModel()
        self.preview = preview
        self.key_column = key_column
        self.columns = [str(c) for c in preview.after.columns]
        self.endResetModel()

    def _count(self) -> int:
        return 0 if self.preview is None else len(self.preview.after)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() or self.preview is None else len(self.columns) + 1

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return f"{self.key_column} (source)" if section == 0 else self.columns[section - 1]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.preview is None:
            return None
        row, col = index.row(), index.column()
        if col == 0:
            if role == Qt.ItemDataRole.DisplayRole:
                before = self.preview.before
                return str(before[self.key_column].iloc[row]) if self.key_column in before else ""
            return None
        target = self.columns[col - 1]
        problem = self.preview.problems.get((row, target))
        if role == Qt.ItemDataRole.DisplayRole:
            value = str(self.preview.after[target].iloc[row])
            return f"⚠ {problem.split(':')[0]}" if problem and not value else value
        if role == Qt.ItemDataRole.BackgroundRole and problem:
            c = status_colour(Status.ERROR)
            c.setAlpha(40)
            return c
        if role == Qt.ItemDataRole.ForegroundRole and problem:
            return status_colour(Status.ERROR)
        if role == Qt.ItemDataRole.ToolTipRole:
            if problem:
                return problem
            src = self.preview.before
            return None if src.empty else f"Source row {row + 1}"
        return None


class SuggestionsModel(_Table):
    """Auto-map suggestions with a check box each (checked = accept)."""

    COLUMNS = ("Accept", "Source", "Target", "Confidence", "Transforms", "Why")

    def __init__(self, suggestions: list[Suggestion]) -> None:
        super().__init__()
        self.suggestions = suggestions
        self.accepted = [s.confidence >= 0.8 for s in suggestions]

    def _count(self) -> int:
        return len(self.suggestions)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        s = self.suggestions[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.CheckStateRole and col == 0:
            return Qt.CheckState.Checked if self.accepted[index.row()] else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                "",
                s.source,
                s.target,
                f"{s.percent}%",
                " → ".join(step_text(x) for x in s.steps) or "copy as is",
                s.why,
            )[col]
        if role == Qt.ItemDataRole.ForegroundRole and col == 3:
            level = (
                Status.OK
                if s.confidence >= 0.9
                else Status.WARNING
                if s.confidence >= 0.75
                else Status.ERROR
            )
            return status_colour(level)
        if role == Qt.ItemDataRole.DecorationRole and col == 3:
            level = Status.OK if s.confidence >= 0.9 else Status.WARNING
            return icon(STATUS_ICONS[level], status_colour(level))
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsUserCheckable if index.column() == 0 else base

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role == Qt.ItemDataRole.CheckStateRole and index.column() == 0:
            self.accepted[index.row()] = Qt.CheckState(value) == Qt.CheckState.Checked
            self.dataChanged.emit(index, index)
            return True
        return False

    def set_all(self, accepted: bool) -> None:
        self.accepted = [accepted] * len(self.suggestions)
        if self.suggestions:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.suggestions) - 1, 0))

    def chosen(self) -> list[Suggestion]:
        return [s for s, a in zip(self.suggestions, self.accepted, strict=True) if a]


class LookupModel(_Table):
    """An editable code-translation table: source value -> new value."""

    COLUMNS = ("Source value", "Becomes")

    def __init__(self, table: dict[str, str]) -> None:
        super().__init__()
        self.rows: list[list[str]] = [[k, v] for k, v in table.items()]

    def _count(self) -> int:
        return len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self.rows[index.row()][index.column()]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return super().flags(index) | Qt.ItemFlag.ItemIsEditable

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        self.rows[index.row()][index.column()] = str(value)
        self.dataChanged.emit(index, index)
        return True

    def add(self, code: str = "", value: str = "") -> int:
        self.beginInsertRows(_ROOT, len(self.rows), len(self.rows))
        self.rows.append([code, value])
        self.endInsertRows()
        return len(self.rows) - 1

    def remove(self, row: int) -> None:
        if 0 <= row < len(self.rows):
            self.beginRemoveRows(_ROOT, row, row)
            del self.rows[row]
            self.endRemoveRows()

    def table(self) -> dict[str, str]:
        return {k.strip(): v for k, v in self.rows if k.strip()}

    def problems(self) -> list[str]:
        seen: dict[str, int] = {}
        out = []
        for i, (k, _v) in enumerate(self.rows, 1):
            key = k.strip().upper()
            if not key:
                continue
            if key in seen:
                out.append(f"Row {i}: '{k}' is already in row {seen[key]}.")
            seen.setdefault(key, i)
        return out
