"""Help → User guide: the short guide bundled as resources/guide/user-guide.md, shown in
a QTextBrowser with its contents list on the left (each heading a click away)."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.resources import resource

GUIDE = ("guide", "user-guide.md")
_HEADING = re.compile(r"^(#{2,3}) (.+)$", re.MULTILINE)


def guide_text() -> str:
    """The guide's Markdown, or a sentence saying where it should have been."""
    path = resource(*GUIDE)
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return f"# User guide\n\nThe guide was not found at {path}. Reinstall Rooftop Sync."


class GuideDialog(QDialog):
    """The user guide; ``show_section`` jumps to a heading (the contents list does it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Rooftop Sync — user guide")
        self.text = guide_text()
        v = QVBoxLayout(self)
        row = QHBoxLayout()
        self.contents = QListWidget()
        self.contents.setObjectName("guide_contents")
        self.contents.setFixedWidth(260)
        self.contents.setWordWrap(True)  # the symptoms are sentences
        self.contents.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.contents.setSpacing(2)
        self.browser = QTextBrowser()
        self.browser.setObjectName("guide_browser")
        self.browser.setOpenExternalLinks(True)
        self.browser.setMarkdown(self.text)
        self.browser.document().setDocumentMargin(16)
        for level, title in _HEADING.findall(self.text):
            item = QListWidgetItem(("    " if level == "###" else "") + title)
            item.setData(Qt.ItemDataRole.UserRole, title)
            self.contents.addItem(item)
        self.contents.currentItemChanged.connect(
            lambda item, _prev: item and self.show_section(item.data(Qt.ItemDataRole.UserRole))
        )
        row.addWidget(self.contents)
        row.addWidget(self.browser, 1)
        v.addLayout(row, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        v.addWidget(buttons)
        self._fit_screen()

    def _fit_screen(self) -> None:
        """About 1000x680, never bigger than the screen (1280x720 laptops)."""
        screen = QGuiApplication.primaryScreen()
        room = screen.availableGeometry().size() if screen is not None else None
        width, height = 1000, 680
        if room is not None:
            width, height = min(width, room.width() - 40), min(height, room.height() - 40)
        self.resize(width, height)

    def sections(self) -> list[str]:
        return [
            self.contents.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.contents.count())
        ]

    def show_section(self, title: str) -> bool:
        """Scroll the guide to the heading ``title``; False when there is none."""
        doc = self.browser.document()
        found = doc.find(title, 0, QTextDocument.FindFlag.FindCaseSensitively)
        while not found.isNull() and found.block().blockFormat().headingLevel() == 0:
            found = doc.find(title, found, QTextDocument.FindFlag.FindCaseSensitively)
        if found.isNull():
            return False
        at = QTextCursor(doc)
        at.setPosition(found.selectionStart())  # at the heading, nothing selected
        self.browser.setTextCursor(at)
        bar = self.browser.verticalScrollBar()
        bar.setValue(int(self.browser.cursorRect().top()) + bar.value() - 8)
        return True
