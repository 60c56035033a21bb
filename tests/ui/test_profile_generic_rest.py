"""The profile editor of a Generic REST DMS: paths, paging and field names in the advanced
settings, checked as you type, and saved and shown again as they were."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QLineEdit

from app.ui.dialogs.address_map import AddressMapEditor
from app.ui.dialogs.profile_dialog import ProfileDialog
from app.ui.main_window import MainWindow

NEW_FIELDS = (
    "stream_paths",
    "paging",
    "page_size_param",
    "offset_param",
    "next_link_at",
    "records_at",
    "total_at",
    "since_param",
    "field_names",
)


def _open(qtbot, window: MainWindow, profile_id: int) -> ProfileDialog:  # type: ignore[no-untyped-def]
    window.connections.reload()
    window.connections.select(profile_id)
    dialog = window.connections.edit_selected()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog


def _shown(dialog: ProfileDialog, name: str) -> bool:
    form, row = dialog._rows[name]
    return form.isRowVisible(row)


def _map(dialog: ProfileDialog, name: str) -> AddressMapEditor:
    editor = dialog._inputs[name].editor
    assert isinstance(editor, AddressMapEditor)
    return editor


def test_the_advanced_settings_of_a_generic_rest_dms_round_trip(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    profile = window.ctx.profiles.create(
        "In-house DMS",
        "dms_rest",
        {"base_url": "https://dms.example.com", "auth_mode": "bearer"},
        {"token": "stored-token-1"},
    )
    dialog = _open(qtbot, window, profile.id)
    assert dialog.kind_combo.currentText() == "Generic REST DMS"
    assert "no dedicated connector" in dialog.kind_help.text()
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert save.isEnabled()
    assert not dialog.advanced_toggle.isChecked()  # nothing set: the defaults stay tucked away
    for name in NEW_FIELDS:
        assert dialog._rows[name][0] is dialog.advanced_form, name
    qtbot.mouseClick(dialog.advanced_toggle, Qt.MouseButton.LeftButton)
    assert dialog.advanced_host.isVisible()

    # the paging style shows the names it needs
    paging = dialog._inputs["paging"].editor
    assert isinstance(paging, QComboBox) and paging.currentText() == "next_link"
    assert _shown(dialog, "next_link_at") and not _shown(dialog, "offset_param")
    assert dialog._inputs["next_link_at"].value() == "links.nextPage.href"
    paging.setCurrentText("limit_offset")
    assert _shown(dialog, "offset_param") and not _shown(dialog, "next_link_at")
    assert not _shown(dialog, "cursor_param")
    dialog._inputs["offset_param"].set_value("skip")
    dialog._inputs["records_at"].set_value("results")
    dialog._inputs["total_at"].set_value("count")
    dialog._inputs["since_param"].set_value("modified after")
    assert "must be one word" in dialog._errors["since_param"].text() and not save.isEnabled()
    dialog._inputs["since_param"].set_value("modified_after")

    # paths per stream: checked as you type; a path is not an address, the token stays
    paths = _map(dialog, "stream_paths")
    assert paths.add_button.text() == "Add a path"
    paths.add_row("customers", "api/clients")
    assert "must start with /" in dialog._errors["stream_paths"].text()
    assert not save.isEnabled()
    paths.rows[0][2].setText("/api/clients")
    assert not dialog._errors["stream_paths"].isVisible()
    assert not dialog._errors["token"].isVisible()

    # field names: any of our fields, or stream.field typed in
    names = _map(dialog, "field_names")
    names.add_row("first_name", "given_name")
    names.add_row()
    combo, key = names.rows[1][1], names.rows[1][2]
    assert combo.isEditable() and combo.findText("service_requested") >= 0
    combo.setEditText("customers.shoe_size")
    key.setText("shoe")
    assert "the customers stream has no field 'shoe_size'" in dialog._errors["field_names"].text()
    assert not save.isEnabled()
    combo.setEditText("customers.email")
    key.setText("mail")
    assert save.isEnabled(), dialog.problems()
    if os.environ.get("ROOFTOP_SHOTS"):  # look at it: ROOFTOP_SHOTS=folder
        dialog.resize(900, 1500)
        qtbot.wait(100)
        dialog.fields_scroll.ensureWidgetVisible(dialog._inputs["field_names"])
        dialog.grab().save(os.path.join(os.environ["ROOFTOP_SHOTS"], "generic_rest_dms.png"))

    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
    stored = window.ctx.profiles.get(profile.id).settings
    assert stored["stream_paths"] == {"customers": "/api/clients"}
    assert stored["field_names"] == {"first_name": "given_name", "customers.email": "mail"}
    assert (stored["paging"], stored["offset_param"], stored["page_size_param"]) == (
        "limit_offset",
        "skip",
        "pageSize",
    )
    assert (stored["records_at"], stored["total_at"], stored["since_param"]) == (
        "results",
        "count",
        "modified_after",
    )
    assert window.ctx.profiles.secrets_for(profile.id) == {"token": "stored-token-1"}

    # shown again as saved, the advanced section open because something there is set
    again = _open(qtbot, window, profile.id)
    assert again.advanced_toggle.isChecked()
    assert again._inputs["paging"].value() == "limit_offset"
    assert _shown(again, "offset_param") and not _shown(again, "next_link_at")
    assert again._inputs["stream_paths"].value() == {"customers": "/api/clients"}
    assert again._inputs["field_names"].value() == {
        "first_name": "given_name",
        "customers.email": "mail",
    }
    since = again._inputs["since_param"].editor
    assert isinstance(since, QLineEdit) and since.text() == "modified_after"
    again.reject()
