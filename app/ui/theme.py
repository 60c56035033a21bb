"""Look and feel: Fusion style following the OS light/dark palette, status colours that stay
readable on both, and the small style sheet for the navigation rail."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication


class Status(StrEnum):
    OK = "ok"
    WARNING = "warning"
    ERROR = "error"
    UNKNOWN = "unknown"
    RUNNING = "running"


STATUS_ICONS = {
    Status.OK: "mdi6.check-circle",
    Status.WARNING: "mdi6.alert-circle",
    Status.ERROR: "mdi6.close-circle",
    Status.UNKNOWN: "mdi6.help-circle-outline",
    Status.RUNNING: "mdi6.progress-clock",
}

# (light palette, dark palette): chosen for contrast on white and on #2b2b2b.
_STATUS_COLOURS = {
    Status.OK: ("#1b7f3b", "#6fd08c"),
    Status.WARNING: ("#9a5b00", "#f2b84b"),
    Status.ERROR: ("#c62828", "#ff7b72"),
    Status.UNKNOWN: ("#5f6b7a", "#a0aab8"),
    Status.RUNNING: ("#1f5fbf", "#7fb2ff"),
}

ACCENT = ("#1f5fbf", "#5a9bff")


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def status_colour(status: Status, palette: QPalette | None = None) -> QColor:
    light, dark = _STATUS_COLOURS[status]
    return QColor(dark if is_dark(palette) else light)


def accent(palette: QPalette | None = None) -> QColor:
    return QColor(ACCENT[1] if is_dark(palette) else ACCENT[0])


def apply_theme(app: QApplication) -> None:
    """Fusion everywhere (same look on Windows and Linux); Qt 6.5+ gives it the OS scheme."""
    app.setStyle("Fusion")
    hints = app.styleHints()
    if hints.colorScheme() == Qt.ColorScheme.Dark:
        app.setPalette(_dark_palette())
    refresh_style_sheet(app)


def refresh_style_sheet(app: QApplication) -> None:
    dark = is_dark(app.palette())
    rail_bg = "#202327" if dark else "#f0f2f5"
    rail_sel = "#2f3b4d" if dark else "#dce6f5"
    rail_text = "#e6e6e6" if dark else "#1d2733"
    muted = "#a0aab8" if dark else "#5f6b7a"
    border = "#3a3f45" if dark else "#d5d9e0"
    acc = ACCENT[1] if dark else ACCENT[0]
    app.setStyleSheet(
        f"""
        QListWidget#NavRail {{
            background: {rail_bg}; border: none; border-right: 1px solid {border};
            padding-top: 8px; outline: 0; font-size: 10.5pt;
        }}
        QListWidget#NavRail::item {{
            color: {rail_text}; padding: 9px 12px; margin: 1px 8px; border-radius: 6px;
        }}
        QListWidget#NavRail::item:selected {{
            background: {rail_sel}; color: {rail_text}; border-left: 3px solid {acc};
        }}
        QListWidget#NavRail::item:hover:!selected {{ background: {rail_sel}; }}
        QLabel#ScreenTitle {{ font-size: 16pt; font-weight: 600; }}
        QLabel#ScreenSubtitle {{ color: {muted}; }}
        QLabel#Muted {{ color: {muted}; }}
        QLabel#FieldError {{ color: {_STATUS_COLOURS[Status.ERROR][1 if dark else 0]}; }}
        QLabel#EmptyTitle {{ font-size: 13pt; font-weight: 600; }}
        QLabel#ManagerBadge {{
            background: #6d28d9; color: white; font-weight: 700; padding: 1px 10px;
            border-radius: 8px;
        }}
        QLabel#ReadOnlyNote {{
            border: 1px solid {border}; border-radius: 6px; padding: 6px 10px;
        }}
        QLabel#DemoBadge {{
            background: #b45309; color: white; font-weight: 700; padding: 2px 10px;
            border-radius: 9px;
        }}
        QFrame#Card {{ border: 1px solid {border}; border-radius: 8px; }}
        QLabel#CardValue {{ font-size: 20pt; font-weight: 600; }}
        """
    )


def _dark_palette() -> QPalette:
    p = QPalette()
    base, window, text = QColor("#1e1f22"), QColor("#2b2d30"), QColor("#e6e6e6")
    p.setColor(QPalette.ColorRole.Window, window)
    p.setColor(QPalette.ColorRole.WindowText, text)
    p.setColor(QPalette.ColorRole.Base, base)
    p.setColor(QPalette.ColorRole.AlternateBase, QColor("#26282b"))
    p.setColor(QPalette.ColorRole.Text, text)
    p.setColor(QPalette.ColorRole.Button, window)
    p.setColor(QPalette.ColorRole.ButtonText, text)
    p.setColor(QPalette.ColorRole.Highlight, QColor("#2f5fa8"))
    p.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    p.setColor(QPalette.ColorRole.ToolTipBase, window)
    p.setColor(QPalette.ColorRole.ToolTipText, text)
    p.setColor(QPalette.ColorRole.PlaceholderText, QColor("#8a8f98"))
    p.setColor(QPalette.ColorRole.Link, QColor("#7fb2ff"))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b7079"))
    return p
