"""``screenshots --out DIR [--size WxH]``: every main screen, every page of both wizards
and the Conflicts screen, at the size asked for — also on a data folder with nothing set
up yet (the pages then say what they need)."""

from __future__ import annotations

import struct
from pathlib import Path

from tests.support.cli import run_cli


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_screenshots_of_screens_wizards_and_conflicts(tmp_path: Path) -> None:
    out = tmp_path / "shots"
    done = run_cli("--data-dir", str(tmp_path / "d"), "screenshots", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    names = {p.name for p in out.glob("*.png")}
    assert {f"flow-wizard-{n}.png" for n in range(1, 8)} <= names
    assert {f"feed-wizard-{n}.png" for n in range(1, 7)} <= names
    assert {"conflicts.png", "03-flows.png"} <= names
    assert _png_size(out / "flow-wizard-1.png") == (1280, 720)
    assert _png_size(out / "03-flows.png") == (1280, 800)

    big = tmp_path / "big"
    done = run_cli(
        "--data-dir", str(tmp_path / "d"), "screenshots", "--out", str(big), "--size", "1920x1080"
    )
    assert done.returncode == 0, done.stderr
    assert _png_size(big / "feed-wizard-3.png") == (1920, 1080)
    assert _png_size(big / "conflicts.png") == (1920, 1080)

    refused = run_cli(
        "--data-dir", str(tmp_path / "d"), "screenshots", "--out", str(big), "--size", "big"
    )
    assert refused.returncode == 2 and "not a size like 1920x1080" in refused.stderr
