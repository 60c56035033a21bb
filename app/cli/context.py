"""What every command receives: the data folder, parsed arguments, and the store on demand."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.paths import AppPaths

if TYPE_CHECKING:
    from app.store import Store

QtCheck = Callable[[AppPaths], str]
Screenshotter = Callable[..., list[Path]]  # (paths, out_dir, size=None)


@dataclass
class CliContext:
    paths: AppPaths
    args: argparse.Namespace
    qt_check: QtCheck | None = None
    screenshotter: Screenshotter | None = None
    gui: Any = None  # opens the window (given by main.py)
    demo: Any = None  # a running app.sandbox.demo_session.DemoSession, in demo mode
    _store: Store | None = field(default=None, repr=False)

    @property
    def store(self) -> Store:
        """The local store, opened (and migrated) the first time a command needs it."""
        if self._store is None:
            # SQLAlchemy loads here, not at start-up: --version and --help never need it
            from app.store import open_store

            self._store = open_store(self.paths)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.dispose()
            self._store = None
