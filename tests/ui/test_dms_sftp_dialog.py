"""The connection dialog for a DMS extract over SFTP: the SFTP fields show only when SFTP
is chosen, and Test connection fills in the host key it pinned, saved with the rest."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from app.connectors.sftp_client import fingerprint
from app.connectors.sftp_settings import HOST_KEY
from app.ui.dialogs.profile_dialog import ProfileDialog
from app.ui.main_window import MainWindow
from tests.support.sftp_server import PASSWORD, USER, LocalSftpServer, serving

SFTP_ONLY = ("sftp_host", "sftp_port", "sftp_username", "sftp_password", HOST_KEY)


@pytest.fixture
def sftp(tmp_path: Path) -> Iterator[LocalSftpServer]:
    with serving(tmp_path / "sftp-root", "out") as server:
        yield server


def _shown(dialog: ProfileDialog, name: str) -> bool:
    form, row = dialog._rows[name]
    return form.isRowVisible(row)


def test_sftp_fields_follow_the_choice_and_the_tested_key_is_saved(
    qtbot, window: MainWindow, sftp: LocalSftpServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    window.show_screen("connections")
    dialog = window.connections.add()
    qtbot.waitExposed(dialog)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("dms_file"))
    assert _shown(dialog, "folder")
    assert not any(_shown(dialog, name) for name in SFTP_ONLY)

    dialog._inputs["source"].set_value("sftp")
    assert all(_shown(dialog, name) for name in SFTP_ONLY) and not _shown(dialog, "folder")
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert "sftp_host" in dialog.problems() and not save.isEnabled()
    dialog.name_edit.setText("DMS extracts (SFTP)")
    dialog._inputs["sftp_host"].set_value("127.0.0.1")
    dialog._inputs["sftp_port"].set_value(sftp.port)
    dialog._inputs["sftp_username"].set_value(USER)
    dialog._inputs["sftp_password"].set_value(PASSWORD)
    dialog._inputs["sftp_folder"].set_value("/out")
    assert save.isEnabled(), dialog.problems()

    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Connected to SFTP" in dialog.test_result.text(), timeout=15000)
    key = fingerprint(sftp.host_key)
    assert "pinned when you save" in dialog.test_result.text()
    assert dialog._inputs[HOST_KEY].value() == key
    dialog.grab().save(str(tmp_path / "dms-sftp-dialog.png"))

    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
    saved = window.ctx.profiles.get_by_name("DMS extracts (SFTP)")
    assert saved.settings["source"] == "sftp" and saved.settings[HOST_KEY] == key
    assert "sftp_password" in saved.secrets_set
