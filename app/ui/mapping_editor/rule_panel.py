"""The right-hand panel: the selected rule's sources, its transform chain (add, reorder,
configure, remove) and the value after each step for one sample row."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.mapping.catalog import CATALOG
from app.mapping.model import Rule, Step
from app.mapping.preview import TraceStep
from app.ui.icons import icon
from app.ui.mapping_editor.chain_model import ChainModel
from app.ui.mapping_editor.step_form import StepForm


class RulePanel(QWidget):
    rule_changed = Signal(object, str)  # new Rule, undo text
    sample_row_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rule: Rule | None = None
        self.edit_table: Callable[[dict[str, str]], dict[str, str] | None] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        self.title = QLabel("Select a target field")
        self.title.setObjectName("RuleTitle")
        self.title.setStyleSheet("font-size: 12pt; font-weight: 600;")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        top = QHBoxLayout()
        self.required = QCheckBox("Required (a record without it is parked, not sent)")
        self.required.toggled.connect(self._required_toggled)
        top.addWidget(self.required)
        top.addStretch(1)
        top.addWidget(QLabel("Sample row"))
        self.sample_row = QSpinBox()
        self.sample_row.setMinimum(1)
        self.sample_row.setToolTip("Which sample record the values below are computed for.")
        self.sample_row.valueChanged.connect(lambda v: self.sample_row_changed.emit(v - 1))
        top.addWidget(self.sample_row)
        layout.addLayout(top)

        self.chain = ChainModel()
        self.chain_view = QTableView()
        self.chain_view.setObjectName("chain")
        self.chain_view.setModel(self.chain)
        self.chain_view.verticalHeader().hide()
        self.chain_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.chain_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.chain_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.chain_view.setShowGrid(False)
        header = self.chain_view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.chain_view.selectionModel().selectionChanged.connect(self._show_form)
        layout.addWidget(self.chain_view, 1)

        bar = QHBoxLayout()
        self.add_combo = QComboBox()
        self.add_combo.setObjectName("add_step_kind")
        for category in ("Text", "Contact", "Values", "Combine"):
            for spec in CATALOG.values():
                if spec.category == category:
                    self.add_combo.addItem(f"{category}: {spec.label}", spec.name)
        self.add_button = QPushButton(icon("mdi6.plus"), "Add step")
        self.add_button.clicked.connect(lambda: self.add_step(self.add_combo.currentData()))
        self.up_button = QPushButton(icon("mdi6.arrow-up"), "")
        self.up_button.setToolTip("Move the step up (Alt+Up)")
        self.up_button.setShortcut("Alt+Up")
        self.down_button = QPushButton(icon("mdi6.arrow-down"), "")
        self.down_button.setToolTip("Move the step down (Alt+Down)")
        self.down_button.setShortcut("Alt+Down")
        self.remove_button = QPushButton(icon("mdi6.delete-outline"), "")
        self.remove_button.setToolTip("Remove the step")
        self.up_button.clicked.connect(lambda: self.move_step(-1))
        self.down_button.clicked.connect(lambda: self.move_step(1))
        self.remove_button.clicked.connect(self.remove_step)
        bar.addWidget(self.add_combo, 1)
        for b in (self.add_button, self.up_button, self.down_button, self.remove_button):
            bar.addWidget(b)
        layout.addLayout(bar)
        self.form_holder = QVBoxLayout()
        layout.addLayout(self.form_holder)
        self.form: StepForm | None = None
        self.set_rule(None, [])

    # --- showing -----------------------------------------------------------------------
    def set_rule(self, rule: Rule | None, trace: list[TraceStep], target: str = "") -> None:
        keep = self.selected_step()
        self.rule = rule
        enabled = rule is not None
        for w in (
            self.required,
            self.chain_view,
            self.add_combo,
            self.add_button,
            self.up_button,
            self.down_button,
            self.remove_button,
        ):
            w.setEnabled(enabled)
        if rule is None:
            self.title.setText(
                f"{target}: not mapped — drag a source field onto it, or pick one and press "
                "Connect."
                if target
                else "Select a target field to see and edit its rule."
            )
            self.chain.set_trace([])
            self._clear_form()
            return
        src = " + ".join(rule.sources) if rule.sources else "(no source)"
        self.title.setText(f"{rule.target}  ←  {src}")
        self.required.blockSignals(True)
        self.required.setChecked(rule.required)
        self.required.blockSignals(False)
        self.chain.set_trace(trace)
        if keep is not None and keep < len(rule.steps):
            self.chain_view.selectRow(self._row_of_step(keep))
        else:
            self._clear_form()

    def set_sample_count(self, n: int) -> None:
        self.sample_row.setMaximum(max(1, n))
        self.sample_row.setEnabled(n > 0)

    def _offset(self) -> int:
        """Chain rows before step 0: the input, plus the implicit join of several sources
        when the rule does not start with its own combiner."""
        rule = self.rule
        if rule is None or len(rule.sources) < 2:
            return 1
        first = CATALOG.get(rule.steps[0].name) if rule.steps else None
        return 1 if first is not None and first.combiner else 2

    def _row_of_step(self, step: int) -> int:
        return step + self._offset()

    def selected_step(self) -> int | None:
        if self.rule is None:
            return None
        rows = self.chain_view.selectionModel().selectedRows()
        step = rows[0].row() - self._offset() if rows else -1
        return step if 0 <= step < len(self.rule.steps) else None

    def _clear_form(self) -> None:
        if self.form is not None:
            self.form.setParent(None)
            self.form.deleteLater()
            self.form = None

    def _show_form(self) -> None:
        self._clear_form()
        i = self.selected_step()
        if i is None or self.rule is None:
            return
        self.form = StepForm(self.rule.steps[i], self.edit_table)
        self.form.setObjectName("step_form")
        self.form.changed.connect(lambda step, i=i: self.replace_step(i, step))
        self.form_holder.addWidget(self.form)

    # --- editing -----------------------------------------------------------------------
    def _emit(self, steps: list[Step], text: str, required: bool | None = None) -> None:
        assert self.rule is not None
        rule = Rule(
            self.rule.target,
            self.rule.sources,
            tuple(steps),
            self.rule.required if required is None else required,
        )
        self.rule_changed.emit(rule, text)

    def add_step(self, name: str) -> None:
        if self.rule is None or name not in CATALOG:
            return
        spec = CATALOG[name]
        steps = list(self.rule.steps)
        step = Step(name, spec.defaults() if name != "lookup" else {"table": {}})
        if spec.combiner:
            steps = [
                s for s in steps if CATALOG.get(s.name) is None or not CATALOG[s.name].combiner
            ]
            steps.insert(0, step)
            index = 0
        else:
            steps.append(step)
            index = len(steps) - 1
        self._emit(steps, f"Add '{spec.label}' to {self.rule.target}")
        self.chain_view.selectRow(self._row_of_step(index))

    def replace_step(self, index: int, step: Step) -> None:
        if self.rule is None or index >= len(self.rule.steps):
            return
        steps = list(self.rule.steps)
        steps[index] = step
        self._emit(steps, f"Change '{CATALOG[step.name].label}' on {self.rule.target}")

    def move_step(self, delta: int) -> None:
        i = self.selected_step()
        if i is None or self.rule is None:
            return
        j = i + delta
        if not 0 <= j < len(self.rule.steps):
            return
        steps = list(self.rule.steps)
        steps[i], steps[j] = steps[j], steps[i]
        self._emit(steps, f"Reorder steps of {self.rule.target}")
        self.chain_view.selectRow(self._row_of_step(j))

    def remove_step(self) -> None:
        i = self.selected_step()
        if i is None or self.rule is None:
            return
        steps = list(self.rule.steps)
        del steps[i]
        self._emit(steps, f"Remove a step from {self.rule.target}")

    def _required_toggled(self, on: bool) -> None:
        if self.rule is not None and on != self.rule.required:
            self._emit(list(self.rule.steps), f"Required {self.rule.target}", required=on)
