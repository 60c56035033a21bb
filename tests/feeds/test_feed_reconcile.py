"""Reconciling an inventory feed: DMS stock against the channel's last published file —
sold units still listed are the headline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main as cli_main
from app.feeds.config import FeedConfig
from app.feeds.publish import publish_all, publish_feed
from app.feeds.reconcile import reconcile_feed
from app.feeds.setup import save_feed
from app.formats.dms_layout import INVENTORY
from app.formats.feeds.common import write_delimited
from app.sandbox import demo_names
from app.sandbox.demo_feeds import DEMO_DEALER
from app.sandbox.servers import SandboxServers
from app.services.profiles import ProfileService
from app.store import Store
from tests.support.feeds import available_vin


def _extract(folder: Path, rows: list[dict[str, str]]) -> None:
    data = write_delimited(
        [c.upper() for c in INVENTORY],
        [{c.upper(): r.get(c, "") for c in INVENTORY} for r in rows],
        "csv",
    )
    (folder / "INVENTORY_20261101.csv").write_bytes(data)


def test_folder_feed_read_back_finds_the_sold_unit_still_listed(
    store: Store,
    tmp_path: Path,
    inventory_rows: list[dict[str, str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    drop, out = tmp_path / "drop", tmp_path / "feeds"
    drop.mkdir(), out.mkdir()
    units = [r for r in inventory_rows if r["status"] == "AVAILABLE" and r["price"]][:4]
    _extract(drop, units)
    profiles = ProfileService(store)
    dms = profiles.create(
        "DMS extract",
        "dms_file",
        {"folder": str(drop), "file_pattern": "INVENTORY_*.csv", "entity": "inventory"},
    )
    target = profiles.create(
        "Website folder", "feed_target", {"delivery": "folder", "folder": str(out)}
    )
    save_feed(
        store,
        slug="website-folder",
        config=FeedConfig("website", dealer=DEMO_DEALER),
        dms_profile_id=dms.id,
        target_profile_id=target.id,
    )
    assert publish_feed(store, "website-folder").status == "succeeded"
    assert reconcile_feed(store, "website-folder").exit_code == 0

    sold = {**units[1], "status": "SOLD"}
    _extract(drop, [units[0], sold, units[2], units[3]])  # sold in the DMS, not republished
    check = reconcile_feed(store, "website-folder")
    assert check.read_back and check.exit_code == 1
    assert check.sold_still_listed == {units[1]["vin"]: "SOLD"}
    assert check.missing == [] and check.report.same == 3

    capsys.readouterr()
    data = ["--data-dir", str(store.paths.data_dir)]
    assert cli_main([*data, "flow", "reconcile", "website-folder", "--json"]) == 1
    printed = capsys.readouterr().out
    assert "sold units still listed: 1" in printed
    assert json.loads(printed.strip().splitlines()[-1])["sold_still_listed"] == [units[1]["vin"]]


def test_http_feed_uses_the_record_of_the_last_publication(
    demo_store: Store, feeds_sandbox: SandboxServers
) -> None:
    publish_all(demo_store)
    vin = available_vin(feeds_sandbox)
    dms = ProfileService(demo_store).connector(
        ProfileService(demo_store).get_by_name(demo_names.DMS).id
    )
    client = dms.client  # type: ignore[attr-defined]
    etag = client.request("GET", f"/inventory/{vin}").headers["ETag"]
    client.request(
        "PATCH", f"/inventory/{vin}", json={"status": "SOLD"}, headers={"If-Match": etag}
    )
    dms.close()
    check = reconcile_feed(demo_store, "feed-google")
    assert not check.read_back and "cannot be read back" in check.report.notes[0]
    assert check.sold_still_listed == {vin: "SOLD"}
    publish_all(demo_store)
    assert vin not in reconcile_feed(demo_store, "feed-google").sold_still_listed
