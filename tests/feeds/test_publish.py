"""Publishing the demo feeds: delivery to the receiver, feed history in the sync log,
sold units removed, the schedule entry point, and the DMS file extract as a source."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.feeds.config import FeedConfig
from app.feeds.publish import list_feeds, publish_all, publish_feed
from app.feeds.setup import save_feed
from app.formats.dms_layout import INVENTORY
from app.formats.feeds.common import read_delimited, write_delimited
from app.sandbox import demo_names
from app.sandbox.demo_feeds import DEMO_DEALER
from app.sandbox.servers import SandboxServers
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import ParkedRecord, RecordOutcome, Run
from tests.support.feeds import available_vin, listings


def test_publish_all_delivers_every_feed_and_records_history(
    demo_store: Store, feeds_sandbox: SandboxServers
) -> None:
    summaries = publish_all(demo_store, trigger="schedule", triggered_by="scheduler")
    assert [s.channel for s in summaries] == ["website", "google", "meta"]  # website first
    assert all(s.status == "succeeded" for s in summaries), [s.error for s in summaries]
    for s in summaries:
        on_channel = {r["vin"] for r in listings(feeds_sandbox, s.channel)}
        assert len(on_channel) == s.listed == s.added == s.accepted
    with demo_store.session() as db:
        runs = db.scalars(select(Run).order_by(Run.id)).all()
        assert [r.trigger for r in runs] == ["schedule"] * 3
        assert [r.created_count for r in runs] == [s.added for s in summaries]
        assert all(r.read_count >= 130 and r.status == "succeeded" for r in runs)
        outcomes = db.scalars(select(RecordOutcome).where(RecordOutcome.run_id == runs[0].id)).all()
        assert len(outcomes) == summaries[0].listed
        assert {o.action for o in outcomes} == {"create"}
        assert all(o.status == "delivered" and len(o.record_key) == 17 for o in outcomes)
    again = publish_all(demo_store, trigger="schedule")
    assert all(s.added == 0 and s.changed == 0 and not s.removed for s in again)
    with demo_store.session() as db:
        last = db.scalars(select(Run).order_by(Run.id.desc())).first()
        assert last is not None and last.unchanged_count == again[-1].listed


def test_sold_unit_is_removed_with_the_reason(
    demo_store: Store, feeds_sandbox: SandboxServers
) -> None:
    publish_all(demo_store)
    vin = available_vin(feeds_sandbox)
    assert listings(feeds_sandbox, "website", vin)
    dms = ProfileService(demo_store).connector(
        ProfileService(demo_store).get_by_name(demo_names.DMS).id
    )
    client = dms.client  # type: ignore[attr-defined]
    etag = client.request("GET", f"/inventory/{vin}").headers["ETag"]
    patched = client.request(
        "PATCH", f"/inventory/{vin}", json={"status": "SOLD"}, headers={"If-Match": etag}
    )
    assert patched.status_code == 200
    dms.close()
    summaries = publish_all(demo_store, trigger="manual")
    for s in summaries:
        assert s.removed == {vin: "not for sale (SOLD)"}
        assert not listings(feeds_sandbox, s.channel, vin)
    with demo_store.session() as db:
        gone = db.scalars(select(RecordOutcome).where(RecordOutcome.action == "delete")).all()
        assert {o.record_key for o in gone} == {vin} and len(gone) == 3
        assert all("SOLD" in (o.response_payload or "") for o in gone)


def test_one_failing_destination_does_not_stop_the_others(
    demo_store: Store, feeds_sandbox: SandboxServers
) -> None:
    profiles = ProfileService(demo_store)
    meta = profiles.get_by_name("Demo website receiver: meta feed")
    profiles.update(meta.id, secret_values={"api_key": "wrong-key"})
    summaries = {s.channel: s for s in publish_all(demo_store)}
    assert summaries["meta"].status == "failed"
    assert "API key" in (summaries["meta"].error or "")
    assert summaries["google"].status == summaries["website"].status == "succeeded"
    with demo_store.session() as db:
        failed = db.scalars(select(Run).where(Run.status == "failed")).all()
        assert len(failed) == 1 and "API key" in (failed[0].error or "")


def _extract(folder: Path, rows: list[dict[str, str]]) -> None:
    data = write_delimited(
        [c.upper() for c in INVENTORY],
        [{c.upper(): r.get(c, "") for c in INVENTORY} for r in rows],
        "csv",
    )
    (folder / "INVENTORY_20261101.csv").write_bytes(data)


def test_file_extract_to_folder_new_units_appear_on_next_run(
    store: Store, tmp_path: Path, inventory_rows: list[dict[str, str]]
) -> None:
    drop, out = tmp_path / "drop", tmp_path / "feeds"
    drop.mkdir(), out.mkdir()
    available = [r for r in inventory_rows if r["status"] == "AVAILABLE"]
    bad = {**available[1], "vin": "1G4AH59H55G118341"}  # wrong check digit
    _extract(drop, [available[0], bad])
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
    first = publish_feed(store, "website-folder", trigger="schedule")
    assert first.status == "completed_with_errors"
    assert next(e.reason for e in first.excluded).endswith("it was probably mistyped")
    _, rows = read_delimited((out / "website.csv").read_bytes())
    assert [r["vin"] for r in rows] == [available[0]["vin"]]
    with store.session() as db:
        parked = db.scalars(select(ParkedRecord)).all()
        assert [p.record_key for p in parked] == ["1G4AH59H55G118341"]
        assert "check digit" in parked[0].reason
    # A new unit arrives in the next extract: it is on the next scheduled run.
    _extract(drop, [available[0], available[2]])
    second = publish_all(store, trigger="schedule")[0]
    _, rows = read_delimited((out / "website.csv").read_bytes())
    assert {r["vin"] for r in rows} == {available[0]["vin"], available[2]["vin"]}
    assert second.added == 1 and second.status == "succeeded"
    assert [f.schedule for f in list_feeds(store)] == [{"interval_s": 900}]
