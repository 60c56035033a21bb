from app import __version__
from app.services.access import AccessPolicy
from app.ui.context import UiContext
from app.ui.main_window import SCREENS, MainWindow
from app.ui.manager_mode import AccessController, ManagerModeWidget


def test_navigation_reaches_every_screen(window: MainWindow) -> None:
    labels = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert labels == [label for _key, label in SCREENS]
    for key, _label in SCREENS:
        window.show_screen(key)
        assert window.stack.currentWidget() is window.screens[key]
        assert window.current_screen_key() == key


def test_manager_mode_hides_connection_editing(window: MainWindow) -> None:
    window.access.set_policy(AccessPolicy(mode="manager"))
    assert not window.connections.add_button.isVisibleTo(window.connections)
    assert window.connections.test_button.isVisibleTo(window.connections)
    assert window.mappings.read_only and not window.mappings.edit_button.isVisibleTo(
        window.mappings
    )
    window.access.set_policy(AccessPolicy(mode="admin"))
    assert window.connections.add_button.isVisibleTo(window.connections)


_ADMIN_TABS = ("Retention", "Privacy", "Matching")


def _nav_hidden(window: MainWindow, key: str) -> bool:
    row = next(i for i, (k, _label) in enumerate(SCREENS) if k == key)
    return window.nav.item(row).isHidden()


def test_manager_mode_shows_itself_and_hides_what_it_hides(window: MainWindow) -> None:
    """Issue 23 item 7: a badge in the title and status bars; Connections and Alerts are
    gone (not left visible); Mappings says in words why it is read-only."""
    tabs = window.settings_screen.tabs
    alerts = tabs.indexOf(window.alert_settings)
    window.show_screen("connections")
    window.access.set_policy(AccessPolicy(mode="manager"))
    assert window.windowTitle().endswith("Manager mode")
    badge = window.access_view.badge
    assert badge.isVisibleTo(window) and badge.text() == "Manager mode"
    assert window.statusBar().isAncestorOf(badge)
    assert _nav_hidden(window, "connections") and not tabs.isTabVisible(alerts)
    admin_tabs = [i for i in range(tabs.count()) if tabs.tabText(i) in _ADMIN_TABS]
    assert len(admin_tabs) == len(_ADMIN_TABS)
    assert not any(tabs.isTabVisible(i) for i in admin_tabs)  # thresholds, retention, privacy
    assert window.current_screen_key() == "dashboard"  # moved off the hidden screen
    window.show_screen("connections")
    assert window.current_screen_key() == "dashboard"
    assert "manager mode" in window.statusBar().currentMessage()
    window.show_screen("mappings")
    note = window.mappings.read_only_note
    assert window.mappings.isEnabled()  # readable, not a greyed page
    assert note.isVisibleTo(window.mappings) and "Read-only in manager mode" in note.text()
    assert window.mappings.edit_selected() is None

    window.access.set_policy(AccessPolicy(mode="admin"))
    assert "Manager mode" not in window.windowTitle() and not badge.isVisibleTo(window)
    assert not _nav_hidden(window, "connections") and tabs.isTabVisible(alerts)
    assert all(tabs.isTabVisible(i) for i in admin_tabs)
    assert not note.isVisibleTo(window.mappings)
    assert window.mappings.edit_button.isVisibleTo(window.mappings)


def test_the_access_tab_keeps_its_message_under_the_fields(qtbot, ui_ctx: UiContext) -> None:  # type: ignore[no-untyped-def]
    widget = ManagerModeWidget(AccessController(ui_ctx.store))
    qtbot.addWidget(widget)
    widget.resize(1000, 560)  # a Settings tab at 1280x720 is about this big
    widget.show()
    widget.new_pin.setText("12")
    qtbot.wait(20)
    assert "6 to 12 digits" in widget.message.text()
    # rows packed at the top, the message right under the PIN fields (on today's code the
    # rows spread over the tab and the message sat in a 124 px band at its foot)
    assert widget.admin_box.y() < 130 and widget.admin_box.height() < 110
    below_fields = widget.message.y() - widget.admin_box.geometry().bottom()
    assert 0 <= below_fields < 30 and widget.message.height() < 60


def test_status_bar_says_what_is_running(window: MainWindow) -> None:
    assert window.running_label.text() == "No sync running"
    assert window.next_label.text().startswith("Next sync:")


def test_about_shows_version(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    box = window.show_about()
    assert __version__ in box.text()
    box.close()


def test_geometry_is_remembered(qtbot, ui_ctx: UiContext) -> None:  # type: ignore[no-untyped-def]
    first = MainWindow(ui_ctx, tray=False)
    qtbot.addWidget(first)
    first.show()
    first.resize(790, 530)  # inside the offscreen screen (800x600): restore does not clamp
    qtbot.waitUntil(lambda: first.width() == 790)
    first.save_geometry()
    again = MainWindow(UiContext.create(ui_ctx.paths, ui_ctx.store), tray=False)
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == (790, 530)


def test_dashboard_counts_connections(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    assert window.dashboard.connections_card.value.text() == "0"
    assert window.dashboard.add_button.isVisibleTo(window.dashboard)
    window.ctx.profiles.create(
        "CRM", "http_api", {"base_url": "https://a.example.com"}, {"api_key": "k-0001"}
    )
    window.show_screen("connections")
    window.show_screen("dashboard")
    assert window.dashboard.connections_card.value.text() == "1"
    assert window.dashboard.failing_card.value.text() == "1"  # untested counts as not passing


def test_settings_shows_the_audit_log(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.ctx.profiles.create(
        "CRM", "http_api", {"base_url": "https://a.example.com"}, {"api_key": "k-0001"}
    )
    window.show_screen("settings")
    screen = window.settings_screen
    screen.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: screen.audit_model.rowCount() == 1, timeout=5000)
    screen.audit_table.selectRow(0)
    assert "Settings › Base URL: " in screen.audit_detail.toPlainText()  # words, not a path
    assert "settings.base_url" not in screen.audit_detail.toPlainText()
    assert "k-0001" not in screen.audit_detail.toPlainText()
    qtbot.waitUntil(lambda: "working" in screen.keyring_label.text(), timeout=5000)


def test_close_quits_when_there_is_no_tray(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.close()
    assert not window.isVisible()
    assert window.ctx.settings.value("main_window/geometry") is not None
