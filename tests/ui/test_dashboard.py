"""The dashboard on a real store filled by engine runs (memory systems)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel

from app.services.profiles import ProfileService
from app.store import Store
from app.store.log_queries import EventFilter
from app.sync.engine import SyncEngine
from app.sync.progress import Progress
from app.ui.screens.dashboard import DashboardScreen
from app.ui.screens.sync_log import SyncLogScreen
from tests.support.memory_connector import World
from tests.support.memory_flow import customer
from tests.support.synclog import FLOW, run_with_one_reject

pytestmark = pytest.mark.usefixtures("synclog_memory")


def _dashboard(qtbot, store: Store) -> DashboardScreen:  # type: ignore[no-untyped-def]
    screen = DashboardScreen(ProfileService(store))
    qtbot.addWidget(screen)
    screen.resize(1070, 800)
    screen.show()
    qtbot.waitUntil(lambda: screen.schedule_model.rowCount() > 0, timeout=10000)
    qtbot.waitUntil(lambda: screen.quality.report is not None, timeout=10000)
    return screen


def test_dashboard_shows_health_schedule_charts_and_queue(
    qtbot,
    store: Store,
) -> None:  # type: ignore[no-untyped-def]
    run_with_one_reject(store, World, FLOW)
    screen = _dashboard(qtbot, store)
    assert screen.connections_card.value.text() == "2"
    assert screen.failing_card.value.text() == "2"  # never tested
    assert screen.health_model.rowCount() == 2
    health = screen.health_model.row_at(0)
    assert health.last_success_at is not None  # the run that used it completed
    sched = screen.schedule_model.row_at(0)
    assert sched.flow == "Customers (test)" and sched.describe == "not scheduled"
    assert screen.queue_card.value.text() == "1"
    assert screen.synced_card.value.text() == "4"
    assert screen.charts.data is not None and len(screen.charts.data.days) == 7
    assert sum(screen.charts.data.failures) == 1
    screen.period.setCurrentIndex(1)
    qtbot.waitUntil(lambda: screen.charts.data is not None and len(screen.charts.data.days) == 30)
    assert "30 days" in screen.synced_card.title.text()


def test_running_syncs_and_alerts_hooks(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    screen = DashboardScreen(ProfileService(store))
    qtbot.addWidget(screen)
    assert screen.no_running.isVisibleTo(screen)
    p = Progress("Customers", phase="delivering", done=12_400, total=48_000, parked=3)
    screen.set_running("Customers", p)
    label, bar = screen._running["Customers"]
    assert "12,400 of 48,000" in label.text() and "3 failed" in label.text()
    assert bar.maximum() == 48_000 and bar.value() == 12_400
    screen.set_running("Deals", 0.5)
    assert screen.running_flows() == ["Customers", "Deals"]
    screen.set_running("Customers", None)
    screen.set_running("Deals", None)
    assert screen.running_flows() == [] and screen.no_running.isVisibleTo(screen)
    screen.set_alerts(
        [{"title": "CRM token expired", "message": "Re-enter it", "severity": "error"}]
    )
    alerts = [w.text() for w in screen.findChildren(QLabel, "alert")]
    assert any("CRM token expired" in t for t in alerts)
    assert not screen.no_alerts.isVisibleTo(screen)
    screen.set_alerts([])
    assert screen.no_alerts.isVisibleTo(screen)


def test_data_quality_link_opens_the_records_in_the_sync_log(
    qtbot,
    store: Store,
) -> None:  # type: ignore[no-untyped-def]
    World.source = [customer(n) for n in range(1, 5)] + [customer(5, email="", mobile_phone="12")]
    SyncEngine(store).run(FLOW)
    screen = _dashboard(qtbot, store)
    items = screen.quality.items
    assert (items["email"].count, items["email"].total) == (1, 5)
    assert items["phone"].count == 1 and items["phone"].records == (("customer", "C00005"),)
    assert items["duplicates"].count == 0  # the review queue exists and is empty
    assert "20.0%" in screen.quality.findChild(QLabel, "quality_email").text()
    screen.set_duplicates_awaiting(7)
    assert screen.quality.items["duplicates"].count == 7
    opened: list[EventFilter] = []
    screen.open_sync_log.connect(opened.append)
    screen.quality.activate("phone")
    assert opened and opened[0].records == (("customer", "C00005"),)
    log = SyncLogScreen(store)
    qtbot.addWidget(log)
    log.show_filter(opened[0])
    qtbot.waitUntil(lambda: not log.events_model.loading and log.events_model.rowCount() == 1)
    assert log.events_model.row_at(0).record_key == "C00005"
    assert "missing or invalid phone" in log.scope_label.text()


def test_retention_settings_validate_save_and_clean_up(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    from app.services import retention
    from app.ui.screens.retention_settings import RetentionSettingsWidget

    run_with_one_reject(store, World, FLOW)
    widget = RetentionSettingsWidget(store)
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: widget.payload_days.value() == 30, timeout=5000)
    assert widget.event_days.value() == 365 and widget.archive.isChecked()
    widget.payload_days.setValue(400)
    assert not widget.save_button.isEnabled() and "at least as long" in widget.error.text()
    widget.payload_days.setValue(7)
    widget.event_days.setValue(60)
    assert widget.save_button.isEnabled()
    widget.save()
    qtbot.waitUntil(lambda: retention.load_policy(store).payload_days == 7, timeout=5000)
    widget.clean_up(confirm=False)
    qtbot.waitUntil(lambda: "Nothing to clean up" in widget.status.text(), timeout=10000)
    assert retention.last_run(store)[0] is not None


def test_retention_covers_every_place_and_shows_what_each_holds(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    from app.services import retention
    from app.ui.screens.retention_settings import RetentionSettingsWidget

    run_with_one_reject(store, World, FLOW)
    retention.save_policy(store, retention.RetentionPolicy(backup_days=45, merge_days=200))
    widget = RetentionSettingsWidget(store)
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: widget.days["backup_days"].value() == 45, timeout=5000)
    assert widget.days["merge_days"].value() == 200 and widget.days["index_days"].value() == 1095
    qtbot.waitUntil(lambda: widget.usage.rowCount() > 0, timeout=10000)
    rows = [widget.usage.row_at(i) for i in range(widget.usage.rowCount())]
    places = {area.area: area for area in rows}
    assert {"Sync log", "Search index", "Duplicate finder", "Merge history", "Drift samples",
            "Archives", "Database backups"} <= set(places)  # fmt: skip
    assert places["Search index"].rows >= 1 and places["Search index"].bytes > 0
    assert "B" in widget.usage_label.text()  # the total, in bytes/KB/MB
    widget.days["index_days"].setValue(400)
    widget.days["drift_sample_days"].setValue(0)  # below the range: the spin box holds 1
    widget.save()
    qtbot.waitUntil(lambda: retention.load_policy(store).index_days == 400, timeout=5000)
    saved = retention.load_policy(store)
    assert saved.backup_days == 45 and saved.merge_days == 200 and saved.drift_sample_days == 1
