"""Storage faults end in words, never a traceback: a data folder whose logs cannot be
written, a read-only database, a full disk, an empty or damaged database file.

Tests run as root, for whom file permissions do not hold, so the faults are real ones
made another way: a folder entry of the wrong kind, SQLite's ``mode=ro``, a file-size
limit (RLIMIT_FSIZE) in a child process, bytes overwritten in the file."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import select

from app import cli
from app.paths import AppPaths
from app.store import Store, db, open_store
from app.store.faults import DamagedDatabaseError
from app.store.models import Run
from tests.support.cli import ROOT, run_cli
from tests.support.memory_connector import World
from tests.support.memory_flow import customer


def _main(paths: AppPaths, *args: str) -> int:
    return cli.main(["--data-dir", str(paths.data_dir), *args])


def test_a_data_folder_whose_log_file_cannot_be_made_still_answers(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "logs").write_text("not a folder")  # the log file cannot be opened
    out = run_cli("--data-dir", str(data), "flow", "list")
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert "log file" in out.stderr and "screen only" in out.stderr
    assert "No flows yet" in out.stdout


def test_a_read_only_database_is_said_in_words(
    store: Store,
    memory_flow: str,
    world: type[World],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    world.source = [customer(n) for n in range(5)]
    store.dispose()
    monkeypatch.setattr(db, "engine_url", lambda p: f"sqlite:///file:{p}?mode=ro&uri=true")
    code = _main(store.paths, "flow", "run", memory_flow)
    err = capsys.readouterr().err
    assert code == 2
    assert "read-only" in err and "Traceback" not in err


def test_an_empty_database_file_is_refused_not_replaced(paths: AppPaths) -> None:
    open_store(paths).dispose()
    paths.database.write_bytes(b"")  # truncated by a disk fault
    with pytest.raises(DamagedDatabaseError, match="empty"):
        open_store(paths)
    assert paths.database.stat().st_size == 0  # nothing was made over it
    out = run_cli("--data-dir", str(paths.data_dir), "flow", "list")
    assert out.returncode == 2 and "empty (0 bytes)" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_new_store_is_made_whole_or_not_at_all(paths: AppPaths) -> None:
    store = open_store(paths)
    store.dispose()
    assert not paths.database.with_name("rooftop.db.new").exists()
    assert paths.database.stat().st_size > 0


def test_self_test_finds_a_damaged_database(tmp_path: Path) -> None:
    paths = AppPaths(tmp_path / "data").ensure()
    open_store(paths).dispose()
    with paths.database.open("r+b") as fh:  # damage pages past the header
        fh.seek(4096 * 3)
        fh.write(b"\xff" * 8192)
    out = run_cli("--data-dir", str(paths.data_dir), "self-test")
    assert out.returncode == 1
    assert "FAIL  Database" in out.stdout and "damaged" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


_FULL_DISK = """
import resource, signal, sys
from app import cli
from app.store import open_store
from app.paths import AppPaths
from tests.support.memory_connector import World
from tests.support.memory_flow import customer

data = sys.argv[1]
World.source = [customer(n, first_name="x" * 400) for n in range(4000)]
store = open_store(AppPaths(__import__("pathlib").Path(data)))
size = store.paths.database.stat().st_size
store.dispose()
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (size + 300_001, size + 300_001))
sys.exit(cli.main(["--data-dir", data, "flow", "run", "customers-test"]))
"""


def test_a_full_disk_stops_the_run_in_words_and_the_next_run_goes_on(
    store: Store, memory_flow: str, world: type[World]
) -> None:
    store.dispose()
    script = textwrap.dedent(_FULL_DISK)
    out = subprocess.run(
        [sys.executable, "-c", script, str(store.paths.data_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr, out.stderr
    assert "disk" in out.stderr and ("full" in out.stderr or "could not" in out.stderr)
    # the database is whole, and the stopped run is closed (now or by the next run)
    con = sqlite3.connect(store.paths.database)
    assert con.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    con.close()
    world.source = [customer(n) for n in range(3)]
    again = open_store(store.paths)
    try:
        assert cli.main(["--data-dir", str(store.paths.data_dir), "flow", "run", memory_flow]) == 0
        with again.session() as s:
            runs = s.scalars(select(Run).order_by(Run.id)).all()
            assert [r.status for r in runs][-1] == "succeeded"
            first = runs[0]
            assert first.status == "failed" and first.error
            assert "see the log file" not in first.error
    finally:
        again.dispose()
