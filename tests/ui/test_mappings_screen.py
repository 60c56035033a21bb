"""The Mappings screen: flows' mappings with version and drift badges; Edit opens the
editor (loaded in the background) which shows the drift and offers the fix."""

from __future__ import annotations

from pathlib import Path

from app.sandbox.generator import build_dataset
from app.services.flows import FlowService
from app.store import Store
from app.sync.engine import SyncEngine
from app.ui.mapping_editor.editor import MappingEditor
from app.ui.models.mappings_model import drift_badge
from app.ui.screens.mappings import MappingsScreen
from app.ui.theme import Status, apply_theme
from tests.support.mapping import demo_dealership

FLOW = "customers-dms-to-crm"


def test_empty_state(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    screen = MappingsScreen(store)
    qtbot.addWidget(screen)
    qtbot.waitUntil(lambda: screen.stack.currentWidget() is screen.empty, timeout=5000)
    assert not screen.edit_button.isEnabled()


def test_drift_badges_editor_and_screenshots(qtbot, qapp, store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    apply_theme(qapp)
    data = build_dataset(150, seed=42)
    with demo_dealership(store, data):
        assert SyncEngine(store).run(FLOW).status == "succeeded"
    renamed = build_dataset(150, seed=42)
    customers = renamed.tables["dms_customers"]
    customers["postal_zip"] = customers.pop("zip")
    with demo_dealership(store, renamed):
        blocked = SyncEngine(store).run(FLOW, full=True)
        assert blocked.status == "failed" and "'zip'" in (blocked.error or "")

        screen = MappingsScreen(store)
        qtbot.addWidget(screen)
        screen.resize(1070, 800)
        screen.show()
        flows = len(FlowService(store).list())  # the demo's (a few run by hand only)
        qtbot.waitUntil(lambda: screen.model.rowCount() == flows, timeout=10000)
        rows = {r.name: r for r in screen.model.rows}
        status, text, tip = drift_badge(rows["Customers: DMS → CRM"].drift)
        assert status is Status.ERROR and text == "Blocked: zip" and "zip" in tip
        assert drift_badge(rows["New leads: CRM → DMS"].drift)[0] is Status.UNKNOWN
        assert "stopped by schema drift" in screen.message.text()
        screen.search.setText("Blocked")
        assert screen.proxy.rowCount() == 1
        screen.search.setText("")
        assert screen.grab().save(str(tmp_path / "mappings_screen.png"))

        screen.select(rows["Customers: DMS → CRM"].flow_id)
        editor = screen.edit_selected()
        assert isinstance(editor, MappingEditor)
        qtbot.waitSignal(editor.loaded, timeout=15000).wait() if editor.data is None else None
        qtbot.waitUntil(lambda: editor.data is not None, timeout=15000)
        editor.resize(1280, 800)
        assert editor.drift_banner.isVisible()
        assert "'zip'" in editor.drift_banner.message.text()
        assert "zip" in editor.canvas.sources.problems
        assert any("'zip'" in p for p in editor.problems())  # save refuses until fixed
        assert "A run would stop" in editor.preview_pane.fail_label.text()
        editor.canvas.select_target("zip")
        qtbot.wait(50)
        assert editor.grab().save(str(tmp_path / "mapping_editor_drift.png"))
        # the person replaces the field by hand (the REST source hides the new name)
        editor.canvas.select_target("zip")
        editor.unmap_selected()
        assert not any("'zip'" in p for p in editor.problems())
        editor.undo.undo()
        assert "zip" in editor.mapping.targets()
        editor.close()
