"""One input widget per connector config field type, with a common get/set interface."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.connectors.base import ConfigField, FieldType
from app.ui.dialogs.address_map import AddressMapEditor
from app.ui.icons import icon

_KEEP_STORED = "Stored in the keyring — leave empty to keep it"
_TYPE_AGAIN = "Type it again: the address changed"


class FieldInput(QWidget):
    """Wraps the right Qt widget for a ``ConfigField``; emits ``changed`` on every edit."""

    changed = Signal()

    def __init__(self, spec: ConfigField, *, secret_stored: bool = False) -> None:
        super().__init__()
        self.spec = spec
        self.secret_stored = secret_stored
        self.setObjectName(f"field_{spec.name}")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.editor: QWidget
        if spec.type is FieldType.BOOLEAN:
            box = QCheckBox()
            box.setChecked(bool(spec.default))
            box.toggled.connect(self.changed)
            self.editor = box
        elif spec.type is FieldType.INTEGER:
            spin = QSpinBox()
            spin.setRange(spec.minimum or 0, spec.maximum or 1_000_000)
            spin.setValue(int(spec.default or 0))
            spin.valueChanged.connect(self.changed)
            self.editor = spin
        elif spec.type is FieldType.MAPPING:
            pairs = AddressMapEditor(
                spec.choices, values=spec.map_values, open_names=spec.open_keys
            )
            pairs.changed.connect(self.changed)
            self.editor = pairs
        elif spec.type is FieldType.CHOICE:
            combo = QComboBox()
            for choice in spec.choices:  # plain words shown, the value kept as data
                combo.addItem(spec.choice_label(choice), choice)
            if spec.default:
                combo.setCurrentIndex(max(0, combo.findData(str(spec.default))))
            combo.currentIndexChanged.connect(self.changed)
            self.editor = combo
        else:
            line = QLineEdit()
            line.setPlaceholderText(spec.placeholder)
            if spec.default is not None and not spec.secret:
                line.setText(str(spec.default))
            if spec.secret:
                line.setEchoMode(QLineEdit.EchoMode.Password)
                if secret_stored:
                    line.setPlaceholderText(_KEEP_STORED)
                reveal = line.addAction(
                    icon("mdi6.eye-outline"), QLineEdit.ActionPosition.TrailingPosition
                )
                reveal.setToolTip("Show or hide what you typed")
                reveal.triggered.connect(lambda: self._toggle_echo(line))
            line.textChanged.connect(self.changed)
            self.editor = line
        layout.addWidget(self.editor, 1)
        if spec.type is FieldType.PATH:
            browse = QPushButton("Browse…")
            browse.clicked.connect(self._browse)
            layout.addWidget(browse)
        self.editor.setToolTip(spec.help)
        self.setFocusProxy(self.editor)

    def editors(self) -> list[QWidget]:
        """The widgets that take focus (for "validate on leaving the field")."""
        return [self.editor, *self.editor.findChildren(QLineEdit)]

    def set_stored_secret_usable(self, usable: bool) -> None:
        """Say in the empty secret field whether leaving it empty keeps the stored value."""
        if self.spec.secret and isinstance(self.editor, QLineEdit) and self.secret_stored:
            self.editor.setPlaceholderText(_KEEP_STORED if usable else _TYPE_AGAIN)

    @staticmethod
    def _toggle_echo(line: QLineEdit) -> None:
        hidden = line.echoMode() == QLineEdit.EchoMode.Password
        line.setEchoMode(QLineEdit.EchoMode.Normal if hidden else QLineEdit.EchoMode.Password)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.spec.label)
        if folder:
            self.set_value(folder)

    def value(self) -> Any:
        e = self.editor
        if isinstance(e, AddressMapEditor):
            return e.value()
        if isinstance(e, QCheckBox):
            return e.isChecked()
        if isinstance(e, QSpinBox):
            return e.value()
        if isinstance(e, QComboBox):
            data = e.currentData()
            return e.currentText() if data is None else str(data)
        assert isinstance(e, QLineEdit)
        return e.text()

    def set_value(self, value: Any) -> None:
        e = self.editor
        if isinstance(e, AddressMapEditor):
            e.set_value(value)
        elif isinstance(e, QCheckBox):
            e.setChecked(bool(value))
        elif isinstance(e, QSpinBox):
            e.setValue(int(value or 0))
        elif isinstance(e, QComboBox):
            index = e.findData(str(value or ""))
            if index >= 0:
                e.setCurrentIndex(index)
            else:
                e.setCurrentText(str(value or ""))
        elif isinstance(e, QLineEdit):
            e.setText("" if value is None else str(value))
