"""The editor of a name -> address setting (an API's own address per stream): one row per
pair, a stream picked from the connector's streams and its full URL, add and remove."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.icons import icon


class AddressMapEditor(QWidget):
    changed = Signal()

    def __init__(self, names: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.names = names
        self.rows: list[tuple[QWidget, QComboBox, QLineEdit]] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(4)
        self.rows_box = QVBoxLayout()
        self.rows_box.setSpacing(4)
        outer.addLayout(self.rows_box)
        self.add_button = QPushButton(icon("mdi6.plus"), "Add an API address")
        self.add_button.setObjectName("add_address")
        self.add_button.clicked.connect(lambda: self.add_row())
        outer.addWidget(self.add_button)

    def add_row(self, name: str = "", url: str = "") -> None:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        stream = QComboBox()
        stream.addItems(list(self.names))
        if name:
            if stream.findText(name) < 0:
                stream.addItem(name)  # a name this version does not know: shown, flagged
            stream.setCurrentText(name)
        stream.setMinimumContentsLength(14)
        address = QLineEdit(url)
        address.setPlaceholderText("https://… (the API's full address)")
        remove = QToolButton()
        remove.setIcon(icon("mdi6.close"))
        remove.setToolTip("Remove this address")
        line.addWidget(stream)
        line.addWidget(address, 1)
        line.addWidget(remove)
        entry = (row, stream, address)
        self.rows.append(entry)
        self.rows_box.addWidget(row)
        stream.currentTextChanged.connect(self.changed)
        address.textChanged.connect(self.changed)
        remove.clicked.connect(lambda: self._remove(entry))
        self.changed.emit()

    def _remove(self, entry: tuple[QWidget, QComboBox, QLineEdit]) -> None:
        self.rows.remove(entry)
        entry[0].deleteLater()
        self.changed.emit()

    def value(self) -> dict[str, str]:
        return {
            stream.currentText(): address.text().strip()
            for _row, stream, address in self.rows
            if address.text().strip()
        }

    def set_value(self, value: object) -> None:
        for entry in list(self.rows):
            self._remove(entry)
        if isinstance(value, dict):
            for name, url in value.items():
                self.add_row(str(name), str(url))
