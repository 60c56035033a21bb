"""Create or edit a connection profile. The form is generated from the connector kind's
declared fields and shows only what the chosen options need; a field's problem appears
when you leave it (or press Save) and then follows your typing; the connection is tested
in the background, and a test of exactly what is saved is kept with the profile (the
test, preview and save are in ``profile_dialog_actions``)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
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
from app.services.profile_info import ProfileInfo
from app.services.profile_secrets import to_reenter
from app.services.profiles import ProfileService
from app.ui.dialogs.field_widgets import FieldInput
from app.ui.dialogs.profile_dialog_actions import ProfileDialogActions
from app.ui.icons import icon
from app.ui.widgets import fit_to_screen


class ProfileDialog(ProfileDialogActions, QDialog):
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
        self._helps: dict[str, QLabel] = {}
        # fields whose problem is shown: left once, or all of them after a Save press
        self._touched: set[str] = set()
        self._reveal_all = False
        # (kind, settings, typed secrets) of the last test and its result, kept on save
        self._last_test: tuple[Any, CheckResult] | None = None
        self._test_after_save = False
        self.setWindowTitle("Edit connection" if profile else "Add connection")
        self.setMinimumSize(520, 360)
        fit_to_screen(self, 760, 720)

        outer = QVBoxLayout(self)
        # one form for everything, so every label lines up; it scrolls (a REST kind has
        # twenty fields), the test row and buttons stay in view
        self.fields_host = QWidget()
        host = QVBoxLayout(self.fields_host)
        host.setContentsMargins(0, 0, 8, 0)
        self.fields_form = QFormLayout()
        self.fields_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        top = self.fields_form
        self.name_edit = QLineEdit(profile.name if profile else "")
        self.name_edit.setObjectName("field_name")
        self.name_edit.setPlaceholderText("e.g. Main Street Honda — CRM")
        self.name_edit.textChanged.connect(self._validate)
        self.name_edit.installEventFilter(self)
        self._errors["name"] = self._error_label()
        self._helps["name"] = self._help_label("How this connection is named in lists and logs.")
        top.addRow(
            "Name *", self._with_error(self.name_edit, self._errors["name"], self._helps["name"])
        )
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
        self.kind_help = self._help_label("")
        top.addRow("Kind", self._with_error(self.kind_combo, self._error_label(), self.kind_help))
        self._fixed_rows = top.rowCount()
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

        bottom = QHBoxLayout()
        # what Save still waits for, in one line, so a greyed Save is never unexplained
        self.needs = QLabel()
        self.needs.setObjectName("Muted")
        self.needs.setWordWrap(True)
        bottom.addWidget(self.needs, 1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_test_button = self.buttons.addButton(
            "Save && test", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.save_test_button.setObjectName("save_test_button")
        self.save_test_button.setIcon(icon("mdi6.content-save-check-outline"))
        self.save_test_button.setToolTip("Save, then test the saved connection")
        self.save_test_button.clicked.connect(lambda: self._save(then_test=True))
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        bottom.addWidget(self.buttons)
        outer.addLayout(bottom)
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
    def _help_label(text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("Muted")
        label.setWordWrap(True)
        label.setVisible(bool(text))
        return label

    @staticmethod
    def _with_error(editor: QWidget, error: QLabel, help_label: QLabel) -> QWidget:
        """The editor, then one line under it: its help, or its problem in the help's
        place (so the fields below hardly move when a problem appears)."""
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 4)
        v.setSpacing(2)
        v.addWidget(editor)
        v.addWidget(help_label)
        v.addWidget(error)
        return box

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Leaving a field shows its problem (if it has one) from then on."""
        if event.type() == QEvent.Type.FocusOut:
            name = watched.property("field_name") if watched is not self.name_edit else "name"
            if name and name not in self._touched:
                self._touched.add(str(name))
                self._validate()
        return super().eventFilter(watched, event)

    def reveal_problems(self) -> None:
        """Show every field's problem (Save pressed, or a test asked for)."""
        self._reveal_all = True
        self._validate()

    def kind_class(self) -> type[Connector]:
        return get_kind(str(self.kind_combo.currentData()))

    def _build_fields(self) -> None:
        while self.fields_form.rowCount() > self._fixed_rows:
            self.fields_form.removeRow(self._fixed_rows)
        while self.advanced_form.rowCount():
            self.advanced_form.removeRow(0)
        self._inputs.clear()
        self._rows: dict[str, tuple[QFormLayout, QWidget]] = {}
        self._errors = {"name": self._errors["name"]}
        self._helps = {"name": self._helps["name"]}
        self._touched &= {"name"}
        self._last_test = None
        cls = self.kind_class()
        self.kind_help.setText(cls.description)
        self.kind_help.setVisible(bool(cls.description))
        stored = self.profile.secrets_set if self.profile else frozenset()
        advanced_set = False
        for spec in cls.fields:
            field_input = FieldInput(spec, secret_stored=spec.name in stored)
            if self.profile and not spec.secret and spec.name in self.profile.settings:
                field_input.set_value(self.profile.settings[spec.name])
                advanced_set |= spec.advanced and self.profile.settings[spec.name] != spec.default
            field_input.changed.connect(self._validate)
            for editor in field_input.editors():
                editor.setProperty("field_name", spec.name)
                editor.installEventFilter(self)
            error = self._error_label()
            self._inputs[spec.name] = field_input
            self._errors[spec.name] = error
            self._helps[spec.name] = self._help_label(spec.help)
            label = spec.label + (" *" if spec.required else "")
            form = self.advanced_form if spec.advanced else self.fields_form
            row = self._with_error(field_input, error, self._helps[spec.name])
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
        p = self.profile
        return to_reenter(self.kind_class(), p.settings, p.secrets_set, settings)

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

    def shown_problems(self) -> dict[str, str]:
        """The problems on screen now: those of fields left once, or all after Save."""
        found = self.problems()
        if self._reveal_all:
            return found
        return {n: why for n, why in found.items() if n in self._touched}

    def _label_of(self, name: str) -> str:
        if name == "name":
            return "Name"
        spec = self._inputs[name].spec if name in self._inputs else None
        return spec.label if spec else name

    def _validate(self) -> bool:
        self._apply_visibility(self.values()[0])
        found = self.problems()
        shown = (
            found if self._reveal_all else {n: w for n, w in found.items() if n in self._touched}
        )
        if shown.keys() & {n for n, f in self._inputs.items() if f.spec.advanced}:
            self.advanced_toggle.setChecked(True)  # never hide a field that has a problem
        for name, label in self._errors.items():
            label.setText(found.get(name, ""))  # kept current; shown once the field was left
            label.setVisible(name in shown)
            help_label = self._helps.get(name)
            if help_label is not None:
                help_label.setVisible(bool(help_label.text()) and name not in shown)
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(not found)
        self.save_test_button.setEnabled(not found)
        if found:
            order = ["name", *self._inputs]  # as the form lists them
            names = ", ".join(
                self._label_of(n)
                for n in sorted(found, key=lambda n: order.index(n) if n in order else len(order))
            )
            self.needs.setText(f"To save, fill in or correct: {names}.")
        else:
            self.needs.setText("")
        self.test_button.setEnabled(not found)
        self.preview_button.setEnabled(not found and issubclass(self.kind_class(), StreamSource))
        self.preview_button.setVisible(issubclass(self.kind_class(), StreamSource))
        self.save_error.hide()
        return not found
