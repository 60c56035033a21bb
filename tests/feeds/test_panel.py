"""The "Publish now" panel: lists feeds, publishes in the background, shows what was left
out and why. Renders a screenshot for review."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.feeds.publish import publish_all
from app.paths import AppPaths
from app.sandbox.servers import SandboxServers
from app.services.profiles import ProfileService
from app.store import Store
from app.ui.context import UiContext
from app.ui.feeds_panel import FeedPublishPanel
from app.ui.theme import apply_theme
from tests.support.feeds import available_vin, listings

SHOTS = Path(os.environ.get("ROOFTOP_SHOTS", "/tmp/rooftop-shots"))


@pytest.fixture
def no_price_unit(feeds_sandbox: SandboxServers) -> Iterator[str]:
    vin = available_vin(feeds_sandbox)
    unit = feeds_sandbox.app("dms").store.tables["inventory"][vin]
    price = unit["price"]
    unit["price"] = ""
    yield vin
    unit["price"] = price


def _panel(qtbot, paths: AppPaths, store: Store) -> FeedPublishPanel:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    apply_theme(QApplication.instance())  # type: ignore[arg-type]
    panel = FeedPublishPanel(UiContext.create(paths, store))
    qtbot.addWidget(panel)
    panel.resize(1280, 800)
    panel.show()
    return panel


def test_empty_panel_says_what_to_do(qtbot, paths: AppPaths, store: Store) -> None:  # type: ignore[no-untyped-def]
    panel = _panel(qtbot, paths, store)
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.no_dms)  # no DMS yet
    assert not panel.publish_all_button.isEnabled()
    with qtbot.waitSignal(panel.go_to) as went:
        panel.no_dms.button.click()
    assert went.args == ["connections"]
    ProfileService(store).create(
        "Store DMS", "dms_rest",
        {"base_url": "https://dms.example.com", "client_id": "c", "subscription_id": "s1"},
        {"client_secret": "s"},
    )  # fmt: skip
    panel.reload()  # a DMS but no feeds: the wizard
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.empty)
    assert panel.empty.button.text() == "New feed…"
    SHOTS.mkdir(parents=True, exist_ok=True)
    panel.grab().save(str(SHOTS / "feeds_panel_empty.png"))


def test_publish_all_from_the_panel(  # type: ignore[no-untyped-def]
    qtbot, paths: AppPaths, demo_store: Store, feeds_sandbox: SandboxServers, no_price_unit: str
) -> None:
    panel = _panel(qtbot, paths, demo_store)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3)
    assert panel.model.data(panel.model.index(0, 5)) == "Never published"
    panel.publish_all_now()
    assert not panel.publish_all_button.isEnabled()  # no double publishing
    qtbot.waitUntil(lambda: "vehicles published" in panel.result_label.text(), timeout=30_000)
    qtbot.waitUntil(lambda: panel.publish_all_button.isEnabled(), timeout=10_000)
    assert listings(feeds_sandbox, "website") and not listings(
        feeds_sandbox, "website", no_price_unit
    )
    qtbot.waitUntil(
        lambda: panel.model.rowCount() == 3 and panel.model.row_at(0).last_run_id is not None
    )
    texts = {panel.model.data(panel.model.index(r, 5)) for r in range(3)}
    assert texts == {"Published, 1 left out"}
    panel.table.selectRow(0)
    qtbot.waitUntil(lambda: panel.left_model.rowCount() == 1)
    assert panel.left_model.data(panel.left_model.index(0, 0)) == no_price_unit
    assert "price" in panel.left_model.data(panel.left_model.index(0, 1))
    panel.search.setText("meta")
    assert panel.proxy.rowCount() == 1
    panel.search.setText("")
    qtbot.waitUntil(lambda: "Loading" not in panel.left_title.text())
    SHOTS.mkdir(parents=True, exist_ok=True)
    panel.grab().save(str(SHOTS / "feeds_panel.png"))


def test_publish_selected_feed(qtbot, paths: AppPaths, demo_store: Store) -> None:  # type: ignore[no-untyped-def]
    publish_all(demo_store)
    panel = _panel(qtbot, paths, demo_store)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3)
    panel.proxy.sort(0, Qt.SortOrder.AscendingOrder)
    panel.table.selectRow(0)
    name = panel.selected().name  # type: ignore[union-attr]
    panel.publish_selected()
    qtbot.waitUntil(
        lambda: name in panel.result_label.text() and "published" in panel.result_label.text(),
        timeout=30_000,
    )
