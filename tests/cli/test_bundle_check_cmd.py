"""``bundle-check`` exercises the libraries that load modules and data files by name."""

from __future__ import annotations

import pytest

from app.cli import build_parser, bundle_check_cmd
from app.cli.context import CliContext
from app.paths import AppPaths


def _ctx(tmp_path) -> CliContext:  # type: ignore[no-untyped-def]
    parser = build_parser(load=["bundle-check"])
    args = parser.parse_args(["bundle-check"])
    return CliContext(paths=AppPaths(tmp_path), args=args)


def test_every_check_passes_from_source(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    ctx = _ctx(tmp_path)
    assert ctx.args.handler(ctx) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out
    assert out.count("  ok    ") == len(bundle_check_cmd.CHECKS)
    assert "+442079460958" in out  # a non-US region's metadata was loaded
    assert "jobs cron, date, interval" in out


def test_a_missing_piece_fails_with_its_name(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    def broken() -> str:
        raise ModuleNotFoundError("No module named 'phonenumbers.data.region_GB'")

    checks = [("Phone numbers (per-region metadata)", broken), *bundle_check_cmd.CHECKS[1:]]
    monkeypatch.setattr(bundle_check_cmd, "CHECKS", checks)
    ctx = _ctx(tmp_path)
    assert ctx.args.handler(ctx) == 1
    out = capsys.readouterr().out
    assert "FAIL  Phone numbers (per-region metadata): ModuleNotFoundError" in out
    assert "Bundle check failed: 1 check(s)." in out
