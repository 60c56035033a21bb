"""The dashboard's cards: a title, a big figure and a note; a ``LinkCard`` opens the screen
it sums up; the "Flows that agree" card's words from each flow's last reconciliation."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout

from app.sync.reconcile_log import ReportView


class Card(QFrame):
    def __init__(self, title: str, value: str, note: str = "") -> None:
        super().__init__()
        self.setObjectName("Card")
        v = QVBoxLayout(self)
        v.setContentsMargins(12, 8, 12, 8)
        self.title = t = QLabel(title)
        t.setObjectName("Muted")
        self.value = QLabel(value)
        self.value.setObjectName("CardValue")
        self.note = QLabel(note)
        self.note.setObjectName("Muted")
        self.note.setWordWrap(True)
        v.addWidget(t)
        v.addWidget(self.value)
        v.addWidget(self.note)
        v.addStretch(1)  # cards in a row keep their figures on one line


class LinkCard(Card):
    """A card that opens the screen it summarises when clicked."""

    clicked = Signal()

    def __init__(self, title: str, value: str, note: str = "") -> None:
        super().__init__(title, value, note)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)


def reconcile_card_text(reports: Sequence[ReportView]) -> tuple[str, str, str]:
    """(value, note, tooltip) of the dashboard's "Flows that agree" card: how many of the
    reconciled flows agree, and the worst one."""
    done = [r for r in reports if r.status in ("agree", "differ")]
    if not done:
        return "—", "no flow reconciled yet (Flows → Reconcile)", ""
    agree = [r for r in done if r.only_in_source + r.different == 0]
    worst = max(done, key=lambda r: (r.only_in_source + r.different, r.id))
    tip = "\n".join(
        f"{r.flow_name}: {r.only_in_source:,} missing, {r.different:,} different, "
        f"{r.only_in_destination:,} only in the destination "
        f"({r.started_at.astimezone():%a %d %b %H:%M})"
        for r in sorted(done, key=lambda r: r.flow_name)
    )
    wrong = worst.only_in_source + worst.different
    note = (
        f"{worst.flow_name}: {wrong:,} missing or different"
        if wrong
        else "nothing missing or different"
    )
    return f"{len(agree)} of {len(done)}", note, tip
