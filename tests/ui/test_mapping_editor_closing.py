"""The mapping editor never drops work unasked (issue 23, item 5): "Save changes?" on
Close, the header follows the saved version, a destination without fields says why, and
the dialog fits the screen."""

from unittest.mock import patch

from PySide6.QtWidgets import QMessageBox

from app.mapping.model import Mapping
from app.services.mapping_loader import load, load_ends
from app.services.mappings import MappingService
from app.services.profiles import ProfileService
from app.store import Store
from app.ui.mapping_editor.editor import MappingEditor


def _editor(qtbot, store: Store, flow: str) -> MappingEditor:  # type: ignore[no-untyped-def]
    editor = MappingEditor(store, flow, data=load(store, flow))
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)
    return editor


def _edit(editor: MappingEditor) -> None:
    # drop a rule no required field depends on, so the mapping still saves
    rule = next(r for r in editor.mapping.rules if r.target in ("email", "phone", "first_name"))
    editor.change(Mapping(tuple(r for r in editor.mapping.rules if r is not rule)), "Unmap")
    assert not editor.undo.isClean()


def _answer(editor: MappingEditor, button: QMessageBox.StandardButton) -> None:
    box = editor.unsaved_box
    assert box is not None and box.isVisible()
    box.button(button).click()


def test_close_with_unsaved_changes_asks(qtbot, store: Store, memory_flow: str) -> None:  # type: ignore[no-untyped-def]
    editor = _editor(qtbot, store, memory_flow)
    editor.reject()  # nothing changed: closes at once
    assert not editor.isVisible()

    editor = _editor(qtbot, store, memory_flow)
    _edit(editor)
    assert "unsaved changes" in editor.origin.text() and editor.windowTitle().endswith("*")
    editor.close_button.click()
    box = editor.unsaved_box
    assert box is not None and box.windowTitle() == "Save changes?"
    assert "Save the changes" in box.text() and "not saved" in box.informativeText()
    _answer(editor, QMessageBox.StandardButton.Cancel)  # back to editing, edits kept
    assert editor.isVisible() and not editor.undo.isClean()

    editor.close_button.click()
    _answer(editor, QMessageBox.StandardButton.Discard)
    assert not editor.isVisible()
    assert MappingService(store).get(memory_flow).version == load(store, memory_flow).version


def test_save_from_the_prompt_saves_a_version_and_closes(
    qtbot, store: Store, memory_flow: str
) -> None:  # type: ignore[no-untyped-def]
    editor = _editor(qtbot, store, memory_flow)
    before = editor.data.version if editor.data else 0
    _edit(editor)
    editor.reject()
    with patch(
        "app.ui.mapping_editor.editor.QInputDialog.getText", return_value=("dropped one", True)
    ):
        _answer(editor, QMessageBox.StandardButton.Save)
    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=10000)
    assert editor.saved_version == before + 1
    assert MappingService(store).get(memory_flow).version == before + 1


def test_the_header_follows_the_saved_version(qtbot, store: Store, memory_flow: str) -> None:  # type: ignore[no-untyped-def]
    editor = _editor(qtbot, store, memory_flow)
    before = editor.data.version if editor.data else 0
    assert f"version {before}" in editor.origin.text()
    _edit(editor)
    assert editor.save(comment="dropped one")
    qtbot.waitUntil(lambda: editor.saved_version is not None, timeout=10000)
    assert f"version {before + 1}" in editor.origin.text()
    assert "unsaved" not in editor.origin.text() and not editor.windowTitle().endswith("*")
    editor.reject()
    assert not editor.isVisible()  # saved: nothing to ask


def test_the_editor_fits_the_screen(qtbot, store: Store, memory_flow: str) -> None:  # type: ignore[no-untyped-def]
    editor = _editor(qtbot, store, memory_flow)
    free = editor.screen().availableGeometry()
    assert editor.width() <= free.width() and editor.height() <= free.height()


def test_a_destination_without_fields_says_why(store: Store, memory_flow: str) -> None:
    profiles = ProfileService(store)
    src = profiles.get_by_name("Memory DMS")
    feed = profiles.create(
        "Website feed", "feed_target", {"delivery": "folder", "folder": str(store.paths.data_dir)}
    )
    data = load_ends(store, "Inventory feed", src.id, "customers", feed.id, "", Mapping(()))
    assert data.target_fields == []
    [why] = [w for w in data.warnings if "Website feed" in w]
    assert "no destination fields" in why and "on the feed itself" in why
