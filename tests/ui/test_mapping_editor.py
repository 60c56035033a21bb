"""The mapping editor end to end: real SQLite, real keyring, sandbox servers on 127.0.0.1.
Build a mapping with auto-map and a lookup transform, preview it, save it, and run the
flow with it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from unittest.mock import patch

import httpx
import pytest
from PySide6.QtCore import Qt

from app.mapping.model import Mapping, Rule, Step
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.services.audit import recent
from app.services.mapping_loader import load
from app.services.mappings import MappingService
from app.store import Store
from app.sync.engine import SyncEngine
from app.ui.mapping_editor.dialogs import LookupDialog
from app.ui.mapping_editor.editor import MappingEditor
from tests.support.fake_dataset import build_fake_dataset
from tests.support.mapping import GENERIC_FLOW, add_generic_customers_flow, demo_dealership

FLOW = GENERIC_FLOW  # STAR customers -> the CRM's generic contacts (external_id, postal_code…)
REAL_FLOW = "customers-dms-to-crm"  # the demo's own: STAR -> Elead


@pytest.fixture
def demo(store: Store) -> Iterator[SandboxServers]:
    data = build_fake_dataset(40)
    customers = data.tables["dms_customers"]
    # DMS customer types the CRM does not know: a lookup translates them.
    customers["customer_type"] = ["INDIVIDUAL" if i % 3 else "BUSINESS" for i in range(40)]
    with demo_dealership(store, data) as servers:
        add_generic_customers_flow(store)
        yield servers


def _editor(qtbot, store: Store, mapping: Mapping | None = None, flow: str = FLOW) -> MappingEditor:  # type: ignore[no-untyped-def]
    data = load(store, flow)
    if mapping is not None:
        data.mapping = mapping
    editor = MappingEditor(store, flow, data=data)
    qtbot.addWidget(editor)
    editor.resize(1280, 800)
    editor.show()
    return editor


def _crm_contacts(servers: SandboxServers) -> list[dict[str, str]]:
    url = f"{servers.servers['crm'].url}/_sandbox/export/contacts"
    r = httpx.get(url, timeout=10, trust_env=False)
    r.raise_for_status()
    data = r.json()
    assert isinstance(data, list)
    return data


def test_build_preview_save_and_run(qtbot, store: Store, demo: SandboxServers) -> None:  # type: ignore[no-untyped-def]
    # Start from an empty mapping: everything is built in the editor.
    editor = _editor(qtbot, store, Mapping(()))
    assert len(editor.data.sample) == 40  # a real sample read from the DMS over HTTP
    assert "first_name" in editor.canvas.sources.samples

    # Auto-map: suggestions with confidences; reject one, accept the rest.
    dialog = editor.open_automap()
    model = dialog.model
    by_target = {s.target: i for i, s in enumerate(model.suggestions)}
    assert model.suggestions[by_target["external_id"]].source == "customer_id"
    assert model.suggestions[by_target["postal_code"]].source == "zip"
    assert [s.name for s in model.suggestions[by_target["mobile"]].steps] == ["phone_e164"]
    assert all(0 < s.confidence <= 1 for s in model.suggestions)
    dialog.model.set_all(True)
    dialog.set_accepted(by_target["state"], False)
    dialog.accept()
    targets = editor.mapping.targets()
    assert "state" not in targets and {"external_id", "email", "postal_code"} <= set(targets)

    # Undo/redo the whole auto-map.
    editor.undo.undo()
    assert editor.mapping.rules == ()
    editor.undo.redo()
    assert "email" in editor.mapping.targets()

    # Connect by picking (select both, Connect) and translate codes with a lookup step.
    editor.canvas.select_source("customer_type")
    editor.canvas.select_target("state")
    editor.connect_selected()
    rule = next(r for r in editor.mapping.rules if r.target == "state")
    assert rule.sources == ("customer_type",)

    def fill_table(table: dict[str, str]) -> dict[str, str]:
        # the real dialog, driven as a person would (exec() would block the test)

        dlg = LookupDialog(table, ["BUSINESS", "INDIVIDUAL"], parent=editor)
        assert dlg.fill_from_sample() == 2
        dlg.model.setData(dlg.model.index(0, 1), "B2B")
        dlg.model.setData(dlg.model.index(1, 1), "Retail")
        return dlg.table()

    editor.rules.edit_table = fill_table
    editor.rules.add_step("lookup")
    form = editor.rules.form
    assert form is not None and form.step.name == "lookup"
    qtbot.mouseClick(
        form.findChild(type(editor.save_button), "edit_lookup_table"), Qt.MouseButton.LeftButton
    )
    rule = next(r for r in editor.mapping.rules if r.target == "state")
    assert rule.steps[-1] == Step("lookup", {"table": {"BUSINESS": "B2B", "INDIVIDUAL": "Retail"}})
    # the value after each step for the selected sample row
    trace = editor.rules.chain.trace
    assert trace[0].value in ("BUSINESS", "INDIVIDUAL")
    assert trace[-1].value in ("B2B", "Retail")

    # Live preview: a bad e-mail in the sample is highlighted with its reason.
    assert editor.preview_pane.model.rowCount() == 40
    assert "sample records would" in editor.preview_pane.fail_label.text()

    # Save: validated, a new version with a comment, audited with a readable diff.
    with qtbot.waitSignal(editor.saved, timeout=10000) as saved:
        assert editor.save("built in the editor")
    version = saved.args[0]
    assert version == 2
    current = MappingService(store).get(FLOW)
    assert current.comment == "built in the editor"
    entry = next(e for e in recent(store) if e.action == "save_mapping")
    assert any("state ← customer_type" in line for line in entry.diff["diff"])

    # A run uses the saved mapping: translated values reach the CRM.
    summary = SyncEngine(store).run(FLOW)
    assert summary.status == "succeeded", summary.error
    contacts = {c["external_id"]: c for c in _crm_contacts(demo) if c.get("external_id")}
    assert contacts["C100001"]["state"] == "B2B"  # row 0 is a BUSINESS
    assert contacts["C100002"]["state"] == "Retail"


def test_save_validates_first(qtbot, store: Store, demo: SandboxServers) -> None:  # type: ignore[no-untyped-def]
    bad = Mapping((Rule("email", ("email",), (Step("regex_replace", {"pattern": "("}),)),))
    editor = _editor(qtbot, store, bad)
    problems = editor.problems()
    assert any("not a valid pattern" in p for p in problems)
    with qtbot.assertNotEmitted(editor.saved):
        with patch("app.ui.mapping_editor.editor.QMessageBox.warning") as warned:
            assert editor.save("nope") is False
        assert warned.called
    assert MappingService(store).get(FLOW).version == 1


def test_screenshot_of_the_real_customer_mapping(qtbot, store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with demo_dealership(store, build_dataset(150, seed=42)):
        editor = _editor(qtbot, store, flow=REAL_FLOW)
    editor.canvas.select_target("mobile_phone")
    editor.rules.sample_row.setValue(2)
    editor.rules.chain_view.selectRow(2)
    qtbot.wait(50)
    path = tmp_path / "mapping_editor.png"
    assert editor.grab().save(str(path))
    assert path.stat().st_size > 10_000
    assert len(editor.mapping.rules) == 18
