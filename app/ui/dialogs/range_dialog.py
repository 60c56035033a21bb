"""Re-sync a date range for one flow: find the source records whose change date falls in
the range, say how many, confirm, re-send them (forced), show the outcome. The dialog does
not hold the window: once the re-send runs it can be closed, and the job goes on in the
window's jobs panel (with its own Cancel) and says its outcome in the status bar."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDateTime, Signal
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.scheduling.resync import RangeFind, find_range, run_range
from app.services.audit import current_os_user
from app.store import Store
from app.sync.engine import RunSummary
from app.sync.progress import CancelToken
from app.ui.icons import icon
from app.ui.models.flows_model import run_status
from app.ui.run_progress import RunProgress, throttled
from app.ui.theme import Status, status_colour
from app.ui.workers import run_in_background


def _to_py(value: QDateTime) -> datetime:
    return datetime.fromtimestamp(value.toSecsSinceEpoch()).astimezone()


class RangeDialog(QDialog):
    outcome = Signal(str)  # the finished job in one sentence (for the status bar)

    def __init__(
        self, store: Store, flow_id: int, flow_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.flow_id = flow_id
        self.found: RangeFind | None = None
        self.token: CancelToken | None = None
        self.summaries: list[RunSummary] = []
        self.flow_name = flow_name
        self.setWindowTitle(f"Re-sync a date range — {flow_name}")
        self.setModal(False)  # minutes of work must not hold the window
        self.setMinimumWidth(620)
        v = QVBoxLayout(self)
        intro = QLabel(
            "Sends again every record that changed in the source between these times, even "
            "if it was sent before — for example after the CRM lost a day of updates. "
            "Records are picked by the source's own change date; a record changed again "
            "after the end is not included."
        )
        intro.setWordWrap(True)
        intro.setObjectName("Muted")
        v.addWidget(intro)
        form = QFormLayout()
        now = QDateTime.currentDateTime()
        self.start = QDateTimeEdit(now.addDays(-7))
        self.end = QDateTimeEdit(now)
        for w in (self.start, self.end):
            w.setCalendarPopup(True)
            w.setDisplayFormat("yyyy-MM-dd HH:mm")
        form.addRow("From", self.start)
        form.addRow("To", self.end)
        v.addLayout(form)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setObjectName("range_note")
        v.addWidget(self.note)
        self.progress = RunProgress()
        self.progress.hide()
        v.addWidget(self.progress)
        row = QHBoxLayout()
        row.addStretch(1)
        self.close_button = QPushButton("Close")
        self.find_button = QPushButton(icon("mdi6.magnify"), "Find records")
        self.run_button = QPushButton(icon("mdi6.sync"), "Re-send them")
        self.run_button.setEnabled(False)
        for b in (self.close_button, self.find_button, self.run_button):
            row.addWidget(b)
        v.addLayout(row)
        self.close_button.clicked.connect(self.reject)
        self.find_button.clicked.connect(self.find_records)
        self.run_button.clicked.connect(self.run)
        self.start.dateTimeChanged.connect(self._range_changed)
        self.end.dateTimeChanged.connect(self._range_changed)

    def _range_changed(self) -> None:
        self.found = None
        self.run_button.setEnabled(False)
        bad = self.end.dateTime() <= self.start.dateTime()
        self.find_button.setEnabled(not bad)
        self._say("The end must be after the start." if bad else "", Status.ERROR)

    def _say(self, text: str, status: Status) -> None:
        self.note.setText(text)
        self.note.setStyleSheet(f"color: {status_colour(status).name()};")

    def find_records(self) -> None:
        self.find_button.setEnabled(False)
        self._say("Reading the source (nothing is sent)…", Status.RUNNING)
        run_in_background(
            find_range,
            self.store,
            self.flow_id,
            _to_py(self.start.dateTime()),
            _to_py(self.end.dateTime()),
            on_success=self._found,
            on_failure=self._failed,
        )

    def _found(self, found: RangeFind) -> None:
        self.found = found
        self.find_button.setEnabled(True)
        n = len(found.keys)
        if n:
            self._say(
                f"{n:,} record{'s' if n != 1 else ''} changed in this range (of "
                f"{found.read:,} checked by their last-changed date). Re-send them?",
                Status.OK,
            )
        else:
            self._say(f"No record changed in this range ({found.read:,} checked).", Status.UNKNOWN)
        self.run_button.setEnabled(n > 0)

    def _failed(self, message: str) -> None:
        self.find_button.setEnabled(True)
        self.run_button.setEnabled(False)
        self.close_button.setEnabled(True)
        self.progress.finish()
        self._say(message, Status.ERROR)

    def run(self) -> None:
        if not self.found:
            return
        found, token = self.found, CancelToken()
        self.token = token
        for b in (self.run_button, self.find_button):
            b.setEnabled(False)
        self.close_button.setText("Close (keeps running)")
        self.close_button.setToolTip(
            "The re-send goes on in the background; the bar at the bottom of the window "
            "shows it and can cancel it."
        )
        self.progress.begin(f"Re-sending {len(found.keys):,} records of {self.flow_name}…", token)
        who = f"{current_os_user()} (date-range re-sync)"

        def work(progress):
            return run_range(
                self.store, found, triggered_by=who, cancel=token, progress=throttled(progress)
            )

        run_in_background(
            work,
            on_success=self._ran,
            on_failure=self._failed_run,
            on_progress=self.progress.update_progress,
        )

    def _ran(self, summaries: list[RunSummary]) -> None:
        # Cancel before the first batch (or between batches) leaves fewer runs than batches;
        # the sentence must say "Cancelled", never "Succeeded" for records never sent.
        stopped = self.token is not None and self.token.cancelled
        self.summaries = summaries
        self.token = None
        self.progress.finish()
        self.close_button.setEnabled(True)
        self.close_button.setText("Close")
        kinds = ("created", "updated", "unchanged", "failed", "parked")
        totals = {k: sum(s.counts[k] for s in summaries) for k in kinds}
        worst = next((s.status for s in summaries if s.status in ("failed", "cancelled")), None)
        sent = sum(s.counts["read"] for s in summaries)
        if stopped and not worst and self.found and sent < len(self.found.keys):
            worst = "cancelled"
        errors = totals["failed"] + totals["parked"]
        status, text = run_status(
            worst or ("completed_with_errors" if errors else "succeeded"), errors
        )
        waiting = summaries[-1].waiting if summaries else 0
        of = f" (of {len(self.found.keys):,})" if worst == "cancelled" and self.found else ""
        sentence = (
            f"{text}{of}: {totals['created']:,} created, {totals['updated']:,} updated, "
            f"{totals['unchanged']:,} already current there, {errors:,} failed."
            + (f" {waiting:,} records wait for replay (Sync Log)." if waiting else "")
        )
        self._say(sentence, status)
        self.outcome.emit(f"Date-range re-sync of {self.flow_name}: {sentence}")

    def _failed_run(self, message: str) -> None:
        self.token = None
        self.close_button.setText("Close")
        self._failed(message)
        self.outcome.emit(f"Date-range re-sync of {self.flow_name} failed: {message}")
