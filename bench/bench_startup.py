"""Start-up: how long a command takes to answer, and the window to be on screen.

- ``--version``: median wall time of 7 fresh processes, and the peak RSS of one;
- ``self-test`` (store, keyring, main window offscreen): median of 3;
- the window: ``main.py`` on a virtual screen (Xvfb), from launch until a top-level
  window titled "Rooftop Sync" is viewable (polled with ``xwininfo``, nothing in the app
  helps), and until its screens are built (the log's "started on" line), median of 5
  launches on a data folder that already exists.

    bash scripts/bench.sh bench/bench_startup.py

Targets (issue "Tidy the rooms"): ``--version`` under 0.2 s, the window under 1.5 s.
Last line: one JSON object.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAIN = [sys.executable, str(ROOT / "main.py")]


def _peak_rss_mb(cmd: list[str], env: dict[str, str]) -> float:
    """Peak RSS of one run of ``cmd`` (GNU time when present, else psutil polling)."""
    if shutil.which("time") or Path("/usr/bin/time").exists():
        out = subprocess.run(
            ["/usr/bin/time", "-f", "%M", *cmd], env=env, capture_output=True, text=True
        )
        return int(out.stderr.strip().splitlines()[-1]) / 1024
    import psutil

    proc = psutil.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, proc.memory_info().rss)
        except psutil.Error:
            break
        time.sleep(0.002)
    return peak / 2**20


def _timed(cmd: list[str], env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def _start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    for n in range(140, 160):
        display = f":{n}"
        if Path(f"/tmp/.X11-unix/X{n}").exists():
            continue
        proc = subprocess.Popen(
            ["Xvfb", display, "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):  # the socket appears before the server answers: ask it
            answered = subprocess.run(
                ["xwininfo", "-root"],
                env={**os.environ, "DISPLAY": display},
                capture_output=True,
                check=False,
            )
            if answered.returncode == 0:
                return proc, display
            time.sleep(0.05)
        proc.kill()
    raise SystemExit("no free display for Xvfb")


def _window_viewable(display: str) -> bool:
    env = {**os.environ, "DISPLAY": display}
    tree = subprocess.run(
        ["xwininfo", "-root", "-tree"], env=env, capture_output=True, text=True
    ).stdout
    for wid in re.findall(r"^\s+(0x[0-9a-f]+) \"Rooftop Sync\"", tree, re.M):
        info = subprocess.run(
            ["xwininfo", "-id", wid], env=env, capture_output=True, text=True
        ).stdout
        if "Map State: IsViewable" in info:
            return True
    return False


def _started_lines(data: Path) -> int:
    log = data / "logs" / "rooftop.log"
    if not log.exists():
        return 0
    return log.read_text("utf-8", errors="replace").count(" started on ")


def _time_to_window(display: str, data: Path, env: dict[str, str]) -> tuple[float, float]:
    """(seconds until the window is on screen, seconds until its screens are built)."""
    run_env = {**env, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    before = _started_lines(data)
    started = time.perf_counter()
    errors = data.parent / "app-stderr.txt"
    with errors.open("ab") as err:
        proc = subprocess.Popen(
            [*MAIN, "--data-dir", str(data)], env=run_env, stdout=subprocess.DEVNULL, stderr=err
        )
    shown = None
    try:
        while time.perf_counter() - started < 60:
            if shown is None and _window_viewable(display):
                shown = time.perf_counter() - started
            if shown is not None and _started_lines(data) > before:
                return shown, time.perf_counter() - started
            if proc.poll() is not None:
                tail = errors.read_text("utf-8", errors="replace")[-2000:]
                raise SystemExit(
                    f"the app exited with {proc.returncode} before its window:\n{tail}"
                )
            time.sleep(0.01)
        raise SystemExit("no window within 60 s")
    finally:
        proc.kill()
        proc.wait()


def main() -> None:
    env = {**os.environ}
    env.pop("QT_QPA_PLATFORM", None)
    offscreen = {**env, "QT_QPA_PLATFORM": "offscreen"}
    version = _timed([*MAIN, "--version"], env, 7)
    version_rss = _peak_rss_mb([*MAIN, "--version"], env)
    print(f"--version: median {statistics.median(version):.3f} s, peak RSS {version_rss:.0f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        selftest = _timed([*MAIN, "--data-dir", str(data), "self-test"], offscreen, 3)
        print(f"self-test: median {statistics.median(selftest):.3f} s")
        xvfb, display = _start_xvfb()
        try:
            _time_to_window(display, data, env)  # the first start on this folder: not timed
            launches = [_time_to_window(display, data, env) for _ in range(5)]
        finally:
            xvfb.kill()
            xvfb.wait()
    window = [w for w, _ready in launches]
    ready = [r for _w, r in launches]
    print(f"window on screen: median {statistics.median(window):.3f} s of {len(window)}")
    print(f"screens built:    median {statistics.median(ready):.3f} s")
    print(
        json.dumps(
            {
                "bench": "startup",
                "version_s": round(statistics.median(version), 3),
                "version_peak_rss_mb": round(version_rss, 1),
                "self_test_s": round(statistics.median(selftest), 3),
                "window_s": round(statistics.median(window), 3),
                "window_runs_s": [round(w, 3) for w in window],
                "screens_built_s": round(statistics.median(ready), 3),
                "target_version_s": 0.2,
                "target_window_s": 1.5,
            }
        )
    )


if __name__ == "__main__":
    main()
