"""``self-test``: database, keyring and Qt each checked for real, headless."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from app import __version__, secrets
from app.cli.context import CliContext
from app.errors import RooftopError
from app.store.migrations import LATEST_VERSION


def register(p: argparse.ArgumentParser) -> None:
    """Add this command's arguments to its parser."""
    p.set_defaults(handler=run)


def _check_database(ctx: CliContext) -> str:
    from app.store.faults import DamagedDatabaseError, storage_problem

    store = ctx.store
    try:
        with store.engine.connect() as conn:
            version = conn.exec_driver_sql("PRAGMA user_version").scalar()
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            fk = conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
            # every page read once: a damaged file fails here, not in the first screen
            damage = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA quick_check(5)")]
    except Exception as exc:
        problem = storage_problem(exc, ctx.paths.database)
        if problem is None:
            raise
        raise problem from exc
    if damage != ["ok"]:
        raise DamagedDatabaseError(
            f"{ctx.paths.database} is damaged: {'; '.join(damage)}",
            hint=f"Restore a copy from {ctx.paths.backups_dir} (the newest that opens).",
        )
    if version != LATEST_VERSION:
        raise RooftopError(f"schema is v{version}, expected v{LATEST_VERSION}")
    if str(mode).lower() != "wal" or fk != 1:
        raise RooftopError(f"journal mode {mode}, foreign keys {fk}: expected WAL and on")
    return f"{ctx.paths.database} (schema v{version}, WAL, foreign keys on)"


def _check_keyring(_ctx: CliContext) -> str:
    return f"write/read/delete round trip through {secrets.check_round_trip()}"


def _check_qt(ctx: CliContext) -> str:
    if ctx.qt_check is None:
        raise RooftopError("this build has no user interface to check")
    return ctx.qt_check(ctx.paths)


def run(ctx: CliContext) -> int:
    print(f"Rooftop Sync {__version__} self-test — data folder {ctx.paths.data_dir}")
    checks: list[tuple[str, Callable[[CliContext], str]]] = [
        ("Database", _check_database),
        ("Keyring", _check_keyring),
        ("User interface", _check_qt),
    ]
    failed: list[str] = []
    for label, check in checks:
        if label == "User interface" and "Database" in failed:
            print(f"  skip  {label}: it needs the database, which failed above")
            continue
        try:
            detail = check(ctx)
        except RooftopError as exc:
            failed.append(label)
            print(f"  FAIL  {label}: {exc}")
        else:
            print(f"  ok    {label}: {detail}")
    print("Self-test passed." if not failed else f"Self-test failed: {len(failed)} check(s).")
    return 0 if not failed else 1
