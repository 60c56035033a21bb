"""The new-flow wizard on in-memory systems: each page says what it needs, Edit… keeps
the flow's mapping and owners and audits the change, Duplicate makes a copy with its own
id, Delete… asks (twice when records wait in the retry queue), and manager mode hides
all of it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from app import secrets
from app.mapping.model import Mapping
from app.services import audit
from app.services.access import PIN_FIELD, PIN_OWNER, AccessService
from app.services.flows import FlowService
from app.store import Store
from app.sync.engine import SyncEngine
from app.ui.manager_mode import AccessController
from app.ui.screens.flows import FlowsScreen
from app.ui.theme import Status
from app.ui.wizards.flow_wizard import FlowWizard
from tests.support.memory_connector import World
from tests.support.memory_flow import CUSTOMER_MAPPING, customer


@pytest.fixture
def pin() -> Iterator[str]:
    secrets.delete_secret(PIN_OWNER, PIN_FIELD)
    yield "135792"
    secrets.delete_secret(PIN_OWNER, PIN_FIELD)


def _screen(qtbot, store: Store, access: AccessController | None = None) -> FlowsScreen:  # type: ignore[no-untyped-def]
    screen = FlowsScreen(store, access=access)
    qtbot.addWidget(screen)
    screen.resize(1280, 800)
    screen.show()
    qtbot.waitUntil(lambda: screen.model.rowCount() > 0, timeout=20000)
    return screen


def _next(qtbot, wizard: QWizard) -> None:  # type: ignore[no-untyped-def]
    button = wizard.button(QWizard.WizardButton.NextButton)
    qtbot.waitUntil(button.isEnabled, timeout=10000)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _opened(qtbot, screen: FlowsScreen) -> FlowWizard:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: isinstance(screen.wizard, FlowWizard), timeout=10000)
    wizard = screen.wizard
    assert isinstance(wizard, FlowWizard)
    qtbot.addWidget(wizard)
    qtbot.waitUntil(lambda: wizard.found is not None, timeout=10000)
    return wizard


def test_each_page_says_what_it_needs(
    qtbot, store: Store, world: type[World], memory_flow: str
) -> None:  # type: ignore[no-untyped-def]
    world.source = [customer(1), customer(2, last_name="")]
    wizard = FlowWizard(store)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitUntil(lambda: wizard.found is not None, timeout=10000)
    src = wizard.source_page
    src.connection.setCurrentIndex(src.connection.findData("Memory DMS"))
    names = [src.streams.item(i).text() for i in range(src.streams.count())]
    assert any("customers" in n for n in names)
    assert wizard.draft.source_stream == "customers"
    _next(qtbot, wizard)

    dest = wizard.dest_page
    dest.connection.setCurrentIndex(dest.connection.findData("Memory DMS"))
    row = [dest.streams.item(i).text() for i in range(dest.streams.count())]
    assert len(row) == 1 and "contacts" in row[0]  # only what can be written to
    dest.connection.setCurrentIndex(dest.connection.findData("Memory CRM"))
    assert wizard.draft.dest == "Memory CRM" and dest.isComplete()
    _next(qtbot, wizard)

    keys = wizard.keys_page
    assert keys.source_key.currentData() == "customer_id"
    assert keys.dest_key.currentData() == "external_id"
    keys.dest_key.setCurrentIndex(0)  # none
    assert keys.status.status == Status.WARNING and "cannot tell a record" in keys.status.text()
    assert keys.isComplete()
    keys.dest_key.setCurrentIndex(keys.dest_key.findData("external_id"))
    _next(qtbot, wizard)

    page = wizard.mapping_page
    assert page.isComplete()
    wizard.draft.mapping = Mapping(
        tuple(r for r in wizard.draft.mapping.rules if r.target != "last_name")
    )
    page.show_mapping()
    assert not page.isComplete()
    assert "last_name" in page.status.text() and "Before you go on" in page.status.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    page.automap()
    assert page.isComplete()
    _next(qtbot, wizard)
    _next(qtbot, wizard)
    _next(qtbot, wizard)

    check = wizard.check_page
    qtbot.waitUntil(lambda: check.result is not None, timeout=20000)
    assert check.result.passed and check.result.rejects == [
        ("C00002", "last_name: required but empty")
    ]
    assert check.rejects.rowCount() == 1 and check.status.status == Status.WARNING
    check.name.setText("")
    assert "Give the flow a name" in check.status.text()
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    check.name.setText("Customers (test)")  # taken: the id gets a number
    assert wizard.draft.slug == "customers-test-2"


def test_edit_keeps_the_flow_and_audits_the_change(
    qtbot, store: Store, world: type[World], memory_flow: str
) -> None:  # type: ignore[no-untyped-def]
    world.source = [customer(1), customer(2)]
    SyncEngine(store).run(memory_flow)
    screen = _screen(qtbot, store)
    flow = FlowService(store).get(memory_flow)
    screen.select(flow.id)
    qtbot.mouseClick(screen.edit_button, Qt.MouseButton.LeftButton)
    wizard = _opened(qtbot, screen)
    assert (
        wizard.replacing == memory_flow and wizard.windowTitle() == "Edit flow — Customers (test)"
    )
    for _page in range(3):
        _next(qtbot, wizard)
    assert wizard.draft.mapping == CUSTOMER_MAPPING  # not auto-mapped over
    _next(qtbot, wizard)
    owners = wizard.owner_page.model
    email = [r.target for r in owners.fields].index("email")
    assert (
        owners.data(owners.index(email, 1), Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    )
    _next(qtbot, wizard)
    _next(qtbot, wizard)
    check = wizard.check_page
    qtbot.waitUntil(lambda: check.result is not None, timeout=20000)
    assert check.result.passed and check.result.counts["unchanged"] == 2
    assert check.name.text() == "Customers (test)" and wizard.draft.slug == memory_flow
    check.description.setText("Customers for the BDC")
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    qtbot.waitUntil(finish.isEnabled, timeout=5000)
    with qtbot.waitSignal(wizard.saved, timeout=10000):
        qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    assert FlowService(store).get(memory_flow).description == "Customers for the BDC"
    entry = next(e for e in audit.recent(store) if e.object_type == "flow")
    assert entry.action == "update" and entry.diff["comment"] == "changed in the flow wizard"
    assert entry.diff["changes"]["description"] == {"before": "", "after": "Customers for the BDC"}


def test_duplicate_makes_a_copy_with_its_own_id(
    qtbot, store: Store, world: type[World], memory_flow: str
) -> None:  # type: ignore[no-untyped-def]
    world.source = [customer(1)]
    screen = _screen(qtbot, store)
    screen.select(FlowService(store).get(memory_flow).id)
    qtbot.mouseClick(screen.duplicate_button, Qt.MouseButton.LeftButton)
    wizard = _opened(qtbot, screen)
    assert wizard.replacing is None and wizard.draft.name == "Customers (test) (copy)"
    wizard.next()
    for _page in range(5):
        _next(qtbot, wizard)
    check = wizard.check_page
    qtbot.waitUntil(lambda: check.result is not None, timeout=20000)
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    qtbot.waitUntil(finish.isEnabled, timeout=5000)
    with qtbot.waitSignal(wizard.saved, timeout=10000) as saved:
        qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    assert saved.args[0].slug == "customers-test-copy"
    assert {f.slug for f in FlowService(store).list()} == {memory_flow, "customers-test-copy"}


def test_delete_asks_and_drops_parked_records_only_when_agreed(  # type: ignore[no-untyped-def]
    qtbot, store: Store, world: type[World], memory_flow: str, answer_yes: list[str]
) -> None:
    world.source = [customer(1), customer(2, last_name="")]
    SyncEngine(store).run(memory_flow)  # one record parked
    screen = _screen(qtbot, store)
    screen.select(FlowService(store).get(memory_flow).id)
    qtbot.mouseClick(screen.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.stack.currentWidget() is not screen.table, timeout=10000)
    assert "Its runs stay in the Sync Log" in answer_yes[0]
    assert "retry queue" in answer_yes[1] and "dropped" in answer_yes[1]
    assert FlowService(store).list() == []
    assert "deleted" in screen.result_label.text()


def test_manager_mode_hides_and_refuses_the_wizard(
    qtbot, store: Store, memory_flow: str, pin: str
) -> None:  # type: ignore[no-untyped-def]
    service = AccessService(store)
    service.set_pin(pin)
    access = AccessController(store)
    screen = _screen(qtbot, store, access)
    assert screen.new_button.isVisible() and screen.edit_button.isVisible()
    access.set_policy(service.enter_manager_mode())
    for button in (screen.new_button, screen.edit_button, screen.duplicate_button,
                   screen.delete_button):  # fmt: skip
        assert not button.isVisible()
    assert screen.new_flow() is None
    screen.edit_flow()
    screen.delete_flow(confirm=False)
    assert screen.wizard is None and len(FlowService(store).list()) == 1
    access.set_policy(service.leave_manager_mode(pin))
