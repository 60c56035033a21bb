"""What the windows share: paths, the store, services, and the per-data-folder UI settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings

from app.paths import AppPaths

if TYPE_CHECKING:
    from app.services.profiles import ProfileService
    from app.store import Store


@dataclass
class UiContext:
    paths: AppPaths
    store: Store
    profiles: ProfileService
    settings: QSettings
    demo: Any = None  # app.sandbox.demo_session.DemoSession when running the demo

    @property
    def is_demo(self) -> bool:
        return self.demo is not None

    @classmethod
    def create(cls, paths: AppPaths, store: Store, demo: Any = None) -> UiContext:
        # the services come with the screens (app.ui.main_screens), after the frame is up
        from app.services.profiles import ProfileService

        # An INI file in the data folder (not the registry) keeps --data-dir installs apart.
        settings = QSettings(str(paths.data_dir / "ui.ini"), QSettings.Format.IniFormat)
        return cls(paths, store, ProfileService(store), settings, demo)
