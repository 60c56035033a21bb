"""The new-flow wizard's "Deletes and inactive records" box: what happens in the
destination when a record is deleted or marked inactive in the source (ignore, the
default; mark inactive / archive; delete where the destination allows), and which source
field says a record is inactive. Saved in the flow's options (``deletes``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QWidget

from app.services.flow_options import DELETE_HANDLING, DELETE_HELP, DELETE_LABELS, delete_settings


class DeletesBox(QGroupBox):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Deletes and inactive records", parent)
        self.setObjectName("deletes_box")
        self.setToolTip(DELETE_HELP)
        form = QFormLayout(self)
        self.handling = QComboBox()
        self.handling.setObjectName("delete_handling")
        for name in DELETE_HANDLING:
            self.handling.addItem(DELETE_LABELS[name], name)
        self.field = QComboBox()
        self.field.setObjectName("inactive_field")
        self.field.setEditable(True)
        self.values = QLineEdit()
        self.values.setObjectName("inactive_values")
        self.values.setPlaceholderText("e.g. INACTIVE, DELETED (empty: any value)")
        self.note = QLabel(
            "Each removal is a line in the Sync Log. A source that simply stops listing a "
            "deleted record shows it under Flows → Reconcile instead."
        )
        self.note.setObjectName("Muted")
        self.note.setWordWrap(True)
        form.addRow("In the destination", self.handling)
        form.addRow("Inactive when field", self.field)
        form.addRow("has the value", self.values)
        form.addRow(self.note)
        self.handling.currentIndexChanged.connect(lambda _i: self._changed())
        self.field.currentTextChanged.connect(lambda _t: self._changed())
        self.values.textChanged.connect(lambda _t: self._changed())

    def load(self, options: dict[str, Any], source_fields: Sequence[str]) -> None:
        settings = delete_settings(options)
        for w in (self.handling, self.field, self.values):
            w.blockSignals(True)
        self.handling.setCurrentIndex(max(0, self.handling.findData(settings.handling)))
        self.field.clear()
        self.field.addItem("")  # none: only a stream's own delete marker counts
        self.field.addItems(list(source_fields))
        self.field.setCurrentText(settings.field)
        self.values.setText(", ".join(settings.values))
        for w in (self.handling, self.field, self.values):
            w.blockSignals(False)
        self._enable()

    def _enable(self) -> None:
        on = self.handling.currentData() != "ignore"
        self.field.setEnabled(on)
        self.values.setEnabled(on and bool(self.field.currentText().strip()))

    def _changed(self) -> None:
        self._enable()
        self.changed.emit()

    def value(self) -> dict[str, Any] | None:
        """The ``deletes`` option (None: ignore, the default, saved as nothing)."""
        handling = str(self.handling.currentData() or "ignore")
        if handling == "ignore":
            return None
        out: dict[str, Any] = {"handling": handling}
        field = self.field.currentText().strip()
        if field:
            values = [v.strip().upper() for v in self.values.text().split(",") if v.strip()]
            out["inactive_when"] = {"field": field, "values": values}
        return out
