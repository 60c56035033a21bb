"""The editor's dialogs: auto-map suggestions and the lookup-table editor."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.mapping.automap import Suggestion
from app.ui.icons import icon
from app.ui.mapping_editor.lookup_model import LookupModel
from app.ui.mapping_editor.suggestions_model import SuggestionsModel


class AutoMapDialog(QDialog):
    """Each suggestion with its confidence; tick the ones to accept."""

    def __init__(self, suggestions: list[Suggestion], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Auto-map suggestions")
        self.resize(900, 480)
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"{len(suggestions)} suggestion(s) from field names and the DMS/CRM synonym list. "
            "Ticked ones (80 % or more) are accepted when you press Apply; tick or untick "
            "each one. Accepted suggestions replace nothing you mapped yourself."
            if suggestions
            else "No new suggestions: every target that looks mappable is mapped already."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.model = SuggestionsModel(suggestions)
        self.table = QTableView()
        self.table.setObjectName("suggestions")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        for col in range(5):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        all_on = QPushButton("Tick all")
        all_off = QPushButton("Untick all")
        all_on.clicked.connect(lambda: self.model.set_all(True))
        all_off.clicked.connect(lambda: self.model.set_all(False))
        row.addWidget(all_on)
        row.addWidget(all_off)
        row.addStretch(1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Apply | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Apply).setText("Apply ticked")
        buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row.addWidget(buttons)
        layout.addLayout(row)

    def set_accepted(self, row: int, accepted: bool) -> None:
        index = self.model.index(row, 0)
        state = Qt.CheckState.Checked if accepted else Qt.CheckState.Unchecked
        self.model.setData(index, state.value, Qt.ItemDataRole.CheckStateRole)

    def chosen(self) -> list[Suggestion]:
        return self.model.chosen()


class LookupDialog(QDialog):
    """Edit a code-translation table; 'Add values from the sample' lists the codes the
    source actually uses so none is forgotten."""

    def __init__(
        self,
        table: dict[str, str],
        sample_values: list[str],
        title: str = "Translate codes",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(520, 460)
        self.sample_values = sample_values
        layout = QVBoxLayout(self)
        hint = QLabel(
            "Each source value on the left becomes the value on the right. Matching ignores "
            "upper/lower case unless 'Match case' is on. Double-click a cell to edit."
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.model = LookupModel(table)
        self.view = QTableView()
        self.view.setObjectName("lookup_table")
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.view, 1)
        self.problem = QLabel()
        self.problem.setObjectName("FieldError")
        layout.addWidget(self.problem)
        row = QHBoxLayout()
        add = QPushButton(icon("mdi6.plus"), "Add row")
        add.clicked.connect(self._add)
        remove = QPushButton(icon("mdi6.minus"), "Remove row")
        remove.clicked.connect(self._remove)
        fill = QPushButton(icon("mdi6.table-arrow-left"), "Add values from the sample")
        fill.setObjectName("fill_from_sample")
        fill.clicked.connect(self.fill_from_sample)
        fill.setEnabled(bool(sample_values))
        for b in (add, remove, fill):
            row.addWidget(b)
        row.addStretch(1)
        layout.addLayout(row)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _add(self) -> None:
        row = self.model.add()
        self.view.edit(self.model.index(row, 0))

    def _remove(self) -> None:
        rows = (
            self.view.selectionModel().selectedRows()
            or self.view.selectionModel().selectedIndexes()
        )
        if rows:
            self.model.remove(rows[0].row())

    def fill_from_sample(self) -> int:
        have = {k.strip().upper() for k, _v in self.model.rows}
        added = 0
        for value in self.sample_values:
            if value.strip() and value.strip().upper() not in have:
                self.model.add(value, "")
                have.add(value.strip().upper())
                added += 1
        return added

    def _ok(self) -> None:
        problems = self.model.problems()
        empty = [k for k, v in self.model.rows if k.strip() and not v.strip()]
        if empty:
            problems.append(f"Say what {', '.join(repr(e) for e in empty[:3])} become(s).")
        if problems:
            self.problem.setText(" ".join(problems))
            return
        self.accept()

    def table(self) -> dict[str, str]:
        return self.model.table()


def distinct_values(sample: pd.DataFrame, columns: tuple[str, ...], limit: int = 60) -> list[str]:
    values: list[str] = []
    for c in columns:
        if c in sample.columns:
            values += [str(v) for v in pd.unique(sample[c].astype(str)) if str(v).strip()]
    return sorted(set(values))[:limit]
