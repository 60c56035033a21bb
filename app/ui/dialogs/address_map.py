"""The editor of a name -> value setting (an API's own address or path per stream, the
JSON key of a field): one row per pair, a name picked from the connector's (streams,
fields; typed in when the names are open) and its value, add and remove."""

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

from app.connectors.base import MapValues
from app.ui.icons import icon

# what the rows hold: (add button, value placeholder, remove tooltip)
_WORDS = {
    MapValues.ADDRESS: ("Add an API address", "https://… (the API's full address)", "address"),
    MapValues.PATH: ("Add a path", "/path (e.g. /api/clients)", "path"),
    MapValues.NAME: ("Add a field name", "the API's JSON key (e.g. given_name)", "name"),
}


class AddressMapEditor(QWidget):
    changed = Signal()

    def __init__(
        self,
        names: tuple[str, ...],
        parent: QWidget | None = None,
        *,
        values: MapValues = MapValues.ADDRESS,
        open_names: bool = False,
    ) -> None:
        super().__init__(parent)
        self.names = names
        self.open_names = open_names  # other names may be typed in (e.g. stream.field)
        add_text, self.placeholder, self.what = _WORDS[values]
        self.rows: list[tuple[QWidget, QComboBox, QLineEdit]] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(4)
        self.rows_box = QVBoxLayout()
        self.rows_box.setSpacing(4)
        outer.addLayout(self.rows_box)
        self.add_button = QPushButton(icon("mdi6.plus"), add_text)
        self.add_button.setObjectName("add_address")
        self.add_button.clicked.connect(lambda: self.add_row())
        outer.addWidget(self.add_button)

    def add_row(self, name: str = "", url: str = "") -> None:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        stream = QComboBox()
        stream.setEditable(self.open_names)
        stream.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        stream.setMaxVisibleItems(16)
        stream.addItems(list(self.names))
        if name:
            if stream.findText(name) < 0:
                stream.addItem(name)  # a name this version does not know: shown, flagged
            stream.setCurrentText(name)
        stream.setMinimumContentsLength(14)
        address = QLineEdit(url)
        address.setPlaceholderText(self.placeholder)
        remove = QToolButton()
        remove.setIcon(icon("mdi6.close"))
        remove.setToolTip(f"Remove this {self.what}")
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
            stream.currentText().strip(): address.text().strip()
            for _row, stream, address in self.rows
            if address.text().strip() and stream.currentText().strip()
        }

    def set_value(self, value: object) -> None:
        for entry in list(self.rows):
            self._remove(entry)
        if isinstance(value, dict):
            for name, url in value.items():
                self.add_row(str(name), str(url))
