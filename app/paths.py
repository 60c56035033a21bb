"""Where Rooftop Sync keeps its files.

The data directory is the per-user application data folder (``%LOCALAPPDATA%\\RooftopSync``
on Windows); ``--data-dir`` or ``ROOFTOP_DATA_DIR`` override it for tests and portable
installs.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from app import APP_ID

DATA_DIR_ENV = "ROOFTOP_DATA_DIR"


@dataclass(frozen=True)
class AppPaths:
    """The folders and files under one data directory."""

    data_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "rooftop.db"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def log_file(self) -> Path:
        return self.logs_dir / "rooftop.log"

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def sandbox_dir(self) -> Path:
        """State of the demo dealership's simulated systems, kept apart from the app's store."""
        return self.data_dir / "sandbox"

    @property
    def work_dir(self) -> Path:
        """Files connectors fetch to read them (DMS extracts picked up over SFTP)."""
        return self.data_dir / "work"

    @property
    def screenshots_dir(self) -> Path:
        return self.data_dir / "screenshots"

    def ensure(self) -> AppPaths:
        """Create the folders that must exist before the app writes anything. The logs
        folder is made when it can be: logging falls back to the screen without it."""
        for folder in (self.data_dir, self.backups_dir):
            folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):  # app.logging_setup says so, logs to the screen
            self.logs_dir.mkdir(parents=True, exist_ok=True)
        return self


def resolve_paths(data_dir: str | os.PathLike[str] | None = None) -> AppPaths:
    """Pick the data directory: explicit argument, then the environment, then the OS default."""
    chosen = data_dir or os.environ.get(DATA_DIR_ENV)
    if chosen:
        return AppPaths(Path(chosen).expanduser().resolve())
    return AppPaths(Path(platformdirs.user_data_dir(APP_ID, appauthor=False)))
