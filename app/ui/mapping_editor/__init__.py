"""The visual field-mapping editor: fields and drawn links, transform chains, auto-map,
live preview, lookup tables, drift hints, undo/redo."""

from app.ui.mapping_editor.editor import MappingEditor

__all__ = ["MappingEditor"]
