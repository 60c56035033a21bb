"""Start the desktop application: Qt, theme, crash dialog, store, main window."""

from __future__ import annotations

import logging
import sys
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from app import APP_ID, APP_NAME, __version__, secrets
from app.errors import RooftopError
from app.logging_setup import install_crash_handler
from app.paths import AppPaths
from app.ui.app_icon import apply_app_icon
from app.ui.context import UiContext
from app.ui.crash_dialog import CrashReporter
from app.ui.main_window import MainWindow
from app.ui.startup import StartupLoader
from app.ui.theme import apply_theme

log = logging.getLogger(__name__)


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_ID)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setQuitOnLastWindowClosed(False)  # the tray keeps the app alive
    apply_theme(app)
    apply_app_icon(app)
    return app


def run_gui(paths: AppPaths, demo: Any = None) -> int:
    """Open the main window on the store in ``paths`` (``demo``: a running DemoSession).

    The window's frame is shown first; the screens fill it once ``StartupLoader`` has
    loaded them and opened the store."""
    app = create_application()
    reporter = CrashReporter(paths, app)
    install_crash_handler(reporter.report)
    window = MainWindow(scheduler=True, paths=paths)
    window.show()
    opened: list[Any] = []

    def loaded(store: Any) -> None:
        opened.append(store)
        window.populate(UiContext.create(paths, store, demo=demo))
        _warn_without_keyring(window)
        log.info("Rooftop Sync %s started on %s", __version__, paths.data_dir)

    def failed(message: str) -> None:
        window.startup_failed(message)
        QMessageBox.critical(window, APP_NAME, message)
        app.exit(2)

    loader = StartupLoader(paths, demo)
    loader.loaded.connect(loaded)
    loader.failed.connect(failed)
    loader.start()
    code = app.exec()
    loader.wait()
    for store in opened:
        store.dispose()
    return int(code)


def _warn_without_keyring(window: MainWindow) -> None:
    try:
        secrets.ensure_backend()
    except RooftopError as exc:
        QMessageBox.warning(
            window,
            f"{APP_NAME} — no secure keyring",
            f"{exc.message}\n\n{exc.hint}\n\nYou can look around, but connections that need "
            "a password or key cannot be saved until this is fixed.",
        )
