"""Save a PNG of every main screen (used by the headless demo and to review the look)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

from app.ui.main_window import SCREENS, MainWindow


def save_screens(window: MainWindow, out_dir: Path) -> list[Path]:
    """Show each screen of ``window`` in turn and save it as ``<nn>-<screen>.png``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    app = QApplication.instance()
    for n, (key, _label) in enumerate(SCREENS, start=1):
        window.show_screen(key)
        if app is not None:
            app.processEvents()
        target = out_dir / f"{n:02d}-{key}.png"
        window.grab().save(str(target))
        saved.append(target)
    return saved
