"""Feed settings edited by hand (or by a tampered file) end in a readable refusal: a file
name that is not a plain name (a drive, a device, a NUL) is refused when saved and when
published -- a run never stays 'running' -- and one feed's unknown file format does not
stop `feed publish --all` from publishing the others."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app import cli
from app.feeds.config import FeedConfig
from app.feeds.publish import publish_all, publish_feed
from app.feeds.setup import save_feed
from app.formats.dms_layout import INVENTORY
from app.formats.feeds.common import write_delimited
from app.sandbox.demo_feeds import DEMO_DEALER
from app.services.errors import ValidationError
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import ConnectionProfile, Flow, Run


@pytest.fixture
def folder_feeds(store: Store, tmp_path: Path, inventory_rows: list[dict[str, str]]) -> Path:
    drop, out = tmp_path / "drop", tmp_path / "feeds"
    drop.mkdir(), out.mkdir()
    rows = [r for r in inventory_rows if r["status"] == "AVAILABLE"][:3]
    data = write_delimited(
        [c.upper() for c in INVENTORY],
        [{c.upper(): r.get(c, "") for c in INVENTORY} for r in rows],
        "csv",
    )
    (drop / "INVENTORY_1.csv").write_bytes(data)
    profiles = ProfileService(store)
    dms = profiles.create(
        "DMS extract",
        "dms_file",
        {"folder": str(drop), "file_pattern": "INVENTORY_*.csv", "entity": "inventory"},
    )
    for channel in ("website", "google", "meta"):
        target = profiles.create(
            f"Folder {channel}", "feed_target", {"delivery": "folder", "folder": str(out)}
        )
        save_feed(
            store,
            slug=f"feed-{channel}",
            config=FeedConfig(channel, dealer=DEMO_DEALER),
            dms_profile_id=dms.id,
            target_profile_id=target.id,
        )
    return out


@pytest.mark.parametrize("name", ["C:evil.csv", "CON", "nul.csv", "feed\x00.csv", "x.csv:ads"])
def test_a_feed_file_name_must_be_a_plain_name(store: Store, folder_feeds: Path, name: str) -> None:
    profiles = ProfileService(store)
    target = profiles.get_by_name("Folder website")
    with pytest.raises(ValidationError, match="file_name"):
        profiles.update(target.id, settings={**target.settings, "file_name": name})
    with store.session() as s:  # edited behind the app's back
        row = s.get(ConnectionProfile, target.id)
        assert row is not None
        row.settings = {**row.settings, "file_name": name}
    summary = publish_feed(store, "feed-website")
    assert summary.status == "failed" and "file name" in (summary.error or "")
    with store.session() as s:
        assert s.scalars(select(Run.status).where(Run.status == "running")).all() == []
    assert sorted(p.name for p in folder_feeds.iterdir()) == []


def test_a_tampered_file_format_does_not_stop_the_other_feeds(
    store: Store, folder_feeds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with store.session() as s:
        flow = s.scalars(select(Flow).where(Flow.slug == "feed-google")).one()
        flow.options = {**flow.options, "file_format": "xlsx"}
    summaries = {s.channel: s for s in publish_all(store)}
    assert summaries["google"].status == "failed"
    assert "file format 'xlsx'" in (summaries["google"].error or "")
    assert summaries["website"].status == summaries["meta"].status == "succeeded"
    assert cli.main(["--data-dir", str(store.paths.data_dir), "feed", "publish", "--all"]) == 2
    out = capsys.readouterr().out
    assert "Dealer website" in out or "website" in out
