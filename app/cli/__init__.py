"""Command line: the same services the UI uses, without a window.

``main.py`` passes in the two things that need Qt (opening the window and the offscreen
self-test) so this package never imports PySide6. A command's module — and what it needs:
the store, pandas, the sandbox — is imported only when that command runs, so
``--version`` and ``--help`` answer at once.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app import APP_NAME, __version__
from app.cli.context import CliContext, QtCheck, Screenshotter
from app.errors import RooftopError
from app.logging_setup import setup_logging
from app.paths import resolve_paths

GuiLauncher = Callable[[CliContext], int]


@dataclass(frozen=True)
class Command:
    module: str  # under app.cli; its register(parser) adds the arguments
    help: str
    description: str | None = None


COMMANDS: dict[str, Command] = {
    "self-test": Command(
        "selftest_cmd", "check that the database, the keyring and the user interface work"
    ),
    "profiles": Command("profiles_cmd", "manage connection profiles"),
    "flow": Command("flow_cmd", "list and run sync flows"),
    "service": Command(
        "service_cmd",
        "run scheduled syncs and alerts without a window (for Windows Task Scheduler)",
        "Runs the flows on their schedules and sends alerts until stopped (Ctrl+C, or ending "
        "the scheduled task).",
    ),
    "feed": Command("feed_cmd", "inventory feeds for Google, Meta and the website"),
    "segment": Command(
        "segment_cmd", "marketing segments from DMS data, and their lists at the marketing platform"
    ),
    "setup": Command(
        "setup_cmd", "a whole rooftop's setup as one file: export it, import it at the next store"
    ),
    "privacy": Command(
        "privacy_cmd",
        "erase a person, or export what is kept about them (GDPR/CCPA requests)",
    ),
    "sandbox": Command("sandbox_cmd", "the demo dealership"),
    "demo": Command("demo_cmd", "run the app on the built-in demo dealership (no internet needed)"),
    "dedupe": Command(
        "dedupe_cmd",
        "find duplicate customers in a CSV file (or link two files)",
        "Find records of the same person in a CSV export (or across two).",
    ),
    "screenshots": Command(
        "screenshots_cmd", "save a PNG of every screen and wizard page (no display needed)"
    ),
    "bundle-check": Command(
        "bundle_check_cmd",
        "check that every library loaded at run time works in this installed copy",
    ),
}


def _base_parser(*, add_help: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="RooftopSync",
        add_help=add_help,
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
    return parser


def _chosen(argv: Sequence[str]) -> str | None:
    """The command named on the command line, if any (found before the full parse)."""
    probe = _base_parser(add_help=False)  # "flow --help" is the flow command's help
    probe.add_argument("command", nargs="?")
    known, _rest = probe.parse_known_args(list(argv))
    return known.command if known.command in COMMANDS else None


def build_parser(load: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; the arguments of the commands in ``load`` (all when None) are added by
    importing their modules, the others are listed by name and help only."""
    parser = _base_parser()
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, command in COMMANDS.items():
        p = sub.add_parser(name, help=command.help, description=command.description)
        if load is None or name in load:
            importlib.import_module(f"app.cli.{command.module}").register(p)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    gui: GuiLauncher | None = None,
    qt_check: QtCheck | None = None,
    screenshotter: Screenshotter | None = None,
) -> int:
    """Run one command and return the process exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    chosen = _chosen(argv)
    parser = build_parser(load=[chosen] if chosen else [])
    args = parser.parse_args(argv)
    paths = resolve_paths(args.data_dir)
    ctx = CliContext(
        paths=paths, args=args, qt_check=qt_check, screenshotter=screenshotter, gui=gui
    )
    try:
        # Logging first, but never fatal: a read-only or full data folder still gets an
        # answer in words (below), not a traceback about the log file.
        log_problem = setup_logging(paths.log_file, console=args.command is not None)
        if log_problem and args.command is not None:
            print(f"Warning: {log_problem}; log lines go to the screen only.", file=sys.stderr)
        paths.ensure()
        if args.command is None:
            if gui is None:
                parser.print_help()
                return 2
            return gui(ctx)
        if getattr(args, "admin_only", False):
            _refuse_in_manager_mode(ctx)
        handler: Callable[[CliContext], int] = args.handler
        return handler(ctx)
    except RooftopError as exc:
        return _say(exc)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:
        problem = _storage_problem(exc, paths.database)
        if problem is None:
            raise  # a bug: the crash handler and the log file get the traceback
        return _say(problem)
    finally:
        try:
            ctx.close()
        except Exception as exc:
            if _storage_problem(exc, paths.database) is None:
                raise


def _refuse_in_manager_mode(ctx: CliContext) -> None:
    """Connections, secrets, mappings and schedules are the admin's, in the window and
    here alike (a command marks itself ``admin_only``)."""
    from app.services.access import AccessService
    from app.services.errors import AccessDeniedError

    if AccessService(ctx.store).policy().is_manager:
        raise AccessDeniedError(
            "This computer is in manager mode: connections, secrets, mappings, schedules "
            "and privacy requests are for the admin.",
            hint="Leave manager mode with the admin PIN (in the window: Settings → Access).",
        )


def _say(exc: RooftopError) -> int:
    print(f"Error: {exc.message}", file=sys.stderr)
    if exc.hint:
        print(exc.hint, file=sys.stderr)
    return 2


def _storage_problem(exc: BaseException, database: Path) -> RooftopError | None:
    """A read-only, full or damaged store in words (imported only when one happens)."""
    from app.store.faults import storage_problem

    return storage_problem(exc, database)


def console_main() -> None:
    """Entry point of the ``rooftop-sync`` console script (no window available)."""
    raise SystemExit(main())
