"""The Windows installer script compiles with makensis (Debian's nsis), on a stub bundle.

It cannot be run here (no Windows), but a syntax error, a missing include or a bad
define fails these tests, and the version and publisher metadata are checked in the
compiled installer.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from app import __version__
from installer import build

pytestmark = pytest.mark.installer

ROOT = Path(__file__).resolve().parents[2]


def _compile(makensis: str, nsi: Path, bundle: Path, out: Path, version: str = __version__):
    cmd = [
        makensis,
        "-V2",
        "-WX",
        f"-DVERSION={version}",
        f"-DVERSION_QUAD={build.version_quad(version)}",
        f"-DBUNDLE_DIR={bundle}",
        f"-DOUTFILE={out}",
        str(nsi),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=300)


@pytest.fixture
def script_copy(tmp_path: Path) -> Path:
    """The installer script and its includes, copied so a test may break them."""
    target = tmp_path / "repo"
    shutil.copytree(
        ROOT / "installer", target / "installer", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(ROOT / "resources", target / "resources")
    return target / "installer" / "rooftop.nsi"


def test_installer_script_compiles_with_version_metadata(makensis: str, tmp_path: Path) -> None:
    bundle = build.make_stub_bundle(tmp_path / "RooftopSync")
    out = tmp_path / "RooftopSync-Setup.exe"
    done = _compile(makensis, build.NSI, bundle, out, version="7.8.9")
    assert done.returncode == 0, done.stdout + done.stderr
    data = out.read_bytes()
    assert data[:2] == b"MZ"
    # VIAddVersionKey strings end up UTF-16 in the version resource
    for text in ("Rooftop Sync", "7.8.9"):
        assert text.encode("utf-16-le") in data, text
    # VIProductVersion lands in VS_FIXEDFILEINFO as numbers: 7.8 and 9.0
    at = data.find(struct.pack("<I", 0xFEEF04BD))
    assert at > 0
    _struc, file_ms, file_ls, prod_ms, prod_ls = struct.unpack_from("<5I", data, at + 4)
    assert (file_ms, file_ls) == (prod_ms, prod_ls) == ((7 << 16) | 8, (9 << 16) | 0)


def test_check_only_entry_point_compiles(makensis: str) -> None:
    assert build.check_only(makensis) == 0
    assert (build.BUILD / "nsis-check" / "RooftopSync-Setup-check.exe").is_file()


def test_a_syntax_error_fails_the_compile(makensis: str, tmp_path: Path, script_copy: Path) -> None:
    text = script_copy.read_text(encoding="utf-8")
    script_copy.write_text(
        text.replace('Section "Desktop shortcut"', 'Sektion "Desktop shortcut"'), "utf-8"
    )
    bundle = build.make_stub_bundle(tmp_path / "RooftopSync")
    done = _compile(makensis, script_copy, bundle, tmp_path / "out.exe")
    assert done.returncode != 0
    assert not (tmp_path / "out.exe").exists()


def test_a_missing_bundle_is_refused_with_a_clear_message(makensis: str, tmp_path: Path) -> None:
    done = _compile(makensis, build.NSI, tmp_path / "not-built", tmp_path / "out.exe")
    assert done.returncode != 0
    assert "No bundle at" in done.stdout + done.stderr


def test_the_script_offers_the_switches_the_readme_promises() -> None:
    text = build.NSI.read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "installer" / "nsis").glob("*.nsh")
    )
    for needle in (
        "$PROGRAMFILES64",
        '"/SERVICE="',
        '"/DESKTOP="',
        '"/REMOVEDATA"',
        "RequestExecutionLevel admin",
        "QuietUninstallString",
        'schtasks.exe" /Create',
        "/S _?=$PrevDir",  # upgrade: the old uninstaller runs silently, without /REMOVEDATA
        "VIProductVersion",
        '"/SETUP="',  # a rollout: the setup file is imported right after installing
        '"$INSTDIR\\${CLI_EXE}" setup import "$SetupFile"',
    ):
        assert needle in text, needle
