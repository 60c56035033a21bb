"""``feed export`` / ``feed publish`` / ``feed list`` from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import build_parser
from app.cli.context import CliContext
from app.formats.feeds import google_vehicle_listings as google
from app.formats.feeds.common import read_delimited
from app.paths import AppPaths
from app.sandbox.servers import SandboxServers
from app.store import Store
from tests.support.feeds import listings


def _run(paths: AppPaths, store: Store, *argv: str) -> int:
    parser = build_parser(load=["feed"])
    args = parser.parse_args(["feed", *argv])
    ctx = CliContext(paths=paths, args=args, _store=store)
    code: int = args.handler(ctx)
    return code


def test_export_google_from_the_dms_connection(
    paths: AppPaths, demo_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "google.tsv"
    assert _run(paths, demo_store, "export", "--format", "google", "--out", str(out)) == 0
    header, rows = read_delimited(out.read_bytes(), "tsv")
    assert header == list(google.COLUMNS) and len(rows) >= 90
    assert all(google.problems(r) == [] for r in rows)
    assert f"Wrote {len(rows):,} vehicles" in capsys.readouterr().out


def test_export_needs_dealer_details_without_a_feed(
    paths: AppPaths, store: Store, feeds_sandbox: SandboxServers, tmp_path: Path
) -> None:
    from app.errors import RooftopError
    from app.sandbox.demo import install_demo

    install_demo(store, feeds_sandbox.port_file_payload())  # a DMS connection but no feeds
    out = tmp_path / "meta.csv"
    with pytest.raises(RooftopError, match="Meta catalog needs"):
        _run(paths, store, "export", "--format", "meta", "--out", str(out))
    assert not out.exists()
    code = _run(
        paths,
        store,
        "export",
        "--format",
        "meta",
        "--out",
        str(out),
        "--dealer-street",
        "1 Main St",
        "--dealer-city",
        "Springfield",
        "--dealer-region",
        "IL",
        "--dealer-postal-code",
        "62704",
        "--dealer-vdp-url",
        "https://d.example/{vin}",
    )
    assert code == 0 and out.read_bytes().startswith(b"vehicle_id,vin,title")


def test_publish_and_list(
    paths: AppPaths,
    demo_store: Store,
    feeds_sandbox: SandboxServers,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _run(paths, demo_store, "publish", "feed-website") == 0
    text = capsys.readouterr().out
    assert "vehicles published to" in text and "run #1" in text
    assert listings(feeds_sandbox, "website")
    assert _run(paths, demo_store, "publish", "--all") == 0
    assert _run(paths, demo_store, "list") == 0
    listed = capsys.readouterr().out
    assert "feed-google" in listed and "every 15 min" in listed
    assert _run(paths, demo_store, "publish") == 2
