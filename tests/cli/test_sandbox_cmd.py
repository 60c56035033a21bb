"""The demo dealership from a shell: ``sandbox generate``, ``sandbox serve`` (with a port
file) and ``demo --headless``."""

from __future__ import annotations

import filecmp
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.sandbox.demo_session import RUN_ORDER
from tests.support.cli import ROOT, run_cli
from tests.support.files import files_containing


def test_generate_is_deterministic_and_writes_truth(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    first = run_cli("sandbox", "generate", "--customers", "300", "--seed", "5", "--out", str(a))
    assert first.returncode == 0
    out = run_cli("sandbox", "generate", "--customers", "300", "--seed", "5", "--out", str(b))
    assert out.returncode == 0 and "Wrote the demo dealership" in out.stdout
    names = sorted(p.name for p in a.glob("*.csv"))
    assert "truth.csv" in names and "dms_customers.csv" in names and "crm_contacts.csv" in names
    for name in names:
        assert filecmp.cmp(a / name, b / name, shallow=False), name


def test_serve_writes_port_file_sets_up_demo_and_keeps_secrets_out(tmp_path: Path) -> None:
    data, port_file = tmp_path / "data", tmp_path / "ports.json"
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--data-dir", str(data), "sandbox", "serve",
         "--customers", "150", "--port-file", str(port_file)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not port_file.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert port_file.exists(), proc.stderr.read() if proc.stderr else ""
        payload = json.loads(port_file.read_text())
        for name in ("dms", "crm", "website", "marketing"):
            stats = httpx.get(payload["servers"][name]["url"] + "/_sandbox/stats", timeout=10)
            assert stats.status_code == 200 and "counts" in stats.json()
        # another shell can use the demo flows while it runs
        deadline = time.monotonic() + 60
        listed = run_cli("--data-dir", str(data), "flow", "list")
        while "customers-dms-to-crm" not in listed.stdout and time.monotonic() < deadline:
            time.sleep(0.5)
            listed = run_cli("--data-dir", str(data), "flow", "list")
        assert "customers-dms-to-crm" in listed.stdout
        ran = run_cli("--data-dir", str(data), "flow", "run", "customers-dms-to-crm")
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert "Succeeded" in ran.stdout
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert proc.returncode == 0
    assert not port_file.exists()  # a port file on disk always describes running servers
    secrets = [
        v for server in payload["servers"].values() for k, v in server["credentials"].items()
        if k in ("client_secret", "api_key", "webhook_secret")
    ]  # fmt: skip
    assert secrets
    outside_sandbox = [p for p in data.iterdir() if p.name != "sandbox"]
    for secret in secrets:
        for folder in outside_sandbox:
            hits = files_containing(folder, secret) if folder.is_dir() else (
                [folder] if secret.encode() in folder.read_bytes() else []
            )  # fmt: skip
            assert hits == [], f"a demo credential leaked into {hits}"


def test_demo_headless_runs_every_flow_and_saves_screenshots(tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    out = run_cli(
        "--data-dir", str(tmp_path / "d"), "demo", "--headless", "--customers", "150",
        "--screenshots", str(shots),
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    for flow in RUN_ORDER:  # the Elead, Klaviyo and consent flows too
        assert flow in out.stdout
    assert "The demo ran end to end." in out.stdout
    names = {p.name for p in shots.glob("*.png")}
    assert len([n for n in names if n[:2].isdigit()]) == 8  # the main screens (Segments too)
    assert {f"flow-wizard-{n}.png" for n in range(1, 8)} <= names
    assert {f"feed-wizard-{n}.png" for n in range(1, 7)} <= names
    assert "conflicts.png" in names
