"""The Rooftop Sync application icon (window, taskbar, tray), from resources/icons;
``app.ui.application.create_application`` applies it once."""

from __future__ import annotations

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from app.resources import resource

ICON_FILES = ("rooftop.ico", "rooftop.png", "rooftop-48.png")


def app_icon() -> QIcon:
    """The app icon with every size the files hold; an empty QIcon if they are missing."""
    icon = QIcon()
    for name in ICON_FILES:
        path = resource("icons", name)
        if path.is_file():
            icon.addFile(str(path))
    return icon


def apply_app_icon(app: QApplication) -> QIcon:
    """Make the icon the default for every window of ``app``; returns it."""
    icon = app_icon()
    if not icon.isNull():
        app.setWindowIcon(icon)
    return icon
