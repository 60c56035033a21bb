"""Auto-map suggestions, each with a check box to accept it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from app.mapping.automap import Suggestion
from app.mapping.diff import step_text
from app.ui.icons import icon
from app.ui.mapping_editor.table_model import Index, TableModel
from app.ui.theme import STATUS_ICONS, Status, status_colour


class SuggestionsModel(TableModel):
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
