"""The notification-area icon: status at a glance, Open and Quit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from app import APP_NAME
from app.ui.icons import icon

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


class TrayIcon(QSystemTrayIcon):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(icon("mdi6.car-connected", "#1f5fbf"), window)
        self.window = window
        self.setToolTip(f"{APP_NAME} — no sync running")
        menu = QMenu()
        self.status_action = QAction("No sync running", menu)
        self.status_action.setEnabled(False)
        open_action = QAction("Open", menu)
        open_action.triggered.connect(self.show_window)
        quit_action = QAction("Quit", menu)
        quit_action.triggered.connect(window.quit)
        menu.addAction(self.status_action)
        menu.addSeparator()
        menu.addAction(open_action)
        menu.addAction(quit_action)
        self.setContextMenu(menu)
        self._menu = menu
        self.activated.connect(self._activated)

    def set_status(self, text: str) -> None:
        self.status_action.setText(text)
        self.setToolTip(f"{APP_NAME} — {text}")

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.show_window()

    def show_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()
