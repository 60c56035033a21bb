"""The bundle manifest names real modules and trims only what the app does not use."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from installer import build, bundle_checks, manifest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", sorted({*manifest.HIDDEN_MODULES, *manifest.SUBMODULE_PACKAGES}))
def test_every_hidden_import_exists(name: str) -> None:
    assert importlib.util.find_spec(name) is not None, f"{name} is not importable"


@pytest.mark.parametrize(
    ("package", "pattern"),
    [
        ("usaddress", "usaddr.crfsuite"),
        ("qtawesome", "fonts/materialdesignicons6-webfont-*.ttf"),
        ("cron_descriptor", "locale/*.mo"),
    ],
)
def test_data_packages_have_the_files_the_app_needs(package: str, pattern: str) -> None:
    assert package in manifest.DATA_PACKAGES
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None
    assert list(Path(spec.origin).parent.glob(pattern)), f"{package} has no {pattern}"


def test_unused_qt_modules_are_excluded_and_used_ones_are_not() -> None:
    for unused in (
        "PySide6.QtWebEngineCore",
        "PySide6.Qt3DCore",
        "PySide6.QtMultimedia",
        "PySide6.QtQuick",
        "PySide6.QtQml",
        "PySide6.QtCharts",
        "PySide6.QtPdf",
    ):
        assert unused in manifest.EXCLUDES
    for used in ("PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtSvg"):
        assert used not in manifest.EXCLUDES
    assert "tkinter" in manifest.EXCLUDES


@pytest.mark.parametrize(
    ("dest", "linux", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True, True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True, True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", True, True),
        ("PySide6/Qt/plugins/imageformats/libqico.so", True, True),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", True, False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", True, False),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", True, False),
        ("PySide6/Qt/translations/qtbase_de.qm", True, False),
        ("PySide6/translations/qtbase_de.qm", False, False),
        ("PySide6/plugins/platforms/qwindows.dll", False, True),
        ("PySide6/plugins/imageformats/qtiff.dll", False, False),
        ("PySide6/plugins/imageformats/qsvg.dll", False, True),
        ("PySide6/Qt/lib/libQt6Network.so.6", True, False),
        ("PySide6/Qt/lib/libQt6OpenGL.so.6", True, True),  # Wayland's EGL plugins need it
        ("libgtk-3.so.0", True, False),
        ("libQt6Core.so.6", True, True),
        ("libsqlite3.so.0", True, True),
        ("libgtk-3.so.0", False, True),  # the Linux list never touches other systems
        ("resources/icons/rooftop.png", True, True),
        ("tzdata/zoneinfo/America/Chicago", True, False),
        ("tzdata/zoneinfo/America/Chicago", False, True),  # Windows has no zoneinfo of its own
    ],
)
def test_keep_in_bundle(dest: str, linux: bool, kept: bool) -> None:
    assert manifest.keep_in_bundle(dest, linux=linux) is kept


@pytest.mark.parametrize(
    ("version", "quad"),
    [("0.1.0", "0.1.0.0"), ("1.2", "1.2.0.0"), ("2.0.1rc1", "2.0.1.0"), ("3.4.5.6", "3.4.5.6")],
)
def test_version_quad(version: str, quad: str) -> None:
    assert build.version_quad(version) == quad


def test_source_modules_include_namespace_packages(tmp_path: Path) -> None:
    (tmp_path / "app" / "newfeature").mkdir(parents=True)  # no __init__.py
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "newfeature" / "engine.py").write_text("")
    assert manifest.source_modules(tmp_path) == {"app", "app.newfeature.engine"}


def test_app_modules_lists_every_source_module() -> None:
    names = bundle_checks.app_modules(ROOT)
    assert {"app", "app.cli", "app.store.migrations", "app.ui.app_icon", "app.resources"} <= names
    assert not any(".tests" in n or n.endswith("__init__") for n in names)


def test_spec_collects_the_app_package_and_the_manifest() -> None:
    spec = (ROOT / "installer" / "RooftopSync.spec").read_text(encoding="utf-8")
    assert "_submodules(manifest.APP_PACKAGE)" in spec  # new app modules need no edit here
    assert "manifest.source_modules(ROOT, manifest.APP_PACKAGE)" in spec
    assert "upx=False" in spec
    assert "exclude_binaries=True" in spec and "COLLECT(" in spec  # onedir, not onefile
    assert "manifest.keep_in_bundle" in spec
