"""Rooftop Sync entry point: parse the command line, open the window or run a command."""

from __future__ import annotations

import sys


def _launch_gui(ctx):  # type: ignore[no-untyped-def]
    from app.ui.application import run_gui

    return run_gui(ctx.paths, demo=ctx.demo)


def _qt_check(paths):  # type: ignore[no-untyped-def]
    from app.ui.selftest import build_main_window_offscreen

    return build_main_window_offscreen(paths)


def _screenshots(paths, out_dir, size=None):  # type: ignore[no-untyped-def]
    from app.ui.selftest import save_screenshots_offscreen

    return save_screenshots_offscreen(paths, out_dir, size)


def main() -> int:
    from app.cli import main as cli_main

    return cli_main(sys.argv[1:], gui=_launch_gui, qt_check=_qt_check, screenshotter=_screenshots)


if __name__ == "__main__":
    sys.exit(main())
