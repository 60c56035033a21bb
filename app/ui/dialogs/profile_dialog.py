"""Create or edit a connection profile. The form is generated from the connector kind's
declared fields, validates as you type, and tests the connection in the background."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.connectors.base import CheckResult, Connector
from app.connectors.registry import get_kind, kinds
from app.connectors.streams import StreamSource
from app.errors import RooftopError
from app.services.preview import preview_unsaved, readable_streams
from app.services.profiles import ProfileInfo, ProfileService
from app.ui.dialogs.field_widgets import FieldInput
from app.ui.dialogs.preview_dialog import PreviewDialog
from app.ui.icons import icon
from app.ui.theme import STATUS_ICONS, Status, status_colour
from app.ui.workers import run_in_background


class ProfileDialog(QDialog):
    """``profile=None`` creates a new profile; otherwise edits that one."""

    def __init__(
        self,
        service: ProfileService,
        profile: ProfileInfo | None = None,
        parent: QWidget | None = None,
        taken_names: set[str] | None = None,
        kind: str | None = None,
    ) -> None:
        """``kind``: a new profile of that kind only (the new-feed wizard's destination)."""
        super().__init__(parent)
        self.service = service
        self.taken_names = {n.casefold() for n in (taken_names or set())}
        if profile:
            self.taken_names.discard(profile.name.casefold())
        self.profile = profile
        self.saved: ProfileInfo | None = None
        self._inputs: dict[str, FieldInput] = {}
        self._errors: dict[str, QLabel] = {}
        self.setWindowTitle("Edit connection" if profile else "Add connection")
        self.setMinimumWidth(560)
        self.resize(760, 720)

        outer = QVBoxLayout(self)
        top = QFormLayout()
        top.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name_edit = QLineEdit(profile.name if profile else "")
        self.name_edit.setObjectName("field_name")
        self.name_edit.setPlaceholderText("e.g. Main Street Honda — CRM")
        self.name_edit.textChanged.connect(self._validate)
        self._errors["name"] = self._error_label()
        top.addRow("Name *", self._with_error(self.name_edit, self._errors["name"]))
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("kind")
        for cls in kinds():
            self.kind_combo.addItem(cls.label, cls.kind)
        if profile:
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(profile.kind))
            self.kind_combo.setEnabled(False)
            self.kind_combo.setToolTip("The kind of a saved connection cannot change.")
        elif kind:
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))
            self.kind_combo.setEnabled(False)
        self.kind_combo.currentIndexChanged.connect(self._build_fields)
        top.addRow("Kind", self.kind_combo)
        self.kind_help = QLabel()
        self.kind_help.setObjectName("Muted")
        self.kind_help.setWordWrap(True)
        top.addRow("", self.kind_help)
        outer.addLayout(top)

        # many fields (a REST kind has twenty): they scroll, the buttons stay in view
        self.fields_host = QWidget()
        host = QVBoxLayout(self.fields_host)
        host.setContentsMargins(0, 0, 8, 0)
        self.fields_form = QFormLayout()
        self.fields_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        host.addLayout(self.fields_form)
        self.advanced_toggle = QToolButton()
        self.advanced_toggle.setObjectName("advanced_toggle")
        self.advanced_toggle.setText("Advanced settings")
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_toggle.toggled.connect(self._show_advanced)
        host.addWidget(self.advanced_toggle)
        self.advanced_host = QWidget()
        self.advanced_form = QFormLayout(self.advanced_host)
        self.advanced_form.setContentsMargins(0, 0, 0, 0)
        self.advanced_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.advanced_host.hide()
        host.addWidget(self.advanced_host)
        host.addStretch(1)
        self.fields_scroll = QScrollArea()
        self.fields_scroll.setWidgetResizable(True)
        self.fields_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.fields_scroll.setWidget(self.fields_host)
        outer.addWidget(self.fields_scroll, 1)

        test_row = QHBoxLayout()
        self.test_button = QPushButton(icon("mdi6.lan-check"), "Test connection")
        self.test_button.setObjectName("test_button")
        self.test_button.clicked.connect(self._test)
        self.test_icon = QLabel()
        self.test_result = QLabel()
        self.test_result.setObjectName("test_result")
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview_button = QPushButton(icon("mdi6.table-eye"), "Preview data…")
        self.preview_button.setObjectName("preview_button")
        self.preview_button.setToolTip("Read a few records of one stream with these settings")
        self.preview_button.clicked.connect(self.open_preview)
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.preview_button)
        test_row.addWidget(self.test_icon)
        test_row.addWidget(self.test_result, 1)
        outer.addSpacing(6)
        outer.addLayout(test_row)

        self.save_error = QLabel()
        self.save_error.setObjectName("FieldError")
        self.save_error.setWordWrap(True)
        self.save_error.hide()
        outer.addWidget(self.save_error)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        self._build_fields()

    # --- form ------------------------------------------------------------------------
    @staticmethod
    def _error_label() -> QLabel:
        label = QLabel()
        label.setObjectName("FieldError")
        label.setWordWrap(True)
        label.hide()
        return label

    @staticmethod
    def _with_error(editor: QWidget, error: QLabel, help_text: str = "") -> QWidget:
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(2)
        v.addWidget(editor)
        if help_text:
            h = QLabel(help_text)
            h.setObjectName("Muted")
            h.setWordWrap(True)
            v.addWidget(h)
        v.addWidget(error)
        return box

    def kind_class(self) -> type[Connector]:
        return get_kind(str(self.kind_combo.currentData()))

    def _build_fields(self) -> None:
        for form in (self.fields_form, self.advanced_form):
            while form.rowCount():
                form.removeRow(0)
        self._inputs.clear()
        self._rows: dict[str, tuple[QFormLayout, QWidget]] = {}
        self._errors = {"name": self._errors["name"]}
        cls = self.kind_class()
        self.kind_help.setText(cls.description)
        stored = self.profile.secrets_set if self.profile else frozenset()
        advanced_set = False
        for spec in cls.fields:
            field_input = FieldInput(spec, secret_stored=spec.name in stored)
            if self.profile and not spec.secret and spec.name in self.profile.settings:
                field_input.set_value(self.profile.settings[spec.name])
                advanced_set |= spec.advanced and self.profile.settings[spec.name] != spec.default
            field_input.changed.connect(self._validate)
            error = self._error_label()
            self._inputs[spec.name] = field_input
            self._errors[spec.name] = error
            label = spec.label + (" *" if spec.required else "")
            form = self.advanced_form if spec.advanced else self.fields_form
            row = self._with_error(field_input, error, spec.help)
            form.addRow(label, row)
            self._rows[spec.name] = (form, row)
        self.advanced_toggle.setVisible(any(f.advanced for f in cls.fields))
        self.advanced_toggle.setChecked(advanced_set)
        self._show_advanced(advanced_set)
        self.test_result.clear()
        self.test_icon.clear()
        self._validate()

    def _show_advanced(self, shown: bool) -> None:
        self.advanced_host.setVisible(shown)
        self.advanced_toggle.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )

    def _apply_visibility(self, settings: dict[str, Any]) -> None:
        """Show the fields that matter for the choices made (e.g. the sign-in method)."""
        cls = self.kind_class()
        defaults = {f.name: f.default for f in cls.fields}
        for spec in cls.fields:
            form, row = self._rows[spec.name]
            form.setRowVisible(row, spec.visible(settings, defaults))

    def values(self) -> tuple[dict[str, Any], dict[str, str]]:
        """(settings, secrets typed in this dialog)."""
        settings: dict[str, Any] = {}
        typed: dict[str, str] = {}
        for name, field_input in self._inputs.items():
            value = field_input.value()
            if field_input.spec.secret:
                if value:
                    typed[name] = str(value)
            else:
                settings[name] = value
        return settings, typed

    def reenter(self, settings: dict[str, Any]) -> dict[str, str]:
        """Stored secrets that must be typed again because the settings now send them
        somewhere else (field name -> why)."""
        if self.profile is None:
            return {}
        cls = self.kind_class()
        moved = cls.address_changes(self.profile.settings, settings)
        if not moved:
            return {}
        return {
            n: f"The {', '.join(moved)} changed: enter the {cls.field(n).label} again "
            "(a stored secret is never sent to a new address)."
            for n in sorted(self.profile.secrets_set & set(cls.secret_field_names()))
        }

    def problems(self) -> dict[str, str]:
        settings, typed = self.values()
        stored = self.profile.secrets_set if self.profile else frozenset()
        reenter = {n: why for n, why in self.reenter(settings).items() if n not in typed}
        check = {**{n: "stored" for n in stored if n not in reenter}, **typed}
        found = self.kind_class().validate(settings, check)
        found.update(reenter)
        for n, field_input in self._inputs.items():
            field_input.set_stored_secret_usable(n not in reenter)
        name = self.name_edit.text().strip()
        if not name:
            found["name"] = "Name is required."
        elif name.casefold() in self.taken_names:
            found["name"] = f"A connection named '{name}' already exists."
        return found

    def _validate(self) -> bool:
        self._apply_visibility(self.values()[0])
        found = self.problems()
        if found.keys() & {n for n, f in self._inputs.items() if f.spec.advanced}:
            self.advanced_toggle.setChecked(True)  # never hide a field that has a problem
        for name, label in self._errors.items():
            label.setText(found.get(name, ""))
            label.setVisible(name in found)
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(not found)
        self.test_button.setEnabled(not found)
        self.preview_button.setEnabled(not found and issubclass(self.kind_class(), StreamSource))
        self.preview_button.setVisible(issubclass(self.kind_class(), StreamSource))
        self.save_error.hide()
        return not found

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
            parent=self,
        )
        dialog.open()
        return dialog

    def _test(self) -> None:
        settings, typed = self._credentials()
        self._show_test(Status.RUNNING, "Testing the connection…")
        self.test_button.setEnabled(False)
        kind = str(self.kind_combo.currentData())
        self._start(
            ProfileService.test_unsaved,
            kind,
            settings,
            typed,
            on_success=self._tested,
            on_failure=lambda msg: self._tested(CheckResult(False, msg)),
        )

    def _tested(self, result: CheckResult) -> None:
        # settings the test learned (a host key pinned on first use) are saved with the rest
        for name, value in result.details.get("learned", {}).items():
            field_input = self._inputs.get(name)
            if field_input is not None and not field_input.value():
                field_input.set_value(value)
        self._show_test(Status.OK if result.ok else Status.ERROR, result.message)
        self.test_button.setEnabled(True)

    def _show_test(self, status: Status, message: str) -> None:
        colour = status_colour(status)
        self.test_icon.setPixmap(icon(STATUS_ICONS[status], colour).pixmap(18, 18))
        self.test_result.setText(message)
        self.test_result.setStyleSheet(f"color: {colour.name()};")

    # --- save --------------------------------------------------------------------------
    def _save(self) -> None:
        if not self._validate():
            return
        settings, typed = self.values()
        name = self.name_edit.text().strip()
        self.buttons.setEnabled(False)
        if self.profile:
            pid = self.profile.id
            self._start(
                lambda: self.service.update(
                    pid, name=name, settings=settings, secret_values=dict(typed)
                ),
                on_success=self._saved,
                on_failure=self._save_failed,
            )
        else:
            kind = str(self.kind_combo.currentData())
            self._start(
                self.service.create,
                name,
                kind,
                settings,
                typed,
                on_success=self._saved,
                on_failure=self._save_failed,
            )

    def _saved(self, profile: ProfileInfo) -> None:
        self.saved = profile
        self.accept()

    def _save_failed(self, message: str) -> None:
        self.buttons.setEnabled(True)
        self.save_error.setText(f"Not saved: {message}")
        self.save_error.show()

    def _start(self, fn: Any, *args: Any, on_success: Any, on_failure: Any) -> None:
        run_in_background(fn, *args, on_success=on_success, on_failure=on_failure)
