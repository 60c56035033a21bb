"""Icons from one icon font (Material Design Icons via qtawesome), tinted for the palette."""

from __future__ import annotations

import qtawesome as qta
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication

NAV = {
    "dashboard": "mdi6.view-dashboard-outline",
    "connections": "mdi6.lan-connect",
    "flows": "mdi6.swap-horizontal-bold",
    "mappings": "mdi6.table-arrow-right",
    "duplicates": "mdi6.account-multiple-check-outline",
    "segments": "mdi6.bullseye-arrow",
    "sync_log": "mdi6.text-box-search-outline",
    "settings": "mdi6.cog-outline",
}


def icon(name: str, color: QColor | str | None = None) -> QIcon:
    """An icon by its qtawesome name, in the palette's text colour unless told otherwise."""
    if color is None:
        app = QApplication.instance()
        palette = app.palette() if isinstance(app, QApplication) else QPalette()
        color = palette.color(QPalette.ColorRole.WindowText)
    return qta.icon(name, color=QColor(color))
