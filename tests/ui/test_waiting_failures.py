"""The window tells the truth about records that could not be delivered (issue 23):

- with ``crm:reject_rate=0.1`` against the demo servers, a date-range re-sync sent in
  chunks shows its total on the Flows screen (not the last chunk's), and the records
  waiting for replay beside it; after a replay that succeeded for one record the row is
  still amber, and the dashboard's tick, tile and open alerts say the same;
- the Sync Log's Dismiss (admin) takes parked records out of the queue with a reason,
  and the record's story says who dismissed it and why.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtWidgets import QLabel
from sqlalchemy import select

from app.alerts import config
from app.alerts.config import AlertSettings
from app.alerts.monitor import AlertMonitor
from app.sandbox.demo import install_demo
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.scheduling import resync
from app.services.flows import FlowService
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import ParkedRecord
from app.sync.engine import SyncEngine
from app.ui.dialogs.record_timeline import RecordTimelineDialog
from app.ui.models.dashboard_models import last_run_status
from app.ui.models.flows_model import FLOW_ROLE, FlowsTableModel, flow_status
from app.ui.screens.dashboard import DashboardScreen
from app.ui.screens.flows import FlowsScreen
from app.ui.screens.sync_log import SyncLogScreen
from app.ui.theme import Status
from tests.support.mapping import GENERIC_FLOW, add_generic_customers_flow
from tests.support.memory_connector import World
from tests.support.synclog import FLOW as MEMORY_FLOW
from tests.support.synclog import run_with_one_reject

FLOW = GENERIC_FLOW  # STAR -> the CRM's generic contacts, where reject_rate refuses a share


@pytest.fixture
def rejecting(store: Store) -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(240, seed=7), seed=7, faults="crm:reject_rate=0.1") as s:
        install_demo(store, s.port_file_payload())
        add_generic_customers_flow(store)  # the demo's own customers flow goes to Elead
        config.save(store, AlertSettings(tray=False))
        yield s


def resync_everything_in_chunks(store: Store, monkeypatch: pytest.MonkeyPatch) -> list:  # type: ignore[type-arg]
    """A first run, then a date-range re-sync of every customer in chunks of 60."""
    monkeypatch.setattr(resync, "RANGE_BATCH", 60)
    assert SyncEngine(store).run(FLOW).status == "completed_with_errors"
    found = resync.find_range(
        store, FLOW, datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=2)
    )
    return resync.run_range(store, found, triggered_by="admin")


def _flows(qtbot, store: Store) -> FlowsScreen:  # type: ignore[no-untyped-def]
    screen = FlowsScreen(store)
    qtbot.addWidget(screen)
    screen.resize(1280, 720)
    screen.show()
    qtbot.waitUntil(lambda: screen.model.rowCount() > 0, timeout=20000)
    return screen


def _row(screen: FlowsScreen, slug: str) -> int:
    return next(
        r
        for r in range(screen.model.rowCount())
        if screen.model.data(screen.model.index(r, 0), FLOW_ROLE).slug == slug
    )


def _dashboard(qtbot, store: Store) -> DashboardScreen:  # type: ignore[no-untyped-def]
    screen = DashboardScreen(ProfileService(store))
    qtbot.addWidget(screen)
    screen.resize(1280, 720)
    screen.show()
    qtbot.waitUntil(lambda: screen.schedule_model.rowCount() > 0, timeout=20000)
    return screen


def test_flows_screen_and_dashboard_show_the_jobs_total_and_what_waits(
    qtbot, store: Store, rejecting: SandboxServers, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    chunks = resync_everything_in_chunks(store, monkeypatch)
    assert len(chunks) == 4
    errors = sum(c.counts["parked"] for c in chunks)
    waiting = chunks[-1].waiting
    assert errors > chunks[-1].counts["parked"] and waiting == errors
    AlertMonitor(store).check()
    name = FlowService(store).get(FLOW).name

    flows = _flows(qtbot, store)
    row = _row(flows, FLOW)
    cell = flows.model.index(row, 4)
    assert flows.model.data(cell) == f"Completed with {errors} errors"
    wait_cell = flows.model.index(row, FlowsTableModel.WAITING)
    assert flows.model.data(wait_cell) == f"{waiting}"
    assert "retry queue" in flows.model.data(wait_cell, 3)  # tooltip
    header = flows.table.horizontalHeader()
    assert header.visualIndex(FlowsTableModel.WAITING) == header.visualIndex(4) + 1
    assert "Last job, 4 runs" in flows.model.data(cell, 3)
    flows.select(flows.model.row_at(row).flow_id)
    assert f"{waiting} records waiting for replay" in flows.detail.text()
    assert "one job of 4 runs" in flows.detail.text()

    # the CRM takes records again; one of them is replayed: that replay succeeded, the
    # rest still wait, and nothing turns green
    rejecting.set_faults("crm:reject_rate=0")
    with store.session() as s:
        one = s.scalars(select(ParkedRecord.id).where(ParkedRecord.status == "open")).first()
    assert SyncEngine(store).replay(FLOW, parked_ids=[one]).status == "succeeded"
    AlertMonitor(store).check()
    flows.reload()
    qtbot.waitUntil(
        lambda: flows.model.data(flows.model.index(_row(flows, FLOW), 4)).startswith("Succeeded"),
        timeout=20000,
    )
    row = _row(flows, FLOW)
    assert flows.model.data(flows.model.index(row, 4)) == (f"Succeeded · {waiting - 1} waiting")
    assert flow_status(flows.model.row_at(row))[0] is Status.WARNING

    dash = _dashboard(qtbot, store)
    qtbot.waitUntil(lambda: dash.queue_card.value.text() == f"{waiting - 1}", timeout=20000)
    sched = next(
        dash.schedule_model.row_at(r)
        for r in range(dash.schedule_model.rowCount())
        if dash.schedule_model.row_at(r).flow == name
    )
    assert sched.last_status == "succeeded" and sched.waiting == waiting - 1
    assert last_run_status(sched) is Status.WARNING  # the per-flow tick
    r = next(
        i for i in range(dash.schedule_model.rowCount()) if dash.schedule_model.row_at(i) is sched
    )
    assert dash.schedule_model.data(dash.schedule_model.index(r, 3)).endswith(
        f"{waiting - 1} waiting"
    )
    alerts = [w.text() for w in dash.findChildren(QLabel, "alert")]
    assert any(f"{name}: {waiting - 1} records could not be delivered" in t for t in alerts)
    assert not dash.no_alerts.isVisibleTo(dash)


@pytest.mark.usefixtures("synclog_memory")
def test_sync_log_dismiss_asks_why_and_the_story_says_who(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    run_with_one_reject(store, World, MEMORY_FLOW)
    plain = SyncLogScreen(store, admin=False)
    qtbot.addWidget(plain)
    assert plain.dismiss_button.isHidden()
    screen = SyncLogScreen(store, admin=True)
    qtbot.addWidget(screen)
    screen.resize(1280, 720)
    screen.show()
    qtbot.waitUntil(lambda: not screen.events_model.loading, timeout=10000)
    row = [e.record_key for e in screen.events_model.rows].index("C00002")
    screen.events_table.selectRow(row)
    assert screen.dismiss_button.isEnabled()
    screen.dismiss_selected(reason="   ")
    assert "reason is required" in screen.result_label.text()
    screen.dismiss_selected(reason="Blocked address; the customer asked us to stop")
    qtbot.waitUntil(lambda: "Dismissed 1 record" in screen.result_label.text(), timeout=10000)
    with store.session() as s:
        parked = s.scalars(select(ParkedRecord)).one()
        assert parked.status == "dismissed"
        assert parked.dismiss_reason == "Blocked address; the customer asked us to stop"
        assert (parked.dismissed_by or "").endswith("(window)")
    qtbot.waitUntil(lambda: not screen.events_model.loading, timeout=10000)
    event = next(e for e in screen.events_model.rows if e.record_key == "C00002")
    assert not event.in_queue
    story = RecordTimelineDialog(store, event.id, admin=True, parent=screen)
    qtbot.addWidget(story)
    qtbot.waitUntil(lambda: "dismissed" in story.queue_label.text(), timeout=10000)
    assert "the customer asked us to stop" in story.queue_label.text()
