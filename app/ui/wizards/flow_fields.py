"""The new-flow wizard's field pages: the mapping (auto-mapped, checked in the visual
mapping editor) and which system wins a field both sides changed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton

from app.mapping.catalog import step_label
from app.mapping.model import Mapping, Rule
from app.services.mapping_loader import EditorData, load_ends
from app.services.profiles import ProfileService
from app.store import Store
from app.transfer import flow_drafts
from app.ui.icons import icon
from app.ui.mapping_editor.editor import MappingEditor
from app.ui.models.rows_model import Column, Index, RowsTableModel
from app.ui.theme import Status
from app.ui.wizards.common import WizardPage, fit_columns, muted, table
from app.ui.workers import run_in_background

if TYPE_CHECKING:
    from app.ui.wizards.flow_wizard import FlowWizard


def _steps(rule: Rule) -> str:
    return " → ".join(step_label(s) for s in rule.steps) or "as it is"


class RulesModel(RowsTableModel[Rule]):
    """The mapping's rules as a person reads them."""

    def __init__(self) -> None:
        super().__init__(self._columns("the source", "the destination"))

    @staticmethod
    def _columns(source: str, dest: str) -> list[Column[Rule]]:
        columns = (
            (f"Field in {dest}", lambda r: r.target),
            (f"Filled from {source}", lambda r: " + ".join(r.sources) or "(a fixed value)"),
            ("Cleaned with", _steps),
            ("", lambda r: "required" if r.required else ""),
        )
        return [Column(h, text, tip=text) for h, text in columns]

    @property
    def rules(self) -> list[Rule]:
        return self._rows

    def set_rules(self, mapping: Mapping, source: str, dest: str) -> None:
        self.beginResetModel()
        self._rows, self.columns = list(mapping.rules), self._columns(source, dest)
        self.endResetModel()


def _load_editor_data(store: Store, draft: flow_drafts.FlowDraft) -> EditorData:
    profiles = ProfileService(store)
    return load_ends(
        store,
        draft.name or f"{draft.source_stream} → {draft.dest_stream}",
        profiles.get_by_name(draft.source).id,
        draft.source_stream,
        profiles.get_by_name(draft.dest).id,
        draft.dest_stream,
        draft.mapping,
    )


class MappingPage(WizardPage):
    editor_opened = Signal(object)  # the MappingEditor (tests, screenshots)

    def __init__(self, wizard: FlowWizard) -> None:
        super().__init__(
            "Which field goes where",
            "Rooftop Sync paired the fields it recognises. Check them in the mapping editor: "
            "drag a field onto another, clean values on the way, and see real records "
            "before anything is sent.",
            "mapping_page",
        )
        self.wiz = wizard
        self.editor: MappingEditor | None = None
        row = QHBoxLayout()
        self.edit_button = QPushButton(icon("mdi6.vector-link"), "Open in the mapping editor…")
        self.edit_button.setObjectName("open_editor")
        self.automap_button = QPushButton(icon("mdi6.auto-fix"), "Auto-map again")
        self.automap_button.setToolTip("Start again from what Rooftop Sync recognises")
        row.addWidget(self.edit_button)
        row.addWidget(self.automap_button)
        row.addStretch(1)
        self.body.addLayout(row)
        self.model = RulesModel()
        self.table = table(self.model, "rules_table", stretch_last=True)
        self.body.addWidget(self.table, 1)
        self.left_empty = muted()
        self.body.addWidget(self.left_empty)
        self.finish_layout()
        self.edit_button.clicked.connect(self.open_editor)
        self.automap_button.clicked.connect(self.automap)

    def initializePage(self) -> None:
        if self.wiz.ends_key() != self.wiz.mapped_for or not self.wiz.draft.mapping.rules:
            self.automap()
        else:
            self.show_mapping()

    def automap(self) -> None:
        d = self.wiz.draft
        source, dest = self.wiz.source_spec(), self.wiz.dest_spec()
        if source is None or dest is None:
            return
        d.mapping = flow_drafts.automapped(source, dest, d.key_source, d.key_target)
        self.wiz.mapped_for = self.wiz.ends_key()
        self.show_mapping()

    def show_mapping(self) -> None:
        d = self.wiz.draft
        self.model.set_rules(d.mapping, d.source, d.dest)
        fit_columns(self.table)
        dest = self.wiz.dest_spec()
        if dest is not None:
            mapped = {r.target for r in d.mapping.rules}
            empty = [n for n in flow_drafts.writable_targets(dest) if n not in mapped]
            self.left_empty.setText(
                f"Left empty in {d.dest}: {', '.join(empty)}." if empty else
                f"Every field of {d.dest} that can be written is filled."
            )  # fmt: skip
        self.check()

    def problems(self) -> list[str]:
        dest = self.wiz.dest_spec()
        if dest is None:
            return ["Pick where the records go first."]
        if not self.wiz.draft.mapping.rules:
            return ["Nothing is mapped yet: open the mapping editor and connect the fields."]
        return flow_drafts.mapping_problems(self.wiz.draft.mapping, dest)

    def check(self) -> None:
        found = self.problems()
        if found:
            self.say("Before you go on: " + " ".join(found))
        else:
            n = len(self.wiz.draft.mapping.rules)
            self.say(
                f"{n} field(s) mapped. Open the editor to see them on real records.", Status.OK
            )
        self.changed()

    def isComplete(self) -> bool:
        return not self.problems()

    # --- the visual editor -----------------------------------------------------------
    def open_editor(self) -> None:
        d = self.wiz.draft
        self.edit_button.setEnabled(False)
        self.say(f"Reading a few records from {d.source}…", Status.RUNNING)
        run_in_background(
            _load_editor_data,
            self.wiz.store,
            d.copy(),
            on_success=self._show_editor,
            on_failure=self._editor_failed,
            owner=self,
        )

    def _show_editor(self, data: EditorData) -> None:
        self.edit_button.setEnabled(True)
        self.editor = MappingEditor(
            self.wiz.store, data.flow_id, self.wiz, data=data, on_save=self.use_mapping
        )
        self.editor.setWindowTitle(f"Mapping — {self.wiz.draft.name or 'new flow'}")
        self.editor.open()
        self.editor_opened.emit(self.editor)
        self.check()

    def _editor_failed(self, message: str) -> None:
        self.edit_button.setEnabled(True)
        self.say(f"The mapping editor could not read the source: {message}")

    def use_mapping(self, mapping: Mapping) -> None:
        self.wiz.draft.mapping = mapping
        self.wiz.mapped_for = self.wiz.ends_key()
        self.show_mapping()


