"""The data-quality panel: share of customers with a missing or invalid phone, e-mail or
address, records with an invalid VIN, duplicates awaiting review — each a link to the
list of those records."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from app.store.data_quality import QualityItem, QualityReport
from app.store.log_queries import EventFilter
from app.ui.theme import Status, status_colour


class QualityPanel(QWidget):
    open_records = Signal(object)  # EventFilter with the records to show in the Sync Log
    open_duplicates = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel("Checking the data the syncs have read…")
        self.summary.setObjectName("Muted")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.grid = QGridLayout()
        self.grid.setColumnStretch(0, 1)
        self.grid.setHorizontalSpacing(10)
        layout.addLayout(self.grid)
        layout.addStretch(1)
        self.items: dict[str, QualityItem] = {}
        self.links: dict[str, QLabel] = {}
        self._duplicates_override: int | None = None
        self.report: QualityReport | None = None

    def set_duplicates_awaiting(self, count: int | None) -> None:
        """Hook for the duplicate-review feature: possible duplicate customers (clusters of
        two or more records) waiting for a person, counted as the review queue counts."""
        self._duplicates_override = count
        if self.report is not None:
            self.set_report(self.report)

    def set_report(self, report: QualityReport) -> None:
        self.report = report
        while self.grid.count():
            child = self.grid.takeAt(0)
            widget = child.widget() if child else None
            if widget is not None:
                widget.deleteLater()
        self.items.clear()
        self.links.clear()
        if not report.customers and not any(i.total for i in report.items):
            self.summary.setText(
                "Nothing to check yet: data quality is worked out from the records the syncs "
                "read. Run a flow and come back."
            )
            return
        self.summary.setText(f"Of {report.customers:,} customers read so far:")
        for row, item in enumerate(report.items):
            if item.key == "duplicates" and self._duplicates_override is not None:
                item = QualityItem(item.key, item.label, self._duplicates_override, item.total)
            self.items[item.key] = item
            label = QLabel(
                item.label
                + (f"<br><span style='color:gray'>{item.note}</span>" if item.note else "")
            )
            label.setWordWrap(True)
            meter = QProgressBar()
            meter.setRange(0, 1000)
            meter.setTextVisible(False)
            meter.setFixedWidth(70)
            meter.setFixedHeight(10)
            share = item.share
            meter.setValue(int((share or 0) * 1000))
            meter.setVisible(item.count is not None and item.key != "duplicates")
            level = (
                Status.OK
                if not share or share < 0.02
                else (Status.WARNING if share < 0.1 else Status.ERROR)
            )
            meter.setStyleSheet(
                f"QProgressBar::chunk {{ background: {status_colour(level).name()}; }}"
            )
            if item.count is None:
                value = "—"
            elif item.key == "duplicates":
                value = f"{item.count:,} to review"
            else:
                value = f"{(share or 0) * 100:.1f}% ({item.count:,})"
            number = QLabel(value)
            number.setObjectName(f"quality_{item.key}")
            link = QLabel()
            link.setObjectName(f"quality_link_{item.key}")
            if item.key == "duplicates":
                link.setText("<a href='dup'>Review</a>" if item.count else "")
                number.setToolTip(
                    "Possible duplicate customers, each with two or more records — the same "
                    "count as the review queue on the Duplicates screen"
                )
            elif item.count:
                link.setText("<a href='show'>Show</a>")
                link.setToolTip(
                    f"Open these records in the Sync Log (the first {len(item.records):,})"
                )
            link.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
            link.linkActivated.connect(lambda _h, key=item.key: self.activate(key))
            self.links[item.key] = link
            self.grid.addWidget(label, row, 0)
            self.grid.addWidget(meter, row, 1)
            self.grid.addWidget(number, row, 2, Qt.AlignmentFlag.AlignRight)
            self.grid.addWidget(link, row, 3)

    def activate(self, key: str) -> None:
        """Follow the link of one item (what a click on 'Show' does)."""
        item = self.items.get(key)
        if item is None:
            return
        if key == "duplicates":
            self.open_duplicates.emit()
            return
        self.open_records.emit(EventFilter(records=item.records, label=item.label.lower()))
