"""A step's settings form, generated from the transform's declared parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from app.mapping.catalog import CATALOG, ParamSpec, validate_step
from app.mapping.model import Step


class StepForm(QWidget):
    """Edits one step's params; emits ``changed(Step)`` when a value is committed."""

    changed = Signal(object)

    def __init__(
        self,
        step: Step,
        edit_table: Callable[[dict[str, str]], dict[str, str] | None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.step = step
        self.edit_table = edit_table
        self.spec = CATALOG.get(step.name)
        self.editors: dict[str, QWidget] = {}
        form = QFormLayout(self)
        form.setContentsMargins(0, 4, 0, 0)
        if self.spec is None:
            form.addRow(QLabel(f"Unknown transform '{step.name}'."))
            return
        about = QLabel(
            self.spec.description + (f"  e.g. {self.spec.example}" if self.spec.example else "")
        )
        about.setObjectName("Muted")
        about.setWordWrap(True)
        form.addRow(about)
        for p in self.spec.params:
            w = self._editor(p, step.params.get(p.name, p.default))
            w.setToolTip(p.help)
            self.editors[p.name] = w
            form.addRow(p.label + (" *" if p.required else ""), w)
        self.problem = QLabel()
        self.problem.setObjectName("FieldError")
        self.problem.setWordWrap(True)
        form.addRow(self.problem)
        self._show_problems()

    def _editor(self, p: ParamSpec, value: Any) -> QWidget:
        if p.type == "boolean":
            box = QCheckBox()
            box.setChecked(bool(value))
            box.toggled.connect(lambda _v: self._commit())
            return box
        if p.type == "choice":
            combo = QComboBox()
            combo.addItems(list(p.choices))
            combo.setCurrentText(str(value if value is not None else p.choices[0]))
            combo.currentTextChanged.connect(lambda _t: self._commit())
            return combo
        if p.type == "table":
            row = QWidget()
            lay = QHBoxLayout(row)
            lay.setContentsMargins(0, 0, 0, 0)
            table = dict(value or {})
            label = QLabel(f"{len(table)} code(s)")
            button = QPushButton("Edit table…")
            button.setObjectName("edit_lookup_table")
            lay.addWidget(label)
            lay.addWidget(button)
            lay.addStretch(1)
            row.setProperty("table", table)
            row.setProperty("label", label)

            def edit() -> None:
                if self.edit_table is None:
                    return
                result = self.edit_table(dict(row.property("table") or {}))
                if result is not None:
                    row.setProperty("table", result)
                    label.setText(f"{len(result)} code(s)")
                    self._commit()

            button.clicked.connect(edit)
            return row
        line = QLineEdit("" if value is None else str(value))
        if p.type == "integer":
            line.setPlaceholderText("a whole number")
        if p.type == "date_format":
            line.setPlaceholderText("%m/%d/%Y")
        line.editingFinished.connect(self._commit)
        line.textChanged.connect(lambda _t: self._show_problems(self.current()))
        return line

    def current(self) -> Step:
        params: dict[str, Any] = {}
        assert self.spec is not None
        for p in self.spec.params:
            w = self.editors[p.name]
            value: Any
            if isinstance(w, QCheckBox):
                value = w.isChecked()
            elif isinstance(w, QComboBox):
                value = w.currentText()
            elif isinstance(w, QLineEdit):
                text = w.text()
                if p.type == "integer":
                    value = int(text) if text.strip().lstrip("-").isdigit() else (text or None)
                else:
                    value = text if (text or p.default == "") else None
            else:
                value = w.property("table") or {}
            if value is None or (value == p.default and not p.required):
                continue
            params[p.name] = value
        return Step(self.step.name, params)

    def _show_problems(self, step: Step | None = None) -> None:
        problems = validate_step(step or self.step)
        self.problem.setText("\n".join(problems))
        self.problem.setVisible(bool(problems))

    def _commit(self) -> None:
        step = self.current()
        self._show_problems(step)
        if step != self.step:
            self.step = step
            self.changed.emit(step)
