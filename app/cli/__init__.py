"""Command line: the same services the UI uses, without a window.

``main.py`` passes in the two things that need Qt (opening the window and the offscreen
self-test) so this package never imports PySide6.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from app import APP_NAME, __version__
from app.cli import (
    bundle_check_cmd,
    dedupe_cmd,
    demo_cmd,
    feed_cmd,
    flow_cmd,
    profiles_cmd,
    sandbox_cmd,
    screenshots_cmd,
    selftest_cmd,
    service_cmd,
)
from app.cli.context import CliContext, QtCheck, Screenshotter
from app.errors import RooftopError
from app.logging_setup import setup_logging
from app.paths import resolve_paths

GuiLauncher = Callable[[CliContext], int]

_COMMANDS = (
    selftest_cmd,
    profiles_cmd,
    flow_cmd,
    service_cmd,
    feed_cmd,
    sandbox_cmd,
    demo_cmd,
    dedupe_cmd,
    screenshots_cmd,
    bundle_check_cmd,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="RooftopSync",
        description=f"{APP_NAME} {__version__} — keeps the DMS in step with the CRM, website "
        "and marketing tools. Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder for the database, logs and demo state (default: the per-user app data "
        "folder; ROOFTOP_DATA_DIR also sets it)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _COMMANDS:
        module.register(sub)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    gui: GuiLauncher | None = None,
    qt_check: QtCheck | None = None,
    screenshotter: Screenshotter | None = None,
) -> int:
    """Run one command and return the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    paths = resolve_paths(args.data_dir)
    ctx = CliContext(
        paths=paths, args=args, qt_check=qt_check, screenshotter=screenshotter, gui=gui
    )
    try:
        paths.ensure()
        setup_logging(paths.log_file, console=args.command is not None)
        if args.command is None:
            if gui is None:
                parser.print_help()
                return 2
            return gui(ctx)
        handler: Callable[[CliContext], int] = args.handler
        return handler(ctx)
    except RooftopError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(exc.hint, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    finally:
        ctx.close()


def console_main() -> None:
    """Entry point of the ``rooftop-sync`` console script (no window available)."""
    raise SystemExit(main())
