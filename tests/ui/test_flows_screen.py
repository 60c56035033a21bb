"""Flows screen, schedule dialog, re-sync dialogs and manager mode (pytest-qt)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from app import secrets
from app.sandbox.demo_names import CRM_ELEAD, DMS_STAR, MARKETING
from app.sandbox.demo_session import DemoSession
from app.scheduling.runner import run_flow_locked
from app.scheduling.schedule import Schedule
from app.scheduling.schedules import ScheduleService
from app.services.access import PIN_FIELD, PIN_OWNER, AccessService
from app.services.flows import FlowDefinition, FlowService
from app.services.profiles import ProfileService
from app.store import Store
from app.sync.locks import flow_lock
from app.ui.context import UiContext
from app.ui.dialogs.schedule_dialog import PRESETS
from app.ui.manager_mode import AccessController, ManagerModeWidget
from app.ui.screens.flows import FlowsScreen
from tests.support.memory_connector import World
from tests.support.memory_flow import CUSTOMER_MAPPING, customer
from tests.support.sandbox import crm_contact_of


@pytest.fixture
def mem_world() -> Iterator[type[World]]:
    World.reset()
    yield World
    World.reset()


@pytest.fixture
def mem_flow(store: Store, mem_world: type[World]) -> str:
    """The in-memory customers flow of tests/sync (same connector kind and mapping)."""
    profiles = ProfileService(store)
    src = profiles.create("Memory DMS", "test_memory", {"name": "dms"})
    dst = profiles.create("Memory CRM", "test_memory", {"name": "crm"})
    FlowService(store).upsert(
        FlowDefinition(
            "customers-test",
            "Customers (test)",
            src.id,
            "customers",
            dst.id,
            "contacts",
            CUSTOMER_MAPPING,
        )
    )
    return "customers-test"


@pytest.fixture
def pin() -> Iterator[str]:
    secrets.delete_secret(PIN_OWNER, PIN_FIELD)
    yield "246813"
    secrets.delete_secret(PIN_OWNER, PIN_FIELD)


def _screen(qtbot, store: Store, access: AccessController | None = None) -> FlowsScreen:  # type: ignore[no-untyped-def]
    screen = FlowsScreen(store, access=access)
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    screen.show()
    qtbot.waitUntil(
        lambda: (
            screen.model.rowCount() > 0
            or screen.stack.currentWidget() in (screen.empty, screen.no_connections)
        ),
        timeout=20000,
    )
    return screen


def test_empty_state_says_what_to_do(qtbot, ui_ctx: UiContext) -> None:  # type: ignore[no-untyped-def]
    screen = _screen(qtbot, ui_ctx.store)
    assert screen.stack.currentWidget() is screen.no_connections  # add connections first
    assert screen.no_connections.button.text() == "Go to Connections"
    assert not screen.sync_button.isEnabled()
    ui_ctx.profiles.create("Memory DMS", "test_memory", {"name": "dms"})
    ui_ctx.profiles.create("Memory CRM", "test_memory", {"name": "crm"})
    screen.reload()  # connections but no flows: the wizard, with them preselected
    qtbot.waitUntil(lambda: screen.stack.currentWidget() is screen.empty, timeout=10000)
    assert screen.empty.button.text() == "New flow…"
    with qtbot.waitSignal(screen.go_to) as went:
        qtbot.mouseClick(screen.no_connections.button, Qt.MouseButton.LeftButton)
    assert went.args == ["connections"]


def test_flow_list_sync_now_cancel_and_resume_consistently(  # type: ignore[no-untyped-def]
    qtbot, ui_ctx: UiContext, mem_world: type[World], mem_flow: str
) -> None:
    store = ui_ctx.store
    ScheduleService(store).save(mem_flow, Schedule("cron", cron="0 2 * * *"))
    mem_world.source = [customer(n) for n in range(1, 31)]
    screen = _screen(qtbot, store)
    assert (
        screen.model.data(screen.model.index(0, 1))
        == "In-memory test system → In-memory test system"
    )
    assert screen.model.data(screen.model.index(0, 2)) == "Every night at 2:00"
    assert screen.model.data(screen.model.index(0, 4)) == "Never run"
    assert "02:00" in screen.model.data(screen.model.index(0, 5))
    screen.table.selectRow(0)

    screen.sync_now()
    assert not screen.sync_button.isEnabled() and screen.progress.isVisible()
    screen.progress.cancel()  # Cancel at once: stops between batches
    qtbot.waitUntil(lambda: screen.token is None, timeout=30000)
    assert screen.last_summary is not None and screen.last_summary.status == "cancelled"
    assert "cancelled" in screen.result_label.text()

    screen.sync_now()
    qtbot.waitUntil(lambda: screen.token is None, timeout=30000)
    assert screen.last_summary.status == "succeeded"
    # consistent: every record exactly once at the destination
    assert sorted(r["external_id"] for r in mem_world.sink.values()) == [
        f"C{n:05d}" for n in range(1, 31)
    ]
    qtbot.waitUntil(
        lambda: screen.model.data(screen.model.index(0, 4)) == "Succeeded", timeout=20000
    )
    assert "Succeeded" in screen.detail.text()


def test_sync_now_refuses_a_flow_that_runs_elsewhere(  # type: ignore[no-untyped-def]
    qtbot, ui_ctx: UiContext, mem_world: type[World], mem_flow: str
) -> None:
    screen = _screen(qtbot, ui_ctx.store)
    screen.table.selectRow(0)
    flow = FlowService(ui_ctx.store).get(mem_flow)
    with flow_lock(ui_ctx.store.paths, flow.id, flow.name, trigger="schedule"):
        screen.sync_now()
        qtbot.waitUntil(lambda: screen.token is None, timeout=30000)
    assert "already running" in screen.result_label.text()
    assert "by the schedule" in screen.result_label.text()


def test_schedule_dialog_validates_previews_and_saves(  # type: ignore[no-untyped-def]
    qtbot, ui_ctx: UiContext, mem_flow: str
) -> None:
    screen = _screen(qtbot, ui_ctx.store)
    screen.table.selectRow(0)
    dialog = screen.edit_schedule()
    assert dialog is not None
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    dialog.enabled.setChecked(True)
    dialog.cron_radio.setChecked(True)
    dialog.preset.setCurrentIndex([label for label, _c in PRESETS].index("Weekdays at 7:00"))
    assert dialog.words.text() == "Weekdays at 7:00"
    assert dialog.preview.count() == 5 and all(
        "07:00" in dialog.preview.item(i).text() for i in range(5)
    )
    dialog.cron.setText("0 25 * * *")
    assert not save.isEnabled() and "not a valid schedule line" in dialog.error.text()
    dialog.interval_radio.setChecked(True)
    dialog.interval.setValue(2)
    dialog.unit.setCurrentIndex(1)
    dialog.quiet_box.setChecked(True)
    assert save.isEnabled() and dialog.words.text() == "Every 2 hours, not 9:00–18:00"
    assert not any(9 <= int(dialog.preview.item(i).text()[-5:-3]) < 18 for i in range(5))
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        save.click()
    saved = ScheduleService(ui_ctx.store).get(mem_flow)
    assert saved.kind == "interval" and saved.interval_s == 7200 and saved.blackout is not None
    qtbot.waitUntil(
        lambda: screen.model.data(screen.model.index(0, 2)).startswith("Every 2 hours"),
        timeout=20000,
    )
    screen.table.selectRow(0)
    screen.toggle_pause()
    qtbot.waitUntil(lambda: not ScheduleService(ui_ctx.store).get(mem_flow).enabled, timeout=20000)
    qtbot.waitUntil(lambda: screen.model.data(screen.model.index(0, 5)) == "Paused", timeout=20000)


def test_manager_mode_hides_schedules_and_needs_the_pin_to_leave(  # type: ignore[no-untyped-def]
    qtbot, ui_ctx: UiContext, mem_flow: str, pin: str
) -> None:
    controller = AccessController(ui_ctx.store)
    widget = ManagerModeWidget(controller)
    qtbot.addWidget(widget)
    screen = _screen(qtbot, ui_ctx.store, controller)
    screen.table.selectRow(0)
    assert screen.schedule_button.isVisibleTo(screen)
    widget.new_pin.setText("12")
    assert not widget.set_pin_button.isEnabled() and "6 to 12 digits" in widget.message.text()
    widget.new_pin.setText(pin)
    widget.repeat_pin.setText(pin)
    widget.save_pin()
    qtbot.waitUntil(lambda: "saved in the system keyring" in widget.message.text(), timeout=10000)
    widget.enter_manager_mode()
    qtbot.waitUntil(lambda: controller.policy.is_manager, timeout=10000)
    assert not screen.schedule_button.isVisibleTo(screen) and screen.sync_button.isVisibleTo(screen)
    assert screen.edit_schedule() is None
    widget.pin.setText("0000")
    widget.leave_manager_mode()
    qtbot.waitUntil(lambda: "not right" in widget.message.text(), timeout=10000)
    assert controller.policy.is_manager
    widget.pin.setText(pin)
    widget.leave_manager_mode()
    qtbot.waitUntil(lambda: not controller.policy.is_manager, timeout=10000)
    assert screen.schedule_button.isVisibleTo(screen)


@pytest.fixture
def demo(ui_ctx: UiContext) -> Iterator[DemoSession]:
    session = DemoSession(ui_ctx.store, ui_ctx.paths, customers=60)
    session.start()
    yield session
    session.stop()


def test_a_manager_finds_a_customer_previews_and_runs_a_resync(  # type: ignore[no-untyped-def]
    qtbot, ui_ctx: UiContext, demo: DemoSession, pin: str
) -> None:
    store = ui_ctx.store
    assert run_flow_locked(store, "customers-dms-to-crm").status == "succeeded"
    access = AccessService(store)
    access.set_pin(pin)
    access.enter_manager_mode()
    controller = AccessController(store)
    assert controller.policy.is_manager

    # The customer changes in the DMS (as a salesperson would there).
    assert demo.servers is not None
    dms = demo.servers.app("dms").store
    crm_url = demo.servers.servers["crm"].url
    cid = next(c["customer_id"] for c in dms.all("customers") if c["email"])
    target = crm_contact_of(store, demo.servers, cid)  # its Elead customer
    old_first = target["first_name"]
    record = dms.get("customers", cid)
    dms.update("customers", cid, {"first_name": "Zebadiah"}, record["etag"])

    screen = _screen(qtbot, store, controller)
    dialog = screen.resync_record()
    dialog.search_box.setText(target["email"])
    dialog.find_records()
    qtbot.waitUntil(lambda: dialog.hits.rowCount() > 0, timeout=20000)
    dms_uid = ProfileService(store).get_by_name(DMS_STAR).uid  # customers come over STAR
    row = next(i for i, h in enumerate(dialog.hits._rows) if h.system == dms_uid)
    for i in range(dialog.hits.rowCount()):
        dialog.hits.set_checked(i, i == row)
    assert dialog.preview_button.isEnabled()
    dialog.make_preview()
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1, timeout=60000)
    # DMS customers go to the CRM and to the marketing platform: both flows are shown
    changes = {(c.system, c.field): c for c in dialog.changes._rows}
    to_crm = changes[(CRM_ELEAD, "first_name")]
    assert to_crm.before == old_first and to_crm.after == "Zebadiah" and to_crm.action == "update"
    to_klaviyo = changes[(MARKETING, "first_name")]  # its flow never ran: a new profile
    assert to_klaviyo.action == "create" and to_klaviyo.after == "Zebadiah"
    assert "Nothing has been sent yet" in dialog.preview_note.text()
    # the preview sent nothing
    still = httpx.get(f"{crm_url}/_sandbox/export/contacts", timeout=10).json()
    by_id = {c["contact_id"]: c for c in still}
    assert by_id[target["contact_id"]]["first_name"] == old_first

    dialog.run()
    qtbot.waitUntil(lambda: dialog.done_button.isEnabled(), timeout=60000)
    summaries = {s.flow: s for s in dialog.summaries}
    assert set(summaries) == {"customers-dms-to-crm", "customers-dms-to-marketing"}
    summary = summaries["customers-dms-to-crm"]
    assert summary.status == "succeeded" and summary.counts["updated"] == 1
    outcome = dialog.findChild(type(dialog.step), "outcome")
    assert outcome is not None and "Succeeded" in outcome.text()
    after = httpx.get(f"{crm_url}/_sandbox/export/contacts", timeout=10).json()
    by_id = {c["contact_id"]: c for c in after}
    assert by_id[target["contact_id"]]["first_name"] == "Zebadiah"


def test_date_range_resync_resends_the_range(  # type: ignore[no-untyped-def]
    qtbot, ui_ctx: UiContext, mem_world: type[World], mem_flow: str
) -> None:
    from PySide6.QtCore import QDateTime

    mem_world.source = [customer(n, updated=f"2026-03-{n:02d}T10:00:00Z") for n in range(1, 8)]
    run_flow_locked(ui_ctx.store, mem_flow)
    writes = sum(mem_world.writes)
    screen = _screen(qtbot, ui_ctx.store)
    screen.table.selectRow(0)
    dialog = screen.resync_range()
    assert dialog is not None
    dialog.start.setDateTime(QDateTime.fromString("2026-03-02T00:00:00Z", "yyyy-MM-ddTHH:mm:ssZ"))
    dialog.end.setDateTime(QDateTime.fromString("2026-03-03T23:00:00Z", "yyyy-MM-ddTHH:mm:ssZ"))
    dialog.find_records()
    qtbot.waitUntil(lambda: dialog.run_button.isEnabled(), timeout=20000)
    assert "2 records changed" in dialog.note.text()
    dialog.run()
    qtbot.waitUntil(lambda: bool(dialog.summaries), timeout=30000)
    assert "Succeeded" in dialog.note.text() and sum(mem_world.writes) - writes == 2


def test_each_demo_flow_says_which_protocol_carries_it(  # type: ignore[no-untyped-def]
    qtbot, ui_ctx: UiContext, demo: DemoSession
) -> None:
    """The "Carried by" column names the protocol at each end, and the detail line under
    the table says in words what the flow does."""
    screen = _screen(qtbot, ui_ctx.store)
    carried = {
        screen.model.index(r, 0).data(): screen.model.index(r, 1).data()
        for r in range(screen.model.rowCount())
    }
    assert carried["Customers: DMS → CRM"] == "STAR REST → Elead"
    assert carried["New leads: CRM → DMS"] == "Elead → Generic REST"
    # what Elead's API cannot carry goes over the same CRM's generic REST API
    assert carried["Service history: DMS → CRM"] == "CDK Fortellis → Generic REST"
    assert carried["Deal status: CRM → DMS"] == "Generic REST → STAR REST"
    assert carried["Customers: DMS → marketing"] == "STAR REST → Klaviyo"
    assert carried["Opt-outs: marketing → DMS"] == "Klaviyo → STAR REST"
    assert carried["Opt-outs: marketing → CRM"] == "Klaviyo → Elead"
    assert all(" → " in text for text in carried.values())
    service = next(
        f for f in FlowService(ui_ctx.store).list() if f.slug == "service-history-dms-to-crm"
    )
    screen.select(service.id)
    qtbot.waitUntil(lambda: "CDK Fortellis" in screen.detail.text(), timeout=5000)
    assert "dateTimeInterval" in screen.detail.text()
