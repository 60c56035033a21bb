"""Instead of vanishing: a dialog that says something went wrong and where the details are."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from app.paths import AppPaths


class CrashReporter(QObject):
    """Receives crashes from any thread and shows them on the GUI thread."""

    crashed = Signal(str, str)

    def __init__(self, paths: AppPaths, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.shown = 0
        self.crashed.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def report(self, summary: str, details: str) -> None:
        self.crashed.emit(summary, details)

    @Slot(str, str)
    def _show(self, summary: str, details: str) -> None:
        self.shown += 1
        if self.shown > 3:  # a crash loop must not bury the screen in dialogs
            return
        box = QMessageBox()
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("Rooftop Sync — unexpected error")
        box.setText(
            "Something went wrong inside Rooftop Sync. Your data is safe; the action you "
            "were doing may not have finished."
        )
        box.setInformativeText(
            f"{summary}\n\nThe full report is in the log file:\n{self.paths.log_file}\n"
            "Send it to your Rooftop Sync support contact (it holds no passwords or "
            "customer details)."
        )
        box.setDetailedText(details)
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.open()
        self._box: QWidget = box
