"""``main.py service``: the headless scheduler in its own process, next to a window."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

import pytest

from app.cli import build_parser
from app.cli.context import CliContext
from app.scheduling.schedule import Schedule
from app.scheduling.scheduler import FlowScheduler
from app.scheduling.schedules import ScheduleService
from app.store import Store
from tests.support.cli import ROOT

SERVICE = """
import sys
import tests.support.memory_connector
from app.cli import build_parser
from app.cli.context import CliContext
from app.paths import AppPaths
parser = build_parser(load=["service"])
ctx = CliContext(AppPaths(__import__("pathlib").Path(sys.argv[1])), parser.parse_args(sys.argv[2:]))
sys.exit(ctx.args.handler(ctx))
"""


def _args(*argv: str) -> argparse.Namespace:
    parser = build_parser(load=["service"])
    return parser.parse_args(["service", *argv])


def test_status_lists_schedules_in_plain_words(
    store: Store, memory_flow: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ScheduleService(store).save(memory_flow, Schedule("cron", cron="0 2 * * *"))
    ctx = CliContext(store.paths, _args("--status"), _store=store)
    assert ctx.args.handler(ctx) == 0
    out = capsys.readouterr().out
    assert "customers-test  Every night at 2:00" in out and " 02:00" in out


def test_the_service_and_the_window_never_both_run_the_schedule(
    store: Store, memory_flow: str
) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVICE, str(store.paths.data_dir), "service"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    window = FlowScheduler(store, role="window", maintenance_s=3600, takeover_s=0.1)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "service started (active)" in first, first + (
            proc.stderr.read() if proc.stderr else ""
        )
        assert window.start() == "standby"
        assert "service" in window.describe_status()
        proc.send_signal(signal.SIGTERM)
        out, _err = proc.communicate(timeout=60)
        assert proc.returncode == 0 and "service stopped" in out
        deadline = time.monotonic() + 30
        while window.status != "active" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert window.status == "active"
    finally:
        window.stop()
        if proc.poll() is None:
            proc.kill()


def test_the_service_cleans_up_daily_as_the_window_does(store: Store, memory_flow: str) -> None:
    from app.cli.service_cmd import daily_clean_up
    from app.services import retention

    tick = daily_clean_up(store)
    first = tick()
    assert first is not None
    first.join(timeout=60)
    when, message = retention.last_run(store)
    assert when is not None and message
    assert tick() is None  # not due again for a day
