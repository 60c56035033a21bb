"""Connections screen: list, add, edit, duplicate, delete and test connection profiles."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHeaderView,
    QMessageBox,
    QWidget,
)

from app.connectors.base import CheckResult
from app.services.profile_info import ProfileInfo
from app.services.profiles import ProfileService
from app.store.errors import NotFoundError
from app.ui.dialogs.profile_dialog import ProfileDialog
from app.ui.list_page import ListPage
from app.ui.models.profiles_model import ProfilesTableModel
from app.ui.theme import Status
from app.ui.widgets import EmptyState
from app.ui.workers import run_in_background


class ConnectionsScreen(ListPage):
    status_message = Signal(str)
    profiles_changed = Signal()

    def __init__(self, service: ProfileService, parent: QWidget | None = None) -> None:
        super().__init__(
            "Connections",
            "The systems Rooftop Sync talks to. Passwords and keys are kept in the "
            "Windows Credential Manager (system keyring), never in files.",
            ProfilesTableModel(),
            table_name="connections_table",
            search_text="Search connections by name or kind",
            empty=EmptyState(
                "mdi6.lan-connect",
                "No connections yet",
                "Add your DMS, CRM, website feed or marketing platform. Rooftop Sync keeps "
                "their customers, vehicles and deals in step once they are connected.",
                "Add connection",
            ),
            no_match_text="No connection matches your search.",
            parent=parent,
        )
        self.model: ProfilesTableModel
        self.service = service
        self.editable = True  # False in manager mode
        self.add_button = self.bar_button("mdi6.plus", "Add connection", self.add)
        self.edit_button = self.bar_button("mdi6.pencil-outline", "Edit", self.edit_selected)
        self.duplicate_button = self.bar_button(
            "mdi6.content-copy", "Duplicate", self.duplicate_selected
        )
        self.delete_button = self.bar_button("mdi6.delete-outline", "Delete", self.delete_selected)
        self.test_button = self.bar_button("mdi6.lan-check", "Test connection", self.test_selected)

        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, 5):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.doubleClicked.connect(lambda _i: self.edit_selected() if self.editable else None)
        self.empty.action_clicked.connect(self.add)

        self.add_result_line("test_result")

        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.reload()

    # --- list --------------------------------------------------------------------------
    def reload(self, select_id: int | None = None) -> None:
        self.model.set_rows(self.service.list())
        self.loaded = True
        self.show_right_page()
        if select_id is not None:
            self.select(select_id)
        self._update_buttons()

    def select(self, profile_id: int) -> None:
        self.select_where(lambda p: p.id == profile_id)

    def set_editable(self, editable: bool) -> None:
        """Manager mode: connections can be tested but not added, edited or deleted."""
        self.editable = editable
        for b in (self.add_button, self.edit_button, self.duplicate_button, self.delete_button):
            b.setVisible(editable)
        self.empty.button.setVisible(editable)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.selected() is not None
        for b in (self.edit_button, self.duplicate_button, self.delete_button):
            b.setEnabled(has and self.editable)
        self.test_button.setEnabled(has)

    # --- actions -----------------------------------------------------------------------
    def _taken(self) -> set[str]:
        return {self.model.row_at(r).name for r in range(self.model.rowCount())}

    def add(self) -> ProfileDialog:
        dialog = ProfileDialog(self.service, None, self, taken_names=self._taken())
        dialog.accepted.connect(lambda: self._after_save(dialog, "added"))
        dialog.open()
        return dialog

    def edit_selected(self) -> ProfileDialog | None:
        profile = self.selected()
        if profile is None:
            return None
        dialog = ProfileDialog(self.service, profile, self, taken_names=self._taken())
        dialog.accepted.connect(lambda: self._after_save(dialog, "saved"))
        dialog.open()
        return dialog

    def _after_save(self, dialog: ProfileDialog, verb: str) -> None:
        if dialog.saved:
            self.reload(dialog.saved.id)
            self.status_message.emit(f"Connection '{dialog.saved.name}' {verb}.")
            self.profiles_changed.emit()

    def duplicate_selected(self) -> None:
        profile = self.selected()
        if profile is None:
            return
        self._start(
            self.service.duplicate,
            profile.id,
            on_success=lambda copy: self._duplicated(copy),
        )

    def _duplicated(self, copy: ProfileInfo) -> None:
        self.reload(copy.id)
        self.status_message.emit(f"Duplicated as '{copy.name}' (secrets copied in the keyring).")
        self.profiles_changed.emit()

    def delete_selected(self, *, confirm: bool = True) -> None:
        profile = self.selected()
        if profile is None:
            return
        if confirm:
            answer = QMessageBox.question(
                self,
                "Delete connection",
                f"Delete the connection '{profile.name}'?\n\nIts settings are removed from "
                "this computer and its saved secrets are deleted from the keyring. Flows "
                "that use it must be changed first. This is recorded in the audit log.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self._start(
            self.service.delete,
            profile.id,
            on_success=lambda _r: self._deleted(profile.name),
        )

    def _deleted(self, name: str) -> None:
        self.reload()
        self.status_message.emit(f"Connection '{name}' deleted.")
        self.profiles_changed.emit()

    def test_selected(self) -> None:
        profile = self.selected()
        if profile is None:
            return
        self.model.set_testing(profile.id, True)
        self.show_result(Status.RUNNING, f"Testing '{profile.name}'…")
        self._start(
            self.service.test,
            profile.id,
            on_success=lambda result: self._tested(profile, result),
            on_failure=lambda msg: self._tested(profile, CheckResult(False, msg)),
        )

    def _tested(self, profile: ProfileInfo, result: CheckResult) -> None:
        self.model.set_testing(profile.id, False)
        try:
            self.model.replace(self.service.get(profile.id))
        except NotFoundError:  # deleted meanwhile
            self.reload()
        status = Status.OK if result.ok else Status.ERROR
        self.show_result(status, f"{profile.name}: {result.message}")
        self.profiles_changed.emit()

    def _start(self, fn, *args, on_success, on_failure=None) -> None:
        def failed(message: str) -> None:
            QMessageBox.warning(self, "Rooftop Sync", message)

        run_in_background(fn, *args, on_success=on_success, on_failure=on_failure or failed)
