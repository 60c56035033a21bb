"""The canvas's two field tables: source fields (drag one) and target fields (drop it
here), with what maps to what and any drift problems."""

from __future__ import annotations

from typing import Any

import pandas as pd
from PySide6.QtCore import QMimeData, QModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from app.mapping.diff import step_text
from app.mapping.model import Mapping
from app.services.mapping_loader import FieldRow
from app.ui.icons import icon
from app.ui.mapping_editor.table_model import Index, TableModel
from app.ui.theme import STATUS_ICONS, Status, status_colour

FIELD_MIME = "application/x-rooftop-field"
NAME_ROLE = Qt.ItemDataRole.UserRole + 1


class SourceFieldsModel(TableModel):
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


class TargetFieldsModel(TableModel):
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
