"""Manager mode in the window: the ``AccessController`` screens consult, and the Settings
widget that sets the admin PIN and switches modes."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.access import AccessPolicy, AccessService, pin_problem
from app.store import Store
from app.ui.icons import icon
from app.ui.theme import STATUS_ICONS, Status, status_colour
from app.ui.workers import run_in_background


class AccessController(QObject):
    """Holds the current ``AccessPolicy``; screens hide or disable what it forbids and
    listen to ``changed``. Give the same instance to every screen."""

    changed = Signal(object)  # AccessPolicy

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = AccessService(store)
        self.policy = self.service.policy()  # one small SQLite read at start-up

    def set_policy(self, policy: AccessPolicy) -> None:
        self.policy = policy
        self.changed.emit(policy)


def _pin_field(placeholder: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setPlaceholderText(placeholder)
    field.setMaxLength(12)
    field.setMaximumWidth(220)
    return field


class ManagerModeWidget(QGroupBox):
    """Settings → Access: set the admin PIN, switch to manager mode, leave it with the PIN."""

    def __init__(self, controller: AccessController, parent: QWidget | None = None) -> None:
        super().__init__("Manager mode", parent)
        self.controller = controller
        v = QVBoxLayout(self)
        v.setSpacing(10)
        intro = QLabel(
            "In manager mode, sales, service and BDC managers can press Sync now, re-sync a "
            "customer or vehicle, read the sync log and work the duplicate queue. Connection "
            "passwords and keys, connection settings, mappings, schedules and alerts are "
            "hidden. Leaving manager mode needs the admin PIN."
        )
        intro.setWordWrap(True)
        intro.setObjectName("Muted")
        v.addWidget(intro)
        state = QHBoxLayout()
        self.state_icon = QLabel()
        self.state_label = QLabel()
        self.state_label.setObjectName("mode_state")
        state.addWidget(self.state_icon)
        state.addWidget(self.state_label, 1)
        v.addLayout(state)

        self.admin_box = QWidget()
        form = QFormLayout(self.admin_box)
        form.setContentsMargins(0, 0, 0, 0)
        self.new_pin = _pin_field("6 to 12 digits")
        self.repeat_pin = _pin_field("the same again")
        self.set_pin_button = QPushButton(icon("mdi6.lock-reset"), "Save admin PIN")
        self.enter_button = QPushButton(icon("mdi6.account-tie"), "Switch to manager mode")
        form.addRow("New admin PIN", self.new_pin)
        form.addRow("Repeat the PIN", self.repeat_pin)
        row = QHBoxLayout()
        row.addWidget(self.set_pin_button)
        row.addWidget(self.enter_button)
        row.addStretch(1)
        form.addRow("", row)
        v.addWidget(self.admin_box)

        self.manager_box = QWidget()
        mrow = QHBoxLayout(self.manager_box)
        mrow.setContentsMargins(0, 0, 0, 0)
        self.pin = _pin_field("admin PIN")
        self.leave_button = QPushButton(icon("mdi6.shield-account"), "Leave manager mode")
        mrow.addWidget(QLabel("Admin PIN"))
        mrow.addWidget(self.pin)
        mrow.addWidget(self.leave_button)
        mrow.addStretch(1)
        v.addWidget(self.manager_box)

        self.message = QLabel()
        self.message.setObjectName("mode_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        v.addWidget(self.message)
        # the rows stay together at the top (the tab is taller than they are), so a message
        # sits under the field it is about, not at the bottom of the page
        v.addStretch(1)

        self.new_pin.textChanged.connect(self._validate)
        self.repeat_pin.textChanged.connect(self._validate)
        self.set_pin_button.clicked.connect(self.save_pin)
        self.enter_button.clicked.connect(self.enter_manager_mode)
        self.leave_button.clicked.connect(self.leave_manager_mode)
        self.pin.returnPressed.connect(self.leave_manager_mode)
        controller.changed.connect(lambda _p: self._show_mode())
        self._show_mode()
        self._validate()

    def _show_mode(self) -> None:
        manager = self.controller.policy.is_manager
        status = Status.WARNING if manager else Status.OK
        colour = status_colour(status)
        self.state_icon.setPixmap(icon(STATUS_ICONS[status], colour).pixmap(18, 18))
        self.state_label.setText(
            "Manager mode is ON — admin settings are hidden."
            if manager
            else "Admin mode — everything is visible and editable."
        )
        self.state_label.setStyleSheet(f"color: {colour.name()}; font-weight: 600;")
        self.admin_box.setVisible(not manager)
        self.manager_box.setVisible(manager)

    def _validate(self) -> None:
        pin, again = self.new_pin.text(), self.repeat_pin.text()
        problem = ""
        if pin and (not pin.isdigit() or not 6 <= len(pin) <= 12):
            problem = "The PIN must be 6 to 12 digits."
        elif pin and len(pin) == len(again) and pin_problem(pin):
            problem = pin_problem(pin) or ""
        elif again and pin != again:
            problem = "The two PINs are not the same."
        self.set_pin_button.setEnabled(bool(pin) and pin == again and not problem)
        if problem or self.message.property("kind") == "validation":
            self._say(problem, Status.ERROR if problem else Status.UNKNOWN, "validation")

    def _say(self, text: str, status: Status, kind: str = "result") -> None:
        self.message.setProperty("kind", kind)
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {status_colour(status).name()};")

    def save_pin(self) -> None:
        pin = self.new_pin.text()
        run_in_background(
            self.controller.service.set_pin,
            pin,
            on_success=self._pin_saved,
            on_failure=self._failed,
        )

    def _failed(self, message: str) -> None:
        self._say(message, Status.ERROR)

    def _pin_saved(self, _result: object = None) -> None:
        self.new_pin.clear()
        self.repeat_pin.clear()
        self._say("Admin PIN saved in the system keyring.", Status.OK)

    def enter_manager_mode(self) -> None:
        run_in_background(
            self.controller.service.enter_manager_mode,
            on_success=self._switched,
            on_failure=self._failed,
        )

    def leave_manager_mode(self) -> None:
        pin = self.pin.text()
        self.pin.clear()
        run_in_background(
            self.controller.service.leave_manager_mode,
            pin,
            on_success=self._switched,
            on_failure=self._failed,
        )

    def _switched(self, policy: AccessPolicy) -> None:
        self.controller.set_policy(policy)
        self._say("Manager mode is on." if policy.is_manager else "Back in admin mode.", Status.OK)
