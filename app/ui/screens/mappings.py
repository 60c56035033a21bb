"""Mappings screen: every flow's field mapping with its version and schema-drift badge;
Edit opens the visual editor, History the versions (diff, restore, export, import)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QWidget,
)

from app.mapping.model import Mapping
from app.services import schema_drift
from app.services.mappings import MappingService
from app.store import Store
from app.ui.list_page import ListPage
from app.ui.mapping_editor.editor import MappingEditor
from app.ui.mapping_editor.versions import VersionsDialog
from app.ui.models.mappings_model import MappingRowView, MappingsTableModel
from app.ui.widgets import EmptyState
from app.ui.workers import run_in_background


def load_rows(store: Store) -> list[MappingRowView]:
    """Runs in a worker: flows, their current mapping and drift."""
    service = MappingService(store)
    summary = service.summary()
    mappings: dict[int, Mapping] = {}
    for s in summary:
        if s["version"]:
            mappings[s["flow_id"]] = service.get(s["flow_id"]).mapping
    try:
        drift = schema_drift.all_drift(store, mappings)
    except Exception:  # noqa: BLE001 — snapshots table missing: show "not checked"
        drift = {}
    return [
        MappingRowView(
            s["flow_id"],
            s["name"],
            f"{s['source_stream']} → {s['dest_stream']}",
            s["version"],
            s["rules"],
            s["saved_at"],
            s["saved_by"],
            s["comment"],
            drift.get(s["flow_id"]),
        )
        for s in summary
    ]


class MappingsScreen(ListPage):
    status_message = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(
            "Mappings",
            "Which field goes where, and how it is cleaned on the way. Every save is a "
            "new version; a field that disappears from a system shows up here.",
            MappingsTableModel(),
            table_name="mappings_table",
            search_text="Search by flow, stream or drift",
            empty=EmptyState(
                "mdi6.table-arrow-right",
                "No mappings yet",
                "A mapping belongs to a flow. Create a flow (DMS customers → CRM contacts, "
                "say) on the Flows screen, or start the demo dealership; its mapping appears "
                "here to edit.",
            ),
            no_match_text="No mapping matches your search.",
            loading_text="Loading mappings…",
            parent=parent,
        )
        self.model: MappingsTableModel
        self.store = store
        self.service = MappingService(store)
        self.editor: MappingEditor | None = None
        self.read_only_note = QLabel(
            "Read-only in manager mode: you can see which field goes where, but only the "
            "admin changes mappings. To edit, leave manager mode in Settings → Access with "
            "the admin PIN."
        )
        self.read_only_note.setObjectName("ReadOnlyNote")
        self.read_only_note.setWordWrap(True)
        self.read_only_note.hide()
        self.top.insertWidget(0, self.read_only_note)
        self.read_only = False
        self.edit_button = self.bar_button(
            "mdi6.pencil-outline", "Edit mapping", self.edit_selected
        )
        self.history_button = self.bar_button("mdi6.history", "Versions…", self.history_selected)
        self.refresh_button = self.bar_button("mdi6.refresh", "Refresh", self.reload)

        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, 6):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        self.message = QLabel()
        self.message.setObjectName("Muted")
        self.message.setWordWrap(True)
        self.body.addWidget(self.message)

        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.reload()

    def reload(self) -> None:
        if not self.model.rows:
            self.stack.setCurrentWidget(self.loading)
        run_in_background(
            load_rows, self.store, on_success=self.set_rows, on_failure=self.message.setText
        )

    def set_rows(self, rows: list[MappingRowView]) -> None:
        selected = self.selected()
        self.model.set_rows(rows)
        self.loaded = True
        self.show_right_page()
        if selected is not None:
            self.select(selected.flow_id)
        elif rows:
            self.table.selectRow(0)
        blocked = [r.name for r in rows if r.drift is not None and r.drift.blocking]
        self.message.setText(
            f"{len(blocked)} flow(s) are stopped by schema drift: {', '.join(blocked)}. Edit "
            "the mapping to use the renamed field or remove the rule."
            if blocked
            else ""
        )
        self._update_buttons()

    def select(self, flow_id: int) -> None:
        self.select_where(lambda r: r.flow_id == flow_id)

    def set_read_only(self, read_only: bool) -> None:
        """Manager mode: the list stays readable; editing and versions are the admin's,
        and a note says so."""
        self.read_only = read_only
        self.read_only_note.setVisible(read_only)
        for b in (self.edit_button, self.history_button):
            b.setVisible(not read_only)

    def _update_buttons(self) -> None:
        row = self.selected()
        self.edit_button.setEnabled(row is not None)
        self.history_button.setEnabled(row is not None and row.version > 0)

    def edit_selected(self) -> MappingEditor | None:
        row = self.selected()
        if row is None or self.read_only:
            return None
        self.editor = MappingEditor(self.store, row.flow_id, self)
        self.editor.saved.connect(lambda v: self._saved(row.name, v))
        self.editor.open()
        return self.editor

    def _saved(self, name: str, version: int) -> None:
        self.status_message.emit(f"Mapping of '{name}' saved as version {version}.")
        self.reload()

    def history_selected(self) -> VersionsDialog | None:
        row = self.selected()
        if row is None or self.read_only:
            return None
        dialog = VersionsDialog(self.service, row.flow_id, row.name, self)
        dialog.finished.connect(lambda _r: self.reload())
        dialog.open()
        return dialog
