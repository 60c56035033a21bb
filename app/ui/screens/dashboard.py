"""Dashboard: the state of the connections today; later also runs, schedules and alerts."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.profiles import ProfileService
from app.ui.formatting import relative_time
from app.ui.icons import icon
from app.ui.models.profiles_model import test_status
from app.ui.theme import STATUS_ICONS, Status, status_colour
from app.ui.widgets import ScreenHeader


class Card(QFrame):
    def __init__(self, title: str, value: str, note: str = "") -> None:
        super().__init__()
        self.setObjectName("Card")
        v = QVBoxLayout(self)
        t = QLabel(title)
        t.setObjectName("Muted")
        self.value = QLabel(value)
        self.value.setObjectName("CardValue")
        self.note = QLabel(note)
        self.note.setObjectName("Muted")
        self.note.setWordWrap(True)
        v.addWidget(t)
        v.addWidget(self.value)
        v.addWidget(self.note)
        v.addStretch(1)


class DashboardScreen(QWidget):
    go_to = Signal(str)

    def __init__(self, service: ProfileService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(ScreenHeader("Dashboard", "How the dealership's systems are doing."))
        cards = QHBoxLayout()
        self.connections_card = Card("Connections", "0")
        self.healthy_card = Card("Passing their last test", "0")
        self.failing_card = Card("Failing or untested", "0")
        for c in (self.connections_card, self.healthy_card, self.failing_card):
            cards.addWidget(c)
        layout.addLayout(cards)

        health_title = QLabel("Connection health")
        health_title.setObjectName("EmptyTitle")
        layout.addSpacing(12)
        layout.addWidget(health_title)
        self.health = QGridLayout()
        self.health.setColumnStretch(2, 1)
        host = QWidget()
        host.setLayout(self.health)
        layout.addWidget(host)
        self.empty_hint = QLabel("No connections yet.")
        self.empty_hint.setObjectName("Muted")
        self.add_button = QPushButton(icon("mdi6.plus"), "Add connection")
        self.add_button.clicked.connect(lambda: self.go_to.emit("connections"))
        hint_row = QHBoxLayout()
        hint_row.addWidget(self.empty_hint)
        hint_row.addWidget(self.add_button)
        hint_row.addStretch(1)
        layout.addLayout(hint_row)

        runs_title = QLabel("Syncs")
        runs_title.setObjectName("EmptyTitle")
        layout.addSpacing(12)
        layout.addWidget(runs_title)
        runs = QLabel(
            "No flows are set up yet, so nothing is scheduled. Running syncs, the next "
            "scheduled runs and open alerts will show here."
        )
        runs.setObjectName("Muted")
        runs.setWordWrap(True)
        layout.addWidget(runs)
        layout.addStretch(1)
        self.reload()

    def reload(self) -> None:
        profiles = self.service.list()
        while self.health.count():
            item = self.health.takeAt(0)
            widget = item.widget() if item else None
            if widget is not None:
                widget.deleteLater()
        ok = 0
        for row, p in enumerate(profiles):
            status, text = test_status(p)
            ok += status is Status.OK
            colour = status_colour(status)
            pic = QLabel()
            pic.setPixmap(icon(STATUS_ICONS[status], colour).pixmap(18, 18))
            name = QLabel(f"<b>{p.name}</b> <span style='color:gray'>· {p.kind_label}</span>")
            detail = QLabel(f"{text} · last tested {relative_time(p.last_test_at)}")
            detail.setStyleSheet(f"color: {colour.name()};")
            detail.setToolTip(p.last_test_message or "")
            self.health.addWidget(pic, row, 0)
            self.health.addWidget(name, row, 1)
            self.health.addWidget(detail, row, 2, Qt.AlignmentFlag.AlignLeft)
        self.connections_card.value.setText(str(len(profiles)))
        self.healthy_card.value.setText(str(ok))
        self.failing_card.value.setText(str(len(profiles) - ok))
        self.empty_hint.setVisible(not profiles)
        self.add_button.setVisible(not profiles)
