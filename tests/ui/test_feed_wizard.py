"""The new-feed wizard on the sandbox DMS: channel, DMS inventory, the dealer details the
channel requires (checked as you type), a destination made from the wizard, publication
and real-time removal, and a preview with every unit left out and why; the saved feed
publishes a file the channel can read."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QWizard

from app.feeds.publish import publish_feed
from app.sandbox.demo import install_demo
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.services import audit
from app.services.flows import FlowService
from app.ui.main_window import MainWindow
from app.ui.theme import Status
from app.ui.wizards.feed_wizard import FeedWizard


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(60, seed=41), seed=41) as servers:
        yield servers


def _next(qtbot, wizard: QWizard) -> None:  # type: ignore[no-untyped-def]
    button = wizard.button(QWizard.WizardButton.NextButton)
    qtbot.waitUntil(button.isEnabled, timeout=10000)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_a_meta_feed_made_in_the_wizard_publishes(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, sandbox: SandboxServers, tmp_path: Path, answer_yes: list[str]
) -> None:
    store = window.ctx.store
    install_demo(store, sandbox.port_file_payload())  # the DMS connections, no feeds
    panel = window.feeds
    window.show_flows_tab(panel)
    panel.reload()
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.empty, timeout=20000)
    qtbot.mouseClick(panel.empty.button, Qt.MouseButton.LeftButton)
    wizard = panel.wizard
    assert isinstance(wizard, FeedWizard)
    qtbot.waitUntil(lambda: wizard.choices is not None, timeout=10000)

    wizard.channel_page.buttons["meta"].setChecked(True)
    _next(qtbot, wizard)
    assert wizard.draft.dms in wizard.choices.dms and wizard.dms_page.isComplete()
    _next(qtbot, wizard)

    dealer = wizard.dealer_page
    assert not dealer.isComplete()
    assert "The Meta catalog needs the dealership's street address" in dealer.status.text()
    for name, text in (
        ("name", "Main Street Motors"), ("street", "12 Main St"), ("city", "Springfield"),
        ("region", "IL"), ("postal_code", "62701"),
    ):  # fmt: skip
        qtbot.keyClicks(dealer.inputs[name], text)
    assert "vehicle page address" in dealer.status.text()
    qtbot.keyClicks(dealer.inputs["vdp_url"], "https://www.mainstreet.example/cars")
    assert dealer.status.status == Status.WARNING and "{vin}" in dealer.status.text()
    qtbot.keyClicks(dealer.inputs["vdp_url"], "/{vin}")
    assert dealer.isComplete() and not dealer.status.text()
    _next(qtbot, wizard)

    target = wizard.target_page
    assert not target.isComplete() and "New destination" in target.status.text()
    dialog = target.new_destination()
    qtbot.waitExposed(dialog)
    assert dialog.kind_combo.currentData() == "feed_target" and not dialog.kind_combo.isEnabled()
    folder = tmp_path / "feeds"
    folder.mkdir()
    dialog._inputs["delivery"].set_value("folder")
    dialog._inputs["folder"].set_value(str(folder))
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert save.isEnabled(), dialog.problems()
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: target.isComplete(), timeout=10000)
    assert wizard.draft.target == "Meta automotive catalog feed upload"
    assert str(folder) in target.about.text()
    _next(qtbot, wizard)

    publish = wizard.publish_page
    publish.every.setValue(30)
    publish.realtime.setChecked(True)
    assert wizard.draft.interval_s == 1800 and wizard.draft.realtime
    _next(qtbot, wizard)

    preview = wizard.preview_page
    qtbot.waitUntil(lambda: preview.result is not None, timeout=30000)
    result = preview.result
    assert result.listed > 0 and preview.rows.rowCount() == min(20, result.listed)
    assert "vehicle_id" in result.columns and "vin" in result.columns
    assert preview.left.rowCount() == len(result.left_out) > 0
    assert all(u.reason for u in result.left_out)
    assert "vehicles read" in preview.summary.text()
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    qtbot.waitUntil(finish.isEnabled, timeout=5000)
    with qtbot.waitSignal(wizard.saved, timeout=10000) as saved:
        qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    info = saved.args[0]
    flow = FlowService(store).get(info.slug)
    assert flow.options["channel"] == "meta" and flow.mode == "realtime"
    assert flow.schedule == {"interval_s": 1800}
    assert flow.options["dealer"]["street"] == "12 Main St"
    entry = next(e for e in audit.recent(store) if e.object_type == "flow")
    assert entry.action == "create" and entry.diff["comment"] == "made in the new-feed wizard"
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=10000)

    summary = publish_feed(store, info.slug)
    assert summary.status in ("succeeded", "completed_with_errors"), summary.error
    rows = list(csv.DictReader(io.StringIO((folder / "meta.csv").read_text("utf-8"))))
    assert len(rows) == result.listed
    assert rows[0]["url"].startswith("https://www.mainstreet.example/cars/")

    # Edit… opens it in the wizard as saved; Delete… asks, then removes it.
    panel.select(info.slug)
    panel.edit_feed()
    qtbot.waitUntil(lambda: panel.wizard is not wizard, timeout=10000)
    edit = panel.wizard
    assert edit is not None and edit.replacing == info.slug
    assert edit.draft.channel == "meta" and edit.draft.interval_s == 1800
    assert edit.draft.dealer.street == "12 Main St" and edit.draft.target == wizard.draft.target
    edit.reject()
    panel.select(info.slug)
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0, timeout=10000)
    assert "It is no longer published" in answer_yes[-1]
    assert [f.slug for f in FlowService(store).list() if f.slug == info.slug] == []
