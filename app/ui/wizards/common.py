"""What every wizard page shares: a title and a line saying what it needs, a status line
that says what is missing in a dealership's words, and the standard read-only table."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.ui.icons import icon
from app.ui.theme import STATUS_ICONS, Status, status_colour


class StatusLine(QWidget):
    """An icon and a sentence: what is wrong, what runs, or that all is well."""

    def __init__(self, name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 2, 0, 2)
        self.icon = QLabel()
        self.label = QLabel()
        self.label.setObjectName(name or "wizard_status")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.label, 1)
        self.status = Status.UNKNOWN
        self.hide()

    def say(self, text: str, status: Status = Status.ERROR) -> None:
        self.status = status if text else Status.UNKNOWN
        if not text:
            self.label.clear()
            self.hide()
            return
        colour = status_colour(status)
        self.icon.setPixmap(icon(STATUS_ICONS[status], colour).pixmap(18, 18))
        self.label.setText(text)
        self.label.setStyleSheet(f"color: {colour.name()};")
        self.show()

    def text(self) -> str:
        return self.label.text()


class WizardPage(QWizardPage):
    """A page with a body layout and a status line at its foot."""

    def __init__(self, title: str, subtitle: str, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.plain_title = title
        self.setTitle(f"<span style='font-size: 14pt; font-weight: 600;'>{title}</span>")
        self.setSubTitle(subtitle)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(4, 4, 4, 0)
        self.status = StatusLine(f"{name}_status")
        self._status_added = False

    def finish_layout(self) -> None:
        """Put the status line last (call at the end of the page's constructor)."""
        self.body.addWidget(self.status)

    def say(self, text: str, status: Status = Status.ERROR) -> None:
        self.status.say(text, status)

    def changed(self) -> None:
        self.completeChanged.emit()


def muted(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("Muted")
    if name:
        label.setAccessibleName(name)
    label.setWordWrap(True)
    return label


def table(model: Any, name: str, *, stretch_last: bool = True) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(stretch_last)
    header.setMinimumSectionSize(80)
    return view


def fit_columns(view: QTableView, max_width: int = 320) -> None:
    """Size each column to its contents, no wider than ``max_width`` (the last stretches)."""
    view.resizeColumnsToContents()
    header = view.horizontalHeader()
    for col in range(header.count() - 1):
        if header.sectionSize(col) > max_width:
            header.resizeSection(col, max_width)


class StepList(QWidget):
    """The wizard's steps down its left side: done, current (bold), still to come."""

    def __init__(self, wizard: QWizard, steps: list[str]) -> None:
        super().__init__()
        self.setObjectName("wizard_steps")
        self.setFixedWidth(200)
        v = QVBoxLayout(self)
        v.setContentsMargins(8, 12, 12, 8)
        v.setSpacing(10)
        self.labels: list[QLabel] = []
        for n, text in enumerate(steps, start=1):
            label = QLabel(f"{n}  {text}")
            label.setWordWrap(True)
            v.addWidget(label)
            self.labels.append(label)
        v.addStretch(1)
        self.wizard = wizard
        wizard.currentIdChanged.connect(self.show_step)
        self.show_step(0)

    def show_step(self, current: int) -> None:
        ids = self.wizard.pageIds()
        index = ids.index(current) if current in ids else 0
        done, now, later = (status_colour(s).name() for s in (Status.OK, Status.RUNNING,
                                                             Status.UNKNOWN))  # fmt: skip
        for n, label in enumerate(self.labels):
            if n < index:
                label.setStyleSheet(f"color: {done};")
            elif n == index:
                label.setStyleSheet(f"color: {now}; font-weight: 700;")
            else:
                label.setStyleSheet(f"color: {later};")


def style_wizard(wizard: QWizard, finish_text: str) -> None:
    wizard.setWizardStyle(QWizard.WizardStyle.ModernStyle)
    wizard.setTitleFormat(Qt.TextFormat.RichText)
    wizard.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
    wizard.setOption(QWizard.WizardOption.NoDefaultButton, False)
    wizard.setButtonText(QWizard.WizardButton.FinishButton, finish_text)
    wizard.setButtonText(QWizard.WizardButton.NextButton, "Next  ›")
    wizard.setButtonText(QWizard.WizardButton.BackButton, "‹  Back")
    wizard.setSizeGripEnabled(True)
    wizard.setMinimumSize(820, 560)
    wizard.resize(1100, 700)