class OwnersModel(RowsTableModel[Rule]):
    """Each mapped field and which system keeps it when both changed it (a check box:
    the destination keeps its own value)."""

    changed_owner = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.ownership: dict[str, str] = {}
        self.source, self.dest = "the source", "the destination"

    @property
    def fields(self) -> list[Rule]:
        return self._rows

    def set_fields(
        self, rules: list[Rule], ownership: dict[str, str], source: str, dest: str
    ) -> None:
        self.ownership, self.source, self.dest = ownership, source, dest
        self.set_columns([
            Column(f"Field in {dest}", lambda r: r.target),
            Column(f"{dest} keeps its own value", lambda r: ""),
            Column("When both changed it, the value kept",
                   lambda r: f"{self.dest}'s own" if self.owner(r.target) == "destination"
                   else f"from {self.source}"),
        ])  # fmt: skip
        self.set_rows(rules)

    def owner(self, target: str) -> str:
        return self.ownership.get(target, "source")

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsUserCheckable if index.column() == 1 else base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and index.column() == 1 and role == Qt.ItemDataRole.CheckStateRole:
            mine = self.owner(self.row_at(index.row()).target) == "destination"
            return Qt.CheckState.Checked if mine else Qt.CheckState.Unchecked
        return super().data(index, role)

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if index.column() != 1 or role != Qt.ItemDataRole.CheckStateRole:
            return False
        target = self.row_at(index.row()).target
        if Qt.CheckState(value) == Qt.CheckState.Checked:
            self.ownership[target] = "destination"
        else:
            self.ownership.pop(target, None)
        self.changed_rows(index.row(), index.row())
        self.changed_owner.emit()
        return True


class OwnershipPage(WizardPage):
    def __init__(self, wizard: FlowWizard) -> None:
        super().__init__(
            "Who wins when both systems change a field",
            "If a field changed in both systems since the last run, which value stays? "
            "Usually the source wins; tick the fields your team edits in the destination "
            "(an e-mail corrected by a salesperson in the CRM, say).",
            "owner_page",
        )
        self.wiz = wizard
        self.model = OwnersModel()
        self.table = table(self.model, "owners_table")
        self.body.addWidget(self.table, 1)
        self.explain = muted()
        self.body.addWidget(self.explain)
        self.finish_layout()
        self.model.changed_owner.connect(self._owners_changed)

    def initializePage(self) -> None:
        d = self.wiz.draft
        rules = [r for r in d.mapping.rules if r.target != d.key_target]
        targets = {r.target for r in rules}
        d.ownership = {k: v for k, v in d.ownership.items() if k in targets}
        self.model.set_fields(rules, d.ownership, d.source, d.dest)
        fit_columns(self.table)
        self.explain.setText(
            f"A field {d.dest} keeps is sent when a record is first created; after that "
            f"{d.dest}'s value stays, and a change in {d.source} is listed under Flows → "
            "Conflicts, where you can hand the field back."
        )
        self._owners_changed()

    def _owners_changed(self) -> None:
        d = self.wiz.draft
        kept = sorted(k for k, v in d.ownership.items() if v == "destination")
        if kept:
            self.say(
                f"{d.dest} keeps its own: {', '.join(kept)}. {d.source} wins the rest.", Status.OK
            )
        else:
            self.say(f"{d.source} wins every field.", Status.OK)
