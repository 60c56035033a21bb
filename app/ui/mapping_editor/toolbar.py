"""The mapping editor's toolbar: auto-map, connect, unmap, undo/redo and a CSV sample."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QToolBar, QWidget

from app.ui.icons import icon


class EditorToolbar(QToolBar):
    """The editor's actions with their shortcuts; the editor connects each ``triggered``.
    Undo and redo follow ``undo``, the editor's undo stack."""

    def __init__(self, undo: QUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.automap_action = self._add("mdi6.auto-fix", "Auto-map…", "Ctrl+M")
        self.connect_action = self._add("mdi6.link-variant", "Connect", "Ctrl+L")
        self.unmap_action = self._add("mdi6.link-variant-off", "Unmap target", "Delete")
        self.addSeparator()
        self.undo_action = undo.createUndoAction(self, "Undo")
        self.undo_action.setIcon(icon("mdi6.undo"))
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = undo.createRedoAction(self, "Redo")
        self.redo_action.setIcon(icon("mdi6.redo"))
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        self.addAction(self.undo_action)
        self.addAction(self.redo_action)
        self.addSeparator()
        self.csv_action = self._add("mdi6.file-delimited-outline", "Sample from CSV…", "Ctrl+O")

    def _add(self, icon_name: str, text: str, keys: str) -> QAction:
        action = QAction(icon(icon_name), text, self)
        action.setShortcut(QKeySequence(keys))
        action.setToolTip(f"{text} ({QKeySequence(keys).toString()})")
        self.addAction(action)
        return action
