"""Qt work the command line asks for without a screen: the self-test's window check and
offscreen screenshots of every main screen."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSize, QThreadPool

from app.paths import AppPaths
from app.store import open_store
from app.ui.application import create_application
from app.ui.context import UiContext
from app.ui.main_window import MainWindow
from app.ui.screenshots import save_screens


def _offscreen_window(paths: AppPaths):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = create_application()
    store = open_store(paths)
    window = MainWindow(UiContext.create(paths, store), tray=False)
    window.resize(1280, 800)
    return app, store, window


def build_main_window_offscreen(paths: AppPaths) -> str:
    app, store, window = _offscreen_window(paths)
    try:
        rendered = 0
        for row in range(window.nav.count()):
            window.nav.setCurrentRow(row)
            app.processEvents()
            if not window.grab().isNull():
                rendered += 1
        QThreadPool.globalInstance().waitForDone(10_000)
        window.deleteLater()
        app.processEvents()
    finally:
        store.dispose()
    platform = app.platformName()
    return f"main window built on the '{platform}' platform; {rendered} screens rendered"


def save_screenshots_offscreen(
    paths: AppPaths, out_dir: Path, size: tuple[int, int] | None = None
) -> list[Path]:
    """PNGs of every screen and wizard page; ``size`` (width, height) for all of them,
    else the window at 1280×800 and the wizards at 1280×720."""
    app, store, window = _offscreen_window(paths)
    try:
        saved = save_screens(window, out_dir, QSize(*size) if size else None)
        QThreadPool.globalInstance().waitForDone(10_000)
        window.deleteLater()
        app.processEvents()
    finally:
        store.dispose()
    return saved
