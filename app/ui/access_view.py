"""Manager mode made visible in the main window: a badge in the title and status bars,
the screens manager mode hides taken out of the navigation rail and Settings (not left
greyed), and Mappings saying in words why it is read-only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

TITLE_SUFFIX = " — Manager mode"
HIDDEN_SCREENS = ("connections",)  # connection settings: admin only
BADGE_TIP = (
    "Manager mode: connection settings, mappings, schedules, alerts and privacy requests are "
    "hidden or read-only. Leave it in Settings → Access with the admin PIN."
)


class AccessView:
    """Shows ``window``'s current access policy; call ``apply`` when it changes."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.badge = QLabel("Manager mode")
        self.badge.setObjectName("ManagerBadge")
        self.badge.setToolTip(BADGE_TIP)
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.badge.hide()
        window.statusBar().insertPermanentWidget(0, self.badge)

    def apply(self, manager: bool) -> None:
        w = self.window
        title = w.windowTitle().removesuffix(TITLE_SUFFIX)
        w.setWindowTitle(title + TITLE_SUFFIX if manager else title)
        self.badge.setVisible(manager)
        for row in range(w.nav.count()):
            item = w.nav.item(row)
            if item.data(Qt.ItemDataRole.UserRole) in HIDDEN_SCREENS:
                item.setHidden(manager)
        if manager and w.ready and w.current_screen_key() in HIDDEN_SCREENS:
            w.show_screen("dashboard")
        tabs = w.settings_screen.tabs
        tabs.setTabVisible(tabs.indexOf(w.alert_settings), not manager)
        w.mappings.set_read_only(manager)

    @staticmethod
    def hidden(key: str, manager: bool) -> bool:
        """Whether the screen ``key`` is hidden in the current mode."""
        return manager and key in HIDDEN_SCREENS
