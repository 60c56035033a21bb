"""Every bench script still runs and ends with one JSON object (issue brief: "speed is
measured"): a bench that rots — bench_reconcile broke silently when the demo's customers
flow moved to Elead — is caught here, on tiny sizes. The figures are not judged here (no
wall-clock asserts); only that each script runs to its JSON line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# tiny sizes: the scripts' own defaults are the measured ones
SMALL = {
    "bench_feed_latency": ["--customers", "300", "--units", "2"],
    "bench_generate": ["--customers", "500"],
    "bench_mapping": ["2000"],
    "bench_matching": ["--sets", "ours:1500", "ours-rows:2000"],
    "bench_preentry": ["--customers", "500"],
    "bench_reconcile": ["--customers", "1000"],
    "bench_retailing": ["--customers", "200", "--deals", "2", "--rounds", "1"],
    "bench_segments": ["1000"],
    "bench_sync": ["--customers", "500"],
    "bench_sync_elead": ["--customers", "300"],
    "bench_sync_log": ["--events", "5000"],
}
SLOW = {"bench_startup"}  # starts the whole window several times; run by hand


def test_every_bench_script_is_listed_here() -> None:
    scripts = {p.stem for p in (ROOT / "bench").glob("bench_*.py")}
    assert scripts == set(SMALL) | SLOW


@pytest.mark.parametrize("name", sorted(SMALL))
def test_the_bench_runs_and_ends_with_one_json_line(name: str, tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"{name}.py"), *SMALL[name]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    last = done.stdout.strip().splitlines()[-1]
    figures = json.loads(last)
    assert isinstance(figures, dict) and figures
