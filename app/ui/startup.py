"""What the window needs before its screens: the heavy half of the UI (the screens and
the services, pandas and SQLAlchemy behind them) imported and the store opened, on a
worker thread while the window's frame is already on screen and answering."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from PySide6.QtCore import QThread, Signal

from app.errors import RooftopError
from app.paths import AppPaths

log = logging.getLogger(__name__)


class StartupLoader(QThread):
    """Emits ``loaded(store)`` or ``failed(message)``; the window is built on the GUI
    thread from what it loaded."""

    loaded = Signal(object)
    failed = Signal(str)

    def __init__(self, paths: AppPaths, demo: Any = None) -> None:
        super().__init__()
        self.paths = paths
        self.demo = demo

    def run(self) -> None:
        try:
            importlib.import_module("app.ui.main_screens")
            if self.demo is not None:  # the demo opened the store: one engine per process
                store = self.demo.store
            else:
                from app.store import open_store  # SQLAlchemy: not needed for the frame

                store = open_store(self.paths)
        except RooftopError as exc:
            self.failed.emit(str(exc))
            return
        except Exception as exc:  # a bug: say it in the window, details in the log
            log.exception("Rooftop Sync could not start")
            self.failed.emit(f"Rooftop Sync could not start: {exc}. See the log folder.")
            return
        self.loaded.emit(store)
