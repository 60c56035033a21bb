"""What the Sync Log screen does with the selected record events: open a record's story,
replay (with the current mapping, or edited by an admin), export the filtered view, and
show the progress and outcome of that work. Mixed into ``SyncLogScreen``."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from app.services import log_export
from app.services.audit import current_os_user
from app.services.retry_queue import dismiss_events
from app.store.log_queries import EventRow
from app.sync.log_replay import replay_events
from app.ui.dialogs.record_timeline import RecordTimelineDialog
from app.ui.dialogs.replay_edit import ReplayEditDialog
from app.ui.icons import icon
from app.ui.theme import STATUS_ICONS, Status, status_colour
from app.ui.workers import run_in_background


class SyncLogActions:
    """Needs the screen's widgets (tables, buttons, progress) and ``store``/``admin``."""

    _cancel_export: threading.Event | None

    def open_story(self: Any, event: EventRow | None = None) -> Any:
        if event is None:
            events = self.selected_events()
            if len(events) != 1:
                return None
            event = events[0]
        dialog = RecordTimelineDialog(self.store, event.id, admin=self.admin, parent=self)
        dialog.replayed.connect(self._after_replay)
        dialog.open()
        return dialog

    def replay_selected(self: Any, *, confirm: bool = True) -> None:
        events = [e for e in self.selected_events() if e.in_queue or e.status == "failed"]
        if not events:
            return
        if confirm:
            answer = QMessageBox.question(
                self,
                "Replay records",
                f"Send {len(events):,} record(s) again?\n\nParked records are sent from the "
                "retry queue through the current mapping; records that failed in transit are "
                "read again from the source. Each new attempt is linked to the original, "
                "whose error stays in the log.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self._busy(f"Replaying {len(events):,} record(s) with the current mapping…", cancel=False)
        run_in_background(
            lambda: replay_events(
                self.store, [e.id for e in events], triggered_by=current_os_user()
            ),
            on_success=lambda report: self._after_replay(report.message(), report.all_delivered),
            on_failure=lambda msg: self._done(Status.ERROR, msg),
        )

    def edit_and_replay(self: Any) -> Any:
        events = self.selected_events()
        if not self.admin or len(events) != 1 or not events[0].in_queue:
            return None
        dialog = ReplayEditDialog(self.store, events[0], parent=self)
        dialog.replayed.connect(self._after_replay)
        dialog.open()
        return dialog

    def dismiss_selected(self: Any, reason: str | None = None) -> None:
        """Admin: take the selected waiting records out of the retry queue, with a reason
        (asked for when not given) that is kept with them and audited."""
        events = [e for e in self.selected_events() if e.in_queue]
        if not self.admin or not events:
            return
        if reason is None:
            reason, ok = QInputDialog.getText(
                self,
                "Dismiss records",
                f"Dismiss {len(events):,} record(s) without delivering them?\n\nThey stop "
                "counting as waiting for replay. Say why (kept with the records and in the "
                "audit log):",
            )
            if not ok:
                return
        if not reason.strip():
            self._show_result(Status.ERROR, "Nothing dismissed: a reason is required.")
            return
        who = f"{current_os_user()} (window)"
        run_in_background(
            lambda: dismiss_events(self.store, [e.id for e in events], reason=reason, by=who),
            on_success=lambda done: self._after_replay(done.message(), True),
            on_failure=lambda msg: self._done(Status.ERROR, msg),
        )

    def _after_replay(self: Any, message: str, delivered: bool = True) -> None:
        self._done(Status.OK if delivered else Status.ERROR, message)
        self.status_message.emit(message)
        self._reload_runs()
        self._reload_events()

    def export(self: Any, suffix: str, path: str | None = None) -> None:
        if path is None:
            kind = "CSV (*.csv)" if suffix == ".csv" else "Excel workbook (*.xlsx)"
            path, _ = QFileDialog.getSaveFileName(
                self, "Export the sync log", f"sync-log{suffix}", kind
            )
            if not path:
                return
        target = Path(path)
        if target.suffix.lower() != suffix:
            target = target.with_suffix(suffix)
        f = self.current_filter()
        reveal = self.admin and self.reveal_button.isChecked()
        cancel = threading.Event()
        self._cancel_export = cancel
        self._busy("Exporting the filtered record events…", cancel=True)
        run_in_background(
            lambda progress: log_export.export(
                self.store, f, target, reveal=reveal, progress=progress, cancelled=cancel.is_set
            ),
            on_success=lambda n: self._done(
                Status.OK, f"Exported {n:,} record events to {target}."
            ),
            on_failure=lambda msg: self._done(Status.ERROR, msg),
            on_progress=self._progress,
        )

    def _progress(self: Any, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, total if total else 0)
        self.progress.setValue(done)
        self.result_label.setText(message)

    def _cancel(self: Any) -> None:
        if self._cancel_export is not None:
            self._cancel_export.set()

    def _busy(self: Any, message: str, *, cancel: bool) -> None:
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.setVisible(cancel)
        self._show_result(Status.RUNNING, message)
        for b in (self.replay_button, self.edit_replay_button, self.export_button):
            b.setEnabled(False)

    def _done(self: Any, status: Status, message: str) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        self._cancel_export = None
        self.export_button.setEnabled(True)
        self._update_buttons()
        self._show_result(status, message)

    def _show_result(self: Any, status: Status, message: str) -> None:
        colour = status_colour(status)
        self.result_icon.setPixmap(icon(STATUS_ICONS[status], colour).pixmap(18, 18))
        self.result_label.setText(message)
        self.result_label.setStyleSheet(f"color: {colour.name()};")
