"""What the connection profile dialog does with what is typed: test the connection in the
background, preview a stream, and save (or Save & test), keeping with the saved profile a
test of exactly what was saved. Mixed into ``ProfileDialog``."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLabel, QLineEdit, QPushButton

from app.connectors.base import CheckResult, Connector
from app.errors import RooftopError
from app.services.preview import preview_unsaved, readable_streams
from app.services.profile_info import ProfileInfo
from app.services.profiles import ProfileService
from app.ui.dialogs.field_widgets import FieldInput
from app.ui.dialogs.preview_dialog import PreviewDialog
from app.ui.icons import icon
from app.ui.theme import STATUS_ICONS, Status, status_colour
from app.ui.workers import run_in_background


class ProfileDialogActions:
    """Mixed into ``ProfileDialog`` (which holds these attributes, the form and widgets)."""

    service: ProfileService
    profile: ProfileInfo | None
    saved: ProfileInfo | None
    name_edit: QLineEdit
    kind_combo: QComboBox
    test_button: QPushButton
    test_icon: QLabel
    test_result: QLabel
    save_error: QLabel
    buttons: QDialogButtonBox
    _inputs: dict[str, FieldInput]
    _reveal_all: bool
    _last_test: tuple[Any, CheckResult] | None
    _test_after_save: bool

    def values(self) -> tuple[dict[str, Any], dict[str, str]]:
        raise NotImplementedError

    def reenter(self, settings: dict[str, Any]) -> dict[str, str]:
        raise NotImplementedError

    def kind_class(self) -> type[Connector]:
        raise NotImplementedError

    def _validate(self) -> bool:
        raise NotImplementedError

    @property
    def _dialog(self) -> QDialog:
        assert isinstance(self, QDialog)
        return self

    # --- test and preview ----------------------------------------------------------------
    def _credentials(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The settings and secrets as typed; stored secrets join them only while the
        address is the one they were stored for."""
        settings, typed = self.values()
        if self.profile and not self.reenter(settings):  # never to a new address
            stored = self.service.secrets_for(self.profile.id)
            typed = {**stored, **typed}
        return settings, typed

    def open_preview(self) -> PreviewDialog | None:
        if not self._validate():
            return None
        settings, typed = self._credentials()
        kind = str(self.kind_combo.currentData())
        cls = self.kind_class()
        try:
            streams = readable_streams(kind, settings)
        except RooftopError as exc:
            self._show_test(Status.ERROR, str(exc))
            return None
        readable = sorted(streams)
        timed = {name for name, by_time in streams.items() if by_time}
        dialog = PreviewDialog(
            self.name_edit.text().strip() or cls.label,
            readable,
            timed,
            lambda stream, limit, since: preview_unsaved(
                kind, settings, typed, stream, limit, since
            ),
            parent=self._dialog,
        )
        dialog.open()
        return dialog

    def _snapshot(self) -> Any:
        """What a test result is about: kind, settings and the secrets as typed."""
        settings, typed = self.values()
        kind = str(self.kind_combo.currentData())
        return (kind, repr(sorted(settings.items())), repr(sorted(typed.items())))

    def _test(self) -> None:
        settings, typed = self._credentials()
        self._show_test(Status.RUNNING, "Testing the connection…")
        self.test_button.setEnabled(False)
        kind = str(self.kind_combo.currentData())
        snapshot = self._snapshot()
        self._start(
            ProfileService.test_unsaved,
            kind,
            settings,
            typed,
            on_success=lambda result: self._tested(result, snapshot),
            on_failure=lambda msg: self._tested(CheckResult(False, msg), snapshot),
        )

    def _tested(self, result: CheckResult, snapshot: Any = None) -> None:
        # settings the test learned (a host key pinned on first use) are saved with the rest
        for name, value in result.details.get("learned", {}).items():
            field_input = self._inputs.get(name)
            if field_input is not None and not field_input.value():
                field_input.set_value(value)
                snapshot = None  # the settings changed with what the test learned
        self._last_test = (snapshot, result) if snapshot is not None else None
        if self._last_test is not None and self._snapshot() != snapshot:
            self._last_test = None  # edited while the test ran: it tested something else
        self._show_test(Status.OK if result.ok else Status.ERROR, result.message)
        self.test_button.setEnabled(True)

    def _show_test(self, status: Status, message: str) -> None:
        colour = status_colour(status)
        self.test_icon.setPixmap(icon(STATUS_ICONS[status], colour).pixmap(18, 18))
        self.test_result.setText(message)
        self.test_result.setStyleSheet(f"color: {colour.name()};")

    # --- save --------------------------------------------------------------------------
    def _save(self, then_test: bool = False) -> None:
        self._reveal_all = True
        if not self._validate():
            return
        settings, typed = self.values()
        name = self.name_edit.text().strip()
        self.buttons.setEnabled(False)
        self._test_after_save = then_test
        # a test of exactly these values is the saved profile's last test
        tested = (
            self._last_test[1]
            if self._last_test and self._last_test[0] == self._snapshot()
            else None
        )
        service = self.service
        if self.profile:
            pid = self.profile.id

            def save() -> ProfileInfo:
                saved = service.update(pid, name=name, settings=settings, secret_values=dict(typed))
                if tested is not None:
                    service.record_test(saved.id, tested)
                return service.get(saved.id)

        else:
            kind = str(self.kind_combo.currentData())

            def save() -> ProfileInfo:
                saved = service.create(name, kind, settings, typed)
                if tested is not None:
                    service.record_test(saved.id, tested)
                return service.get(saved.id)

        self._start(save, on_success=self._saved, on_failure=self._save_failed)

    def _saved(self, profile: ProfileInfo) -> None:
        self.saved = profile
        if not self._test_after_save:
            self._dialog.accept()
            return
        # Save & test: the dialog now edits the saved profile and tests it as saved
        self.profile = profile
        self._dialog.setWindowTitle("Edit connection")
        self.kind_combo.setEnabled(False)
        for name, field_input in self._inputs.items():
            field_input.secret_stored = name in profile.secrets_set
        self._show_test(Status.RUNNING, "Saved. Testing the saved connection…")
        self._start(
            self.service.test,
            profile.id,
            on_success=self._saved_and_tested,
            on_failure=lambda msg: self._saved_and_tested(CheckResult(False, msg)),
        )

    def _saved_and_tested(self, result: CheckResult) -> None:
        """Passed: done. Failed: the dialog stays open on the saved profile, saying why."""
        self.buttons.setEnabled(True)
        if self.profile is not None:
            self.saved = self.service.get(self.profile.id)
        if result.ok:
            self._dialog.accept()
            return
        self._show_test(Status.ERROR, f"Saved, but the test failed: {result.message}")

    def _save_failed(self, message: str) -> None:
        self.buttons.setEnabled(True)
        self.save_error.setText(f"Not saved: {message}")
        self.save_error.show()

    def _start(self, fn: Any, *args: Any, on_success: Any, on_failure: Any) -> None:
        run_in_background(fn, *args, on_success=on_success, on_failure=on_failure)
