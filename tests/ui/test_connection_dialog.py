"""The Add/Edit connection dialog as a new admin meets it (issue 23, item 3): it fits the
screen, says a field's problem when you leave it, shows only the chosen sign-in method's
fields in plain words, does not call a feed address answering 404 connected, keeps a
passing test on save, and offers Save & test."""

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QWidget

from app.services.profiles import ProfileService
from app.store import Store
from app.ui.dialogs.profile_dialog import ProfileDialog
from tests.support.fake_api import FakeApi


def _leave(widget: QWidget) -> None:
    QApplication.sendEvent(widget, QFocusEvent(QEvent.Type.FocusOut))


def _line(dialog: ProfileDialog, name: str) -> QLineEdit:
    editor = dialog._inputs[name].editor
    assert isinstance(editor, QLineEdit)
    return editor


def _dialog(qtbot, store: Store, kind: str) -> ProfileDialog:  # type: ignore[no-untyped-def]
    dialog = ProfileDialog(ProfileService(store))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(kind))
    return dialog


def test_the_dialog_fits_the_screen_and_scrolls(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, store, "cdk_fortellis")
    free = dialog.screen().availableGeometry()
    assert dialog.height() <= free.height() and dialog.width() <= free.width()
    assert dialog.fields_scroll.widgetResizable()
    # every input keeps its natural height: nothing squashed to a few pixels
    for field_input in dialog._inputs.values():
        if field_input.isVisibleTo(dialog):
            assert field_input.editor.height() >= field_input.editor.minimumSizeHint().height()


def test_a_problem_shows_when_the_field_is_left_not_before(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, store, "http_api")
    assert not dialog._errors["name"].isVisible()  # nothing typed yet: no scolding
    assert not dialog._errors["base_url"].isVisible()
    save = dialog.buttons.button(dialog.buttons.StandardButton.Save)
    assert not save.isEnabled()
    assert "Name" in dialog.needs.text() and "API key" in dialog.needs.text()  # says why

    qtbot.keyClicks(_line(dialog, "base_url"), "not-a-url")
    assert not dialog._errors["base_url"].isVisible()  # still typing
    _leave(_line(dialog, "base_url"))
    assert dialog._errors["base_url"].isVisible()
    assert "must be a web address" in dialog._errors["base_url"].text()
    _line(dialog, "base_url").setText("https://crm.example.com")
    assert not dialog._errors["base_url"].isVisible()  # once shown, it follows the typing

    _leave(dialog.name_edit)
    assert dialog._errors["name"].isVisible()
    assert dialog._errors["name"].text() == "Name is required."


def test_only_the_chosen_sign_in_method_in_plain_words(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, store, "star_rest")
    combo = dialog._inputs["auth_mode"].editor
    assert isinstance(combo, QComboBox)
    shown = [combo.itemText(i) for i in range(combo.count())]
    assert not {"oauth2", "bearer", "api_key"} & set(shown)
    assert "API key" in shown
    help_text = dialog._helps["auth_mode"].text()
    assert "oauth2" not in help_text and "api_key" not in help_text

    def visible(name: str) -> bool:
        return dialog._inputs[name].isVisibleTo(dialog)

    dialog._inputs["auth_mode"].set_value("api_key")
    assert visible("api_key") and not visible("client_id") and not visible("client_secret")
    assert dialog._inputs["auth_mode"].value() == "api_key"  # the stored value is unchanged
    dialog._inputs["auth_mode"].set_value("oauth2")
    assert visible("client_id") and visible("client_secret") and not visible("api_key")
    for help_label in dialog._helps.values():
        assert "oauth2 only" not in help_label.text() and "api_key only" not in help_label.text()

    feed = _dialog(qtbot, store, "feed_target")
    feed._inputs["delivery"].set_value("folder")
    assert feed._inputs["folder"].isVisibleTo(feed)
    assert not feed._inputs["api_key"].isVisibleTo(feed)
    assert not feed._inputs["http_url"].isVisibleTo(feed)


def test_a_feed_address_answering_404_is_not_connected(  # type: ignore[no-untyped-def]
    qtbot, store: Store, fake_api: FakeApi
) -> None:
    fake_api.status = 404
    dialog = _dialog(qtbot, store, "feed_target")
    dialog.name_edit.setText("Website feed")
    dialog._inputs["delivery"].set_value("http")
    _line(dialog, "http_url").setText(f"{fake_api.url}/feeds/wesbite")
    _line(dialog, "api_key").setText(fake_api.api_key)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "HTTP 404" in dialog.test_result.text(), timeout=10000)
    assert "Check the upload address" in dialog.test_result.text()
    assert dialog._last_test is not None and not dialog._last_test[1].ok


def test_a_passing_test_is_kept_on_save(qtbot, store: Store, fake_api: FakeApi) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, store, "http_api")
    dialog.name_edit.setText("CRM")
    _line(dialog, "base_url").setText(fake_api.url)
    _line(dialog, "api_key").setText(fake_api.api_key)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            "answered" in dialog.test_result.text().lower()
            or "connected" in dialog.test_result.text().lower()
        ),
        timeout=10000,
    )
    assert dialog._last_test is not None and dialog._last_test[1].ok
    save = dialog.buttons.button(dialog.buttons.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.saved is not None, timeout=10000)
    saved = ProfileService(store).get(dialog.saved.id)
    assert saved.last_test_ok is True and saved.last_test_at is not None


def test_a_test_of_other_values_is_not_kept(qtbot, store: Store, fake_api: FakeApi) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, store, "http_api")
    dialog.name_edit.setText("CRM")
    _line(dialog, "base_url").setText(fake_api.url)
    _line(dialog, "api_key").setText(fake_api.api_key)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog._last_test is not None, timeout=10000)
    _line(dialog, "api_key").setText("another-key-000000")  # tested was the old key
    qtbot.mouseClick(
        dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(lambda: dialog.saved is not None, timeout=10000)
    assert ProfileService(store).get(dialog.saved.id).last_test_ok is None


def test_save_and_test(qtbot, store: Store, fake_api: FakeApi) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, store, "http_api")
    dialog.name_edit.setText("CRM")
    _line(dialog, "base_url").setText(fake_api.url)
    _line(dialog, "api_key").setText("wrong-key-0000000")
    assert dialog.save_test_button.text().replace("&&", "&") == "Save & test"
    qtbot.mouseClick(dialog.save_test_button, Qt.MouseButton.LeftButton)
    # saved, tested, failed: the dialog stays open on the saved connection, saying why
    qtbot.waitUntil(lambda: "test failed" in dialog.test_result.text(), timeout=10000)
    assert dialog.isVisible() and dialog.profile is not None
    assert ProfileService(store).get(dialog.profile.id).last_test_ok is False
    assert dialog.windowTitle() == "Edit connection"

    _line(dialog, "api_key").setText(fake_api.api_key)
    qtbot.mouseClick(dialog.save_test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
    profiles = ProfileService(store).list()
    assert [p.name for p in profiles] == ["CRM"]  # saved once, edited after
    assert profiles[0].last_test_ok is True
