"""The mapping editor's preview pane: the first sample rows as the mapping would send
them, under one line that says what a run would do with the whole sample."""

from __future__ import annotations

from collections.abc import Collection

from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from app.mapping.model import Mapping
from app.mapping.preview import preview
from app.services.mapping_loader import EditorData
from app.ui.icons import icon
from app.ui.mapping_editor.preview_model import PreviewModel
from app.ui.theme import STATUS_ICONS, Status, status_colour

PREVIEW_ROWS = 50


class PreviewPane(QWidget):
    """A "Preview" title with the verdict beside it, over the before/after table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        head = QHBoxLayout()
        title = QLabel("Preview")
        title.setStyleSheet("font-weight: 600;")
        self.fail_icon = QLabel()
        self.fail_label = QLabel()
        self.fail_label.setObjectName("preview_summary")
        head.addWidget(title)
        head.addSpacing(8)
        head.addWidget(self.fail_icon)
        head.addWidget(self.fail_label, 1)
        layout.addLayout(head)
        self.model = PreviewModel()
        self.view = QTableView()
        self.view.setObjectName("preview")
        self.view.setModel(self.model)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setDefaultSectionSize(130)
        layout.addWidget(self.view, 1)

    def refresh(self, data: EditorData, mapping: Mapping, missing: Collection[str]) -> None:
        """Preview ``mapping`` on the sample of ``data``. ``missing``: source fields the
        mapping reads that the source no longer fills (a run would stop)."""
        if data.sample.empty:
            self.fail_label.setText("No sample rows: load a sample to see the preview.")
            return
        result = preview(data.sample, mapping, data.key_column, PREVIEW_ROWS)
        self.model.set_preview(result, data.key_column)
        n = len(data.sample)
        if result.error:
            level, text = Status.ERROR, result.error
        elif missing:
            level = Status.ERROR
            text = (
                "A run would stop: the mapping reads "
                + ", ".join(f"'{k}'" for k in missing)
                + ", which the source no longer fills. Replace or unmap it."
            )
        elif result.failing_rows:
            level = Status.WARNING
            text = (
                f"{result.failing_rows} of {n} sample records would fail (parked, not sent). "
                "Hover a red cell for the reason."
            )
        else:
            bad_cells = len(result.problems)
            level = Status.OK
            text = f"All {n} sample records would be sent." + (
                f" {bad_cells} optional value(s) are invalid and would be sent empty."
                if bad_cells
                else ""
            )
        self.fail_icon.setPixmap(icon(STATUS_ICONS[level], status_colour(level)).pixmap(16, 16))
        self.fail_label.setText(text)
        self.fail_label.setStyleSheet(f"color: {status_colour(level).name()};")
