"""Settings widget: the duplicate-matching thresholds, with the effect of a change
previewed (how many pairs of the last search would move between bands)."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.matching.bands import Thresholds
from app.services.matching_queue import MatchingQueue
from app.store import Store
from app.ui.icons import icon
from app.ui.workers import run_in_background


class ThresholdsWidget(QGroupBox):
    """Auto-link and review thresholds (scores are 0-1, the chance two records are one
    person). Shows what a change would do before it is saved."""

    saved = Signal()

    def _bg(self, fn, *args, **kwargs):
        """Run ``fn`` off the GUI thread; answers are dropped once this object is gone."""
        return run_in_background(fn, *args, owner=self, **kwargs)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__("Duplicate matching", parent)
        self.queue = MatchingQueue(store)
        form = QFormLayout()
        self.high = self._spin()
        self.low = self._spin()
        form.addRow("Link automatically at a score of at least", self.high)
        form.addRow("Ask a person to review from a score of", self.low)
        self.problem = QLabel()
        self.problem.setObjectName("Error")
        self.problem.setVisible(False)
        self.preview_label = QLabel("Change a threshold to see its effect on the last search.")
        self.preview_label.setObjectName("thresholds_preview")
        self.preview_label.setWordWrap(True)
        self.save_button = QPushButton(icon("mdi6.content-save-outline"), "Save thresholds")
        v = QVBoxLayout(self)
        v.addLayout(form)
        v.addWidget(self.problem)
        v.addWidget(self.preview_label)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_button)
        v.addLayout(row)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self._preview)
        self.high.valueChanged.connect(self._changed)
        self.low.valueChanged.connect(self._changed)
        self.save_button.clicked.connect(self.save)
        self._bg(self.queue.thresholds, on_success=self._loaded)

    @staticmethod
    def _spin() -> QDoubleSpinBox:
        s = QDoubleSpinBox()
        s.setDecimals(4)
        s.setRange(0.0001, 1.0)
        s.setSingleStep(0.01)
        return s

    def _loaded(self, t: Thresholds) -> None:
        for box, value in ((self.high, t.high), (self.low, t.low)):
            box.blockSignals(True)
            box.setValue(value)
            box.blockSignals(False)
        self._changed()

    def value(self) -> Thresholds | None:
        try:
            return Thresholds(self.high.value(), self.low.value())
        except ValueError:
            return None

    def _changed(self) -> None:
        ok = self.value() is not None
        self.problem.setText(
            "" if ok else "The review score must not be above the auto-link score."
        )
        self.problem.setVisible(not ok)
        self.save_button.setEnabled(ok)
        if ok:
            self._timer.start()

    def _preview(self) -> None:
        new = self.value()
        if new is not None:
            self._bg(self.queue.preview, new, on_success=self._show_preview)

    def _show_preview(self, p) -> None:
        if p is None:
            self.preview_label.setText("Run Find duplicates once to preview threshold changes.")
            return
        after = p.after
        self.preview_label.setText(
            f"{p.summary()}\nWith these thresholds: {after['auto']:,} pairs auto-linked, "
            f"{after['review']:,} to review."
        )

    def save(self) -> None:
        t = self.value()
        if t is None:
            return
        self._bg(self.queue.set_thresholds, t, on_success=lambda _r: self.saved.emit())
