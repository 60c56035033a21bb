"""Where the read-only files shipped with the app (icons, style sheets) are.

From a source checkout that is ``<repo>/resources``; in the PyInstaller bundle it is the
``resources`` folder PyInstaller unpacks next to the code (``sys._MEIPASS``).
"""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The folder that holds ``icons/`` and ``qss/``."""
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    """A file under the resources folder (it may not exist; callers decide)."""
    return resources_dir().joinpath(*parts)
