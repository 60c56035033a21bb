"""A new user sets the app up in the window, on a data folder without the demo but with
the sandbox servers running: adds the DMS and CRM connections by hand, builds the
customers flow in the wizard, dry-runs it, saves and runs it — the CRM holds what the DMS
holds; then, after a conflict (the e-mail changed on both sides), hands the field to the
DMS on the Conflicts screen and sees the next run follow it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit, QWizard

from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.services import audit
from app.ui.main_window import MainWindow
from app.ui.wizards.flow_wizard import FlowWizard
from tests.support.sandbox import (
    assert_crm_equals_dms,
    crm_contact_ids,
    export,
    patch_customer,
)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(60, seed=31), seed=31) as servers:
        yield servers


def _add_connection(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, name: str, kind: str, values: dict[str, str]
) -> None:
    """Add a connection through the real dialog, typing as a person would."""
    dialog = window.connections.add()
    qtbot.waitExposed(dialog)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(kind))
    qtbot.keyClicks(dialog.name_edit, name)
    for field, value in values.items():
        editor = dialog._inputs[field].editor
        if isinstance(editor, QLineEdit):
            editor.clear()
            qtbot.keyClicks(editor, value)
        else:
            dialog._inputs[field].set_value(value)
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert save.isEnabled(), dialog.problems()
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Connected" in dialog.test_result.text(), timeout=20000)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)


def _next(qtbot, wizard: QWizard) -> None:  # type: ignore[no-untyped-def]
    button = wizard.button(QWizard.WizardButton.NextButton)
    qtbot.waitUntil(button.isEnabled, timeout=20000)
    page = wizard.currentId()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.currentId() == page + 1, timeout=5000)


def _sync_now(qtbot, window: MainWindow, flow_id: int) -> Any:  # type: ignore[no-untyped-def]
    flows = window.flows
    qtbot.waitUntil(lambda: flows.model.row_of(flow_id) >= 0, timeout=20000)
    flows.select(flow_id)
    with qtbot.waitSignal(flows.run_finished, timeout=90000) as ran:
        qtbot.mouseClick(flows.sync_button, Qt.MouseButton.LeftButton)
    return ran.args[0]


def _crm_contact(sandbox: SandboxServers, customer_id: str) -> dict[str, Any]:
    return next(c for c in export(sandbox, "crm", "contacts") if c["external_id"] == customer_id)


def test_a_new_user_builds_runs_and_settles_a_flow_in_the_window(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, sandbox: SandboxServers
) -> None:
    servers = sandbox.port_file_payload()["servers"]
    flows = window.flows
    window.show_screen("flows")

    # No connections: the empty list says what to do first and leads to Connections.
    qtbot.waitUntil(lambda: flows.stack.currentWidget() is flows.no_connections, timeout=20000)
    qtbot.mouseClick(flows.no_connections.button, Qt.MouseButton.LeftButton)
    assert window.current_screen_key() == "connections"

    dms, crm = servers["dms"], servers["crm"]
    _add_connection(qtbot, window, "Store DMS", "star_rest", {
        "base_url": dms["url"], "auth_mode": "api_key",
        "api_key": dms["credentials"]["star_api_key"],
    })  # fmt: skip
    _add_connection(qtbot, window, "Store CRM", "crm_rest", {
        "base_url": crm["url"], "api_key": crm["credentials"]["api_key"],
    })  # fmt: skip

    # Connections but no flows: the wizard is offered with them preselected.
    window.show_screen("flows")
    qtbot.waitUntil(lambda: flows.stack.currentWidget() is flows.empty, timeout=20000)
    offer = flows.empty.findChild(QLabel, "Muted")
    qtbot.waitUntil(lambda: "Store DMS" in offer.text(), timeout=10000)
    assert "going to Store CRM" in offer.text()
    qtbot.mouseClick(flows.empty.button, Qt.MouseButton.LeftButton)
    wizard = flows.wizard
    assert isinstance(wizard, FlowWizard)
    qtbot.waitUntil(lambda: wizard.found is not None, timeout=10000)

    # 1 source, 2 destination (writable only), 3 keys
    assert wizard.source_page.connection.currentText() == "Store DMS"
    assert wizard.draft.source_stream == "customers"
    _next(qtbot, wizard)
    assert (wizard.draft.dest, wizard.draft.dest_stream) == ("Store CRM", "contacts")
    _next(qtbot, wizard)
    assert wizard.keys_page.source_key.currentData() == "customer_id"
    assert wizard.keys_page.dest_key.currentData() == "external_id"
    _next(qtbot, wizard)

    # 4 the mapping, auto-mapped, checked and changed in the visual mapping editor
    page = wizard.mapping_page
    targets = {r.target: r.sources for r in wizard.draft.mapping.rules}
    assert targets["external_id"] == ("customer_id",) and targets["postal_code"] == ("zip",)
    with qtbot.waitSignal(page.editor_opened, timeout=30000) as opened:
        qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    editor = opened.args[0]
    assert len(editor.data.sample) > 0  # real records read from the DMS
    editor.connect_fields("company_name", "last_name")  # a business has no last name
    editor.rules.add_step("coalesce")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)  # "Use this mapping"
    assert not editor.isVisible()
    last = next(r for r in wizard.draft.mapping.rules if r.target == "last_name")
    assert last.sources == ("last_name", "company_name") and last.steps[0].name == "coalesce"
    _next(qtbot, wizard)

    # 5 owners: the CRM keeps the e-mail its salespeople correct
    owners = wizard.owner_page.model
    row = [r.target for r in owners.fields].index("email")
    owners.setData(
        owners.index(row, 1), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole
    )
    assert wizard.draft.ownership == {"email": "destination"}
    assert "Store CRM keeps its own: email" in wizard.owner_page.status.text()
    _next(qtbot, wizard)

    # 6 schedule (the schedule dialog's form): every hour
    form = wizard.schedule_page.form
    form.preset.setCurrentIndex(3)
    assert wizard.draft.schedule["cron"] == "0 * * * *"
    _next(qtbot, wizard)

    # 7 dry run: the first 50 changes with field diffs; Save only once it passed
    check = wizard.check_page
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    qtbot.waitUntil(lambda: check.result is not None, timeout=60000)
    assert check.result.passed, check.status.text()
    assert check.result.records == 50 and check.changes.rowCount() > 50
    assert "would be created in Store CRM" in check.summary.text()
    qtbot.waitUntil(finish.isEnabled, timeout=5000)
    check.name.setText("Customers: Store DMS → Store CRM")
    with qtbot.waitSignal(wizard.saved, timeout=20000) as saved:
        qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    info = saved.args[0]
    assert not wizard.isVisible()
    assert info.slug == "customers-store-dms-store-crm"
    entry = next(e for e in audit.recent(window.ctx.store) if e.object_type == "flow")
    assert entry.action == "create" and entry.diff["comment"] == "made in the new-flow wizard"

    # Run it: the CRM holds what the DMS holds.
    before = crm_contact_ids(sandbox)
    summary = _sync_now(qtbot, window, info.id)
    assert summary.status == "succeeded", summary.error
    store = window.ctx.store
    assert_crm_equals_dms(store, sandbox, before, flow=info.slug)

    # A conflict: the e-mail changes in the DMS and in the CRM between runs.
    customer = next(c for c in export(sandbox, "dms", "customers") if c["email"])
    cid = customer["customer_id"]
    contact = _crm_contact(sandbox, cid)
    patch_customer(sandbox, cid, {"email": "dms.changed@example.com"})
    httpx.patch(
        f"{crm['url']}/contacts/{contact['contact_id']}",
        json={"email": "crm.changed@example.com"},
        headers={"X-API-Key": crm["credentials"]["api_key"]},
        timeout=10,
        trust_env=False,
    ).raise_for_status()
    summary = _sync_now(qtbot, window, info.id)
    assert summary.counts["conflicts"] >= 1, summary.counts
    assert _crm_contact(sandbox, cid)["email"] == "crm.changed@example.com"  # the owner won

    # The Conflicts screen shows both values, who won and when; hand the field to the DMS.
    window.show_flows_tab(window.conflicts)
    screen = window.conflicts
    qtbot.waitUntil(lambda: screen.model.rowCount() >= 1, timeout=20000)
    assert screen.select(cid, "email")
    c = screen.selected()
    assert (c.source_value, c.winner) == ("dms.changed@example.com", "destination")
    row = screen.proxy.mapFromSource(screen.model.index(0, 0)).row()
    shown = [screen.proxy.index(row, col).data() for col in range(7)]
    assert "dms.changed@example.com" in shown and "Store CRM" in shown
    screen.select(cid, "email")
    screen.owner_combo.setCurrentIndex(screen.owner_combo.findData("source"))
    qtbot.mouseClick(screen.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Store DMS wins 'email'" in screen.result_label.text(), timeout=10000)

    # The next run follows the new owner.
    window.show_flows_tab(flows)
    summary = _sync_now(qtbot, window, info.id)
    assert summary.status == "succeeded", summary.error
    assert _crm_contact(sandbox, cid)["email"] == "dms.changed@example.com"
    assert_crm_equals_dms(store, sandbox, before, flow=info.slug)
