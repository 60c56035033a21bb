"""Flows → Conflicts on in-memory systems: each conflict with both values, who won and
when; the owner changes from the screen (audited, the next run follows); manager mode
sees the conflicts but cannot change owners; empty states say what a conflict is."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from app import secrets
from app.services.access import PIN_FIELD, PIN_OWNER, AccessService
from app.services.flows import FlowService
from app.store import Store
from app.sync.engine import SyncEngine
from app.ui.manager_mode import AccessController
from app.ui.screens.conflicts import ConflictsScreen
from tests.support.memory_connector import World
from tests.support.memory_flow import customer


@pytest.fixture
def pin() -> Iterator[str]:
    secrets.delete_secret(PIN_OWNER, PIN_FIELD)
    yield "864209"
    secrets.delete_secret(PIN_OWNER, PIN_FIELD)


def _screen(qtbot, store: Store, access: AccessController | None = None) -> ConflictsScreen:  # type: ignore[no-untyped-def]
    screen = ConflictsScreen(store, access=access)
    qtbot.addWidget(screen)
    screen.resize(1280, 720)
    screen.show()
    qtbot.waitUntil(lambda: screen.loaded, timeout=10000)
    return screen


def _conflict(store: Store, world: type[World], flow: str) -> SyncEngine:
    world.source = [customer(1)]
    engine = SyncEngine(store)
    engine.run(flow)
    world.source[0] = customer(1, "2026-05-01T00:00:00Z", email="new@example.com")
    engine.run(flow)
    return engine


def test_empty_states(qtbot, store: Store, world: type[World]) -> None:  # type: ignore[no-untyped-def]
    screen = _screen(qtbot, store)
    assert screen.stack.currentWidget() is screen.no_flows


def test_a_conflict_is_shown_and_its_field_handed_over(  # type: ignore[no-untyped-def]
    qtbot, store: Store, world: type[World], memory_flow: str
) -> None:
    screen = _screen(qtbot, store)
    assert screen.stack.currentWidget() is screen.empty  # a flow, nothing to decide
    assert not screen.owner_box.isVisible()
    engine = _conflict(store, world, memory_flow)
    screen.reload()
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1, timeout=10000)
    assert screen.flow_combo.currentText() == "Customers (test)  (1 conflict)"
    headers = [screen.model.headerData(c, Qt.Orientation.Horizontal, 0) for c in range(7)]
    assert headers[3:5] == ["Value in Memory DMS", "Value Memory CRM kept"]
    shown = [screen.proxy.index(0, c).data() for c in range(7)]
    assert shown[1:] == [
        "C00001", "email", "new@example.com", "person1@example.com", "Memory CRM", "Memory CRM",
    ]  # fmt: skip
    assert screen.owner_combo.currentData() == "destination"
    assert not screen.apply_button.isEnabled()  # nothing changed yet
    screen.owner_combo.setCurrentIndex(screen.owner_combo.findData("source"))
    qtbot.mouseClick(screen.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Memory DMS wins 'email'" in screen.result_label.text(), timeout=10000)
    assert "the 1 record(s) whose email Memory CRM kept" in screen.result_label.text()
    qtbot.waitUntil(lambda: screen.proxy.index(0, 6).data() == "Memory DMS", timeout=10000)
    assert FlowService(store).get(memory_flow).ownership == {}
    engine.run(memory_flow)
    assert world.sink[world.by_external["C00001"]]["email"] == "new@example.com"


def test_manager_mode_sees_conflicts_but_cannot_change_owners(  # type: ignore[no-untyped-def]
    qtbot, store: Store, world: type[World], memory_flow: str, pin: str
) -> None:
    _conflict(store, world, memory_flow)
    service = AccessService(store)
    service.set_pin(pin)
    access = AccessController(store)
    screen = _screen(qtbot, store, access)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1, timeout=10000)
    assert screen.owner_box.isVisible()
    access.set_policy(service.enter_manager_mode())
    assert not screen.owner_box.isVisible()
    screen.apply_owner()
    assert FlowService(store).get(memory_flow).ownership == {"email": "destination"}
    access.set_policy(service.leave_manager_mode(pin))
