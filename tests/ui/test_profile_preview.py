"""Preview data from the profile editor, and the per-stream API address editor."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from app.sandbox.demo import DMS, install_demo
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.ui.dialogs.address_map import AddressMapEditor
from app.ui.dialogs.profile_dialog import ProfileDialog
from app.ui.main_window import MainWindow


@pytest.fixture(scope="module")
def servers() -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(40, seed=13), seed=13) as running:
        yield running


def _edit(qtbot, window: MainWindow, name: str) -> ProfileDialog:  # type: ignore[no-untyped-def]
    window.connections.reload()
    profile = window.ctx.profiles.get_by_name(name)
    window.connections.select(profile.id)
    dialog = window.connections.edit_selected()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog


def test_preview_reads_records_of_the_chosen_stream(qtbot, window: MainWindow, servers) -> None:  # type: ignore[no-untyped-def]
    install_demo(window.ctx.store, servers.port_file_payload())
    dialog = _edit(qtbot, window, DMS)
    assert dialog.preview_button.isVisible() and dialog.preview_button.isEnabled()
    preview = dialog.open_preview()
    assert preview is not None
    qtbot.addWidget(preview)
    streams = [preview.stream.itemText(i) for i in range(preview.stream.count())]
    assert "customers" in streams and "leads" not in streams  # leads can only be written
    preview.stream.setCurrentText("customers")
    preview.limit.setValue(4)
    preview.start()
    qtbot.waitUntil(lambda: preview.model.rowCount() == 4, timeout=20000)
    assert "4 record(s) of customers" in preview.status_label.text()
    assert "customer_id" in preview.model.headers()
    preview.since.setText("not a time")
    preview.start()
    assert "is not a date-time" in preview.status_label.text()
    assert preview.timed == set(streams)  # every readable DMS stream filters by time
    preview._stream_changed("a stream without a time")
    assert not preview.since.isEnabled() and "cannot be filtered" in preview.since.placeholderText()


def test_the_address_map_editor_keeps_pairs_and_asks_for_the_secret(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, servers
) -> None:
    install_demo(window.ctx.store, servers.port_file_payload())
    dialog = _edit(qtbot, window, DMS)
    editor = dialog._inputs["api_base_urls"].editor
    assert isinstance(editor, AddressMapEditor)
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert save.isEnabled()
    editor.add_row("customers", "not-a-url")
    assert "must start with https://" in dialog._errors["api_base_urls"].text()
    editor.rows[0][2].setText("http://127.0.0.1:4010")
    # a new address for a stream: the stored secret must be typed again
    assert "enter the Client secret again" in dialog._errors["client_secret"].text()
    assert dialog._inputs["api_base_urls"].value() == {"customers": "http://127.0.0.1:4010"}
    editor._remove(editor.rows[0])
    assert dialog._inputs["api_base_urls"].value() == {} and save.isEnabled()
