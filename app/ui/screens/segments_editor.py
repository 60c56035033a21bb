"""The Segments screen's rule editor: a segment's name, kind and channel, a built-in
kind's numbers (with presets), or a custom rule's conditions — field · operator · value,
each saying what is wrong with it — built without SQL."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.segments.fields import FIELDS, NO_VALUE, OPERATORS, check
from app.segments.model import CUSTOM, KINDS, Condition, SegmentDef
from app.ui.icons import icon


class ConditionRow(QWidget):
    """field · operator · value · remove, with what is wrong below."""

    changed = Signal()
    removed = Signal(object)

    def __init__(self, condition: Condition | None = None) -> None:
        super().__init__()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        row = QHBoxLayout()
        self.field = QComboBox()
        for f in FIELDS.values():
            self.field.addItem(f"{f.group}: {f.label}", f.key)
        self.op = QComboBox()
        self.value = QLineEdit()
        self.value.setPlaceholderText("value")
        drop = QToolButton()
        drop.setIcon(icon("mdi6.close"))
        drop.setToolTip("Remove this condition")
        for w, stretch in ((self.field, 3), (self.op, 3), (self.value, 2), (drop, 0)):
            row.addWidget(w, stretch)
        outer.addLayout(row)
        self.problem = QLabel()
        self.problem.setObjectName("ErrorText")
        self.problem.setStyleSheet("color: #c62828;")
        self.problem.hide()
        outer.addWidget(self.problem)
        self.field.currentIndexChanged.connect(self._fill_ops)
        self.op.currentIndexChanged.connect(self._op_changed)
        self.value.textChanged.connect(self._changed)
        drop.clicked.connect(lambda: self.removed.emit(self))
        if condition is not None:
            self.field.setCurrentIndex(max(0, self.field.findData(condition.field)))
        self._fill_ops()
        if condition is not None:
            self.op.setCurrentIndex(max(0, self.op.findData(condition.op)))
            self.value.setText(condition.value)

    def _fill_ops(self) -> None:
        kind = FIELDS[str(self.field.currentData())].type
        self.op.blockSignals(True)
        self.op.clear()
        for op, words in OPERATORS[kind]:
            self.op.addItem(words, op)
        self.op.blockSignals(False)
        self._op_changed()

    def _op_changed(self) -> None:
        self.value.setEnabled(self.op.currentData() not in NO_VALUE)
        self._changed()

    def _changed(self) -> None:
        self.show_problem()
        self.changed.emit()

    def condition(self) -> Condition:
        return Condition(
            str(self.field.currentData()), str(self.op.currentData()), self.value.text().strip()
        )

    def show_problem(self) -> str:
        text = check(self.condition())
        self.problem.setText(text)
        self.problem.setVisible(bool(text))
        return text


class SegmentEditor(QGroupBox):
    """Edits one segment; ``changed`` fires on every edit (the screen recounts)."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__("Rule")
        self.original = ""
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name = QLineEdit()
        self.kind = QComboBox()
        for key, kind in KINDS.items():
            self.kind.addItem(kind.label, key)
        self.kind.addItem("Custom rule (fields and operators)", CUSTOM)
        self.channel = QComboBox()
        self.channel.addItem("E-mail (e-mail consent)", "email")
        self.channel.addItem("SMS (SMS consent)", "sms")
        form.addRow("Name", self.name)
        form.addRow("Kind", self.kind)
        form.addRow("List for", self.channel)
        layout.addLayout(form)
        self.params_box = QWidget()
        self.params = QFormLayout(self.params_box)
        self.params.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.params_box)
        self.conditions_box = QWidget()
        cl = QVBoxLayout(self.conditions_box)
        cl.setContentsMargins(0, 0, 0, 0)
        hint = QLabel(
            "Members have one vehicle (or, without a vehicle, themselves) for which "
            "every condition holds."
        )
        hint.setObjectName("Muted")
        hint.setWordWrap(True)
        cl.addWidget(hint)
        self.rows_layout = QVBoxLayout()
        cl.addLayout(self.rows_layout)
        add = QPushButton(icon("mdi6.plus"), "Add condition")
        add.clicked.connect(lambda: self.add_condition(None))
        cl.addWidget(add, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.conditions_box)
        layout.addStretch(1)
        self.rows: list[ConditionRow] = []
        self.inputs: dict[str, Any] = {}
        self.name.textChanged.connect(self.changed)
        self.channel.currentIndexChanged.connect(self.changed)
        self.kind.currentIndexChanged.connect(self._kind_changed)

    def load(self, seg: SegmentDef) -> None:
        self.original = seg.name
        self.blockSignals(True)
        self.name.setText(seg.name)
        self.channel.setCurrentIndex(max(0, self.channel.findData(seg.channel)))
        self.kind.setCurrentIndex(max(0, self.kind.findData(seg.kind)))
        self._build_params(seg)
        for r in list(self.rows):
            self._remove(r)
        for c in seg.conditions:
            self.add_condition(c)
        self.blockSignals(False)
        self.changed.emit()

    def _kind_changed(self) -> None:
        kind = str(self.kind.currentData())
        self._build_params(SegmentDef(self.name.text(), kind))
        if kind == CUSTOM and not self.rows:
            self.add_condition(Condition("make", "eq", ""))
        self.changed.emit()

    def _build_params(self, seg: SegmentDef) -> None:
        while self.params.rowCount():
            self.params.removeRow(0)
        self.inputs = {}
        custom = seg.kind == CUSTOM
        self.conditions_box.setVisible(custom)
        self.params_box.setVisible(not custom)
        if custom:
            return
        kind = KINDS[seg.kind]
        for p in kind.params:
            spin = QDoubleSpinBox()
            spin.setDecimals(0)
            spin.setRange(p.minimum, p.maximum)
            spin.setValue(float(seg.param(p.name)))
            spin.setGroupSeparatorShown(True)
            spin.valueChanged.connect(self.changed)
            row = QHBoxLayout()
            row.addWidget(spin, 1)
            for preset in p.presets:
                b = QPushButton(f"{preset:,.0f}")
                b.setObjectName("PresetButton")
                b.setMaximumWidth(72)
                b.clicked.connect(lambda _=False, s=spin, v=preset: s.setValue(v))
                row.addWidget(b)
            holder = QWidget()
            holder.setLayout(row)
            row.setContentsMargins(0, 0, 0, 0)
            self.params.addRow(p.label, holder)
            self.inputs[p.name] = spin
        for name, choices in kind.text_params.items():
            combo = QComboBox()
            combo.addItems(list(choices))
            combo.setCurrentText(str(seg.param(name)))
            combo.currentIndexChanged.connect(self.changed)
            self.params.addRow(name.capitalize(), combo)
            self.inputs[name] = combo
        info = QLabel(kind.description)
        info.setWordWrap(True)
        info.setObjectName("Muted")
        self.params.addRow(info)

    def add_condition(self, condition: Condition | None) -> None:
        row = ConditionRow(condition)
        row.changed.connect(self.changed)
        row.removed.connect(self._remove_and_tell)
        self.rows.append(row)
        self.rows_layout.addWidget(row)
        self.changed.emit()

    def _remove(self, row: ConditionRow) -> None:
        self.rows.remove(row)
        row.setParent(None)
        row.deleteLater()

    def _remove_and_tell(self, row: ConditionRow) -> None:
        self._remove(row)
        self.changed.emit()

    def draft(self) -> SegmentDef:
        kind = str(self.kind.currentData())
        params: dict[str, Any] = {}
        for name, w in self.inputs.items():
            params[name] = w.value() if isinstance(w, QDoubleSpinBox) else w.currentText()
        return SegmentDef(
            name=self.name.text().strip(),
            kind=kind,
            params=params,
            conditions=tuple(r.condition() for r in self.rows) if kind == CUSTOM else (),
            channel=str(self.channel.currentData()),
        )

    def problems(self) -> list[str]:
        out = [] if self.name.text().strip() else ["A segment needs a name."]
        if str(self.kind.currentData()) == CUSTOM:
            out += [p for p in (r.show_problem() for r in self.rows) if p]
            if not self.rows:
                out.append("Add at least one condition.")
        return out
