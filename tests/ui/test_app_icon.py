"""The app icon: files present, every size Windows asks for, found in a frozen bundle too."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSize

from app import resources
from app.ui.app_icon import app_icon, apply_app_icon

ROOT = Path(__file__).resolve().parents[2]


def test_icon_has_the_sizes_the_taskbar_and_explorer_use(qapp) -> None:  # type: ignore[no-untyped-def]
    icon = app_icon()
    assert not icon.isNull()
    sizes = {(s.width(), s.height()) for s in icon.availableSizes()}
    assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= sizes
    image = icon.pixmap(QSize(64, 64)).toImage()
    assert image.pixelColor(32, 6).name() == "#1f5fbf"  # the accent-blue square


def test_apply_sets_the_default_window_icon(qapp) -> None:  # type: ignore[no-untyped-def]
    apply_app_icon(qapp)
    assert not qapp.windowIcon().isNull()
    assert 256 in {s.width() for s in qapp.windowIcon().availableSizes()}


def test_ico_file_is_a_valid_multi_size_icon() -> None:
    data = (ROOT / "resources" / "icons" / "rooftop.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1) and count >= 6
    widths = set()
    for i in range(count):
        w, _h, _c, _r, _planes, bpp, size, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * i
        )
        assert bpp == 32 and offset + size <= len(data)
        widths.add(w or 256)
    assert {16, 32, 48, 256} <= widths


def test_resources_are_found_next_to_the_frozen_code(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert resources.resources_dir() == ROOT / "resources"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resource("icons", "rooftop.png") == tmp_path / "resources/icons/rooftop.png"
