"""Create, edit, test and delete a connection through the real dialog and screen."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit

from app import secrets
from app.services import audit
from app.ui.dialogs.profile_dialog import ProfileDialog
from app.ui.main_window import MainWindow
from tests.support.fake_api import FakeApi


def _line(dialog: ProfileDialog, name: str) -> QLineEdit:
    widget = dialog.findChild(QLineEdit, f"field_{name}")
    if widget is None:  # FieldInput wraps its QLineEdit
        widget = dialog._inputs[name].editor
    assert isinstance(widget, QLineEdit)
    return widget


def _save_button(dialog: ProfileDialog):  # type: ignore[no-untyped-def]
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def test_empty_state_offers_to_add(window: MainWindow) -> None:
    window.show_screen("connections")
    screen = window.connections
    assert screen.stack.currentWidget() is screen.empty
    assert screen.empty.button.text() == "Add connection"


def test_create_edit_test_delete_through_the_dialog(
    qtbot, window: MainWindow, fake_api: FakeApi, answer_yes: list[str]
) -> None:  # type: ignore[no-untyped-def]
    screen = window.connections
    window.show_screen("connections")

    # --- create: validates as you type
    dialog = screen.add()
    qtbot.waitExposed(dialog)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("http_api"))
    assert not _save_button(dialog).isEnabled()
    assert dialog._errors["name"].text() == "Name is required."
    qtbot.keyClicks(dialog.name_edit, "Sandbox CRM")
    qtbot.keyClicks(_line(dialog, "base_url"), "not-a-url")
    assert "must be a web address" in dialog._errors["base_url"].text()
    _line(dialog, "base_url").setText(fake_api.url)
    assert not _save_button(dialog).isEnabled()  # API key still missing
    qtbot.keyClicks(_line(dialog, "api_key"), fake_api.api_key)
    assert _line(dialog, "api_key").echoMode() == QLineEdit.EchoMode.Password
    assert _save_button(dialog).isEnabled()

    # test before saving, in the background, result inline
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Connected" in dialog.test_result.text(), timeout=10000)

    qtbot.mouseClick(_save_button(dialog), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1)
    profile = screen.model.row_at(0)
    assert profile.name == "Sandbox CRM"
    assert secrets.get_secret(f"profile/{profile.uid}", "api_key") == fake_api.api_key
    assert screen.stack.currentWidget() is screen.table

    # --- edit: rename, secret kept when left empty
    screen.select(profile.id)
    dialog = screen.edit_selected()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert "leave empty to keep" in _line(dialog, "api_key").placeholderText()
    assert not dialog.kind_combo.isEnabled()
    dialog.name_edit.setText("Sandbox CRM (main)")
    qtbot.mouseClick(_save_button(dialog), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
    qtbot.waitUntil(lambda: screen.model.row_at(0).name == "Sandbox CRM (main)")
    assert secrets.get_secret(f"profile/{profile.uid}", "api_key") == fake_api.api_key

    # --- test from the list: status column and inline result
    screen.select(profile.id)
    qtbot.mouseClick(screen.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Connected in" in screen.result_label.text(), timeout=10000)
    idx = screen.model.index(0, 2)
    assert screen.model.data(idx) == "Connected"
    fake_api.status = 500
    qtbot.mouseClick(screen.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "HTTP 500" in screen.result_label.text(), timeout=10000)
    assert screen.model.data(screen.model.index(0, 2)) == "Failed"

    # --- delete: asks, says what will happen, removes the secret
    screen.select(profile.id)
    qtbot.mouseClick(screen.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 0, timeout=10000)
    assert "deleted from the keyring" in answer_yes[0]
    assert secrets.get_secret(f"profile/{profile.uid}", "api_key") is None
    assert screen.stack.currentWidget() is screen.empty

    actions = [e.action for e in audit.recent(window.ctx.store)]
    assert actions == ["delete", "update", "create"]


def test_duplicate_names_are_flagged_as_you_type(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.ctx.profiles.create(
        "Existing", "http_api", {"base_url": "https://a.example.com"}, {"api_key": "k-0001"}
    )
    window.connections.reload()
    dialog = window.connections.add()
    qtbot.keyClicks(dialog.name_edit, "existing")
    assert "already exists" in dialog._errors["name"].text()
    dialog.reject()


def test_search_filters_and_says_when_nothing_matches(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    for name in ("Main St Honda CRM", "Website feed"):
        window.ctx.profiles.create(
            name, "http_api", {"base_url": "https://a.example.com"}, {"api_key": "k-0001"}
        )
    screen = window.connections
    screen.reload()
    qtbot.keyClicks(screen.search, "honda")
    assert screen.proxy.rowCount() == 1
    screen.search.setText("zzz")
    assert screen.stack.currentWidget() is screen.no_match
    screen.search.clear()
    assert screen.proxy.rowCount() == 2


def test_duplicate_button_copies_the_profile(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    p = window.ctx.profiles.create(
        "CRM", "http_api", {"base_url": "https://a.example.com"}, {"api_key": "k-0001"}
    )
    screen = window.connections
    screen.reload(p.id)
    qtbot.mouseClick(screen.duplicate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 2, timeout=10000)
    copy = window.ctx.profiles.get_by_name("CRM (copy)")
    assert window.ctx.profiles.secrets_for(copy.id) == {"api_key": "k-0001"}


def test_a_new_address_asks_for_the_secret_again(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, fake_api: FakeApi
) -> None:
    """Editing the URL of a saved connection: the stored key must be typed again before
    it can be tested or saved, so it never goes to an address nobody typed it for."""
    profile = window.ctx.profiles.create(
        "CRM", "http_api", {"base_url": "https://crm.example.com"}, {"api_key": "stored-k-1"}
    )
    window.connections.reload()
    window.connections.select(profile.id)
    dialog = window.connections.edit_selected()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert _save_button(dialog).isEnabled()
    _line(dialog, "base_url").setText(fake_api.url)
    assert not _save_button(dialog).isEnabled() and not dialog.test_button.isEnabled()
    assert "Base URL changed: enter the API key again" in dialog._errors["api_key"].text()
    dialog._test()  # even if called: the stored key is not sent to the new address
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=10000)
    assert all(r.get("X-API-Key") != "stored-k-1" for r in fake_api.requests)
    _line(dialog, "base_url").setText("https://crm.example.com")  # back: nothing to re-enter
    assert _save_button(dialog).isEnabled()
    _line(dialog, "base_url").setText(fake_api.url)
    qtbot.keyClicks(_line(dialog, "api_key"), fake_api.api_key)
    assert _save_button(dialog).isEnabled()
    qtbot.mouseClick(_save_button(dialog), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
    assert secrets.get_secret(f"profile/{profile.uid}", "api_key") == fake_api.api_key
