"""Flows → Conflicts: per flow, every field both systems changed, with both values, who
won and when; and, for the admin, who owns that field from the next run on."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QWidget,
)

from app.services import conflicts
from app.services.conflicts import ConflictView, FlowConflicts
from app.store import Store
from app.ui.icons import icon
from app.ui.list_page import ListPage
from app.ui.manager_mode import AccessController
from app.ui.models.conflicts_model import ConflictsModel
from app.ui.theme import Status
from app.ui.widgets import EmptyState
from app.ui.workers import run_in_background


def _load(
    store: Store, flow_id: int | None
) -> tuple[list[FlowConflicts], int | None, list[ConflictView]]:
    """Every sync flow, the one shown (the asked one, else the one with most conflicts)
    and its conflicts."""
    found = conflicts.flows(store)
    if flow_id is None or all(f.flow_id != flow_id for f in found):
        flow_id = found[0].flow_id if found else None
    return found, flow_id, (conflicts.conflicts(store, flow_id) if flow_id is not None else [])


class ConflictsScreen(ListPage):
    status_message = Signal(str)
    owner_changed = Signal(str)  # what changed, in words

    def __init__(
        self, store: Store, *, access: AccessController | None = None,
        parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(
            "Conflicts",
            "When a field changed in both systems, the system that owns it kept its "
            "value. Each case is listed with both values, who won and when; change who "
            "owns a field and the next run follows.",
            ConflictsModel(),
            table_name="conflicts_table",
            search_text="Filter by record, field or value",
            empty=EmptyState(
                "mdi6.check-decagram-outline",
                "No conflicts",
                "Nothing to decide: no field of this flow changed in both systems. A conflict "
                "is recorded when the destination owns a field (it keeps its own value) and "
                "the source changes it too.",
            ),
            no_match_text="No conflict matches your filter.",
            loading_text="Loading conflicts…",
            search_stretch=True,
            parent=parent,
        )
        self.model: ConflictsModel
        self.store = store
        self.access = access
        self.flows: list[FlowConflicts] = []
        self.bar.insertWidget(0, QLabel("Flow"))
        self.flow_combo = QComboBox()
        self.flow_combo.setObjectName("conflict_flow")
        self.flow_combo.setMinimumWidth(320)
        self.bar.insertWidget(1, self.flow_combo)
        self.refresh_button = self.bar_button("mdi6.refresh", "Refresh", self.reload)

        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        header = self.table.horizontalHeader()
        for col in range(self.model.columnCount()):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        for col in (3, 4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        self.no_flows = self.add_state(
            EmptyState(
                "mdi6.swap-horizontal-bold",
                "No sync flows yet",
                "Conflicts belong to flows. Create one on the Sync flows tab (New flow…).",
            )
        )

        self.owner_box = QWidget()
        owner = QHBoxLayout(self.owner_box)
        owner.setContentsMargins(0, 6, 0, 0)
        self.owner_label = QLabel("Select a conflict to change who owns its field.")
        self.owner_label.setTextFormat(Qt.TextFormat.RichText)
        self.owner_combo = QComboBox()
        self.owner_combo.setObjectName("owner_choice")
        self.owner_combo.setMinimumWidth(220)
        self.apply_button = QPushButton(icon("mdi6.check"), "Apply from the next run")
        self.apply_button.setObjectName("apply_owner")
        owner.addWidget(self.owner_label, 1)
        owner.addWidget(self.owner_combo)
        owner.addWidget(self.apply_button)
        self.body.addWidget(self.owner_box)
        self.add_result_line("conflicts_result")

        self.flow_combo.currentIndexChanged.connect(self._flow_chosen)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.owner_combo.currentIndexChanged.connect(lambda *_: self._update_apply())
        self.apply_button.clicked.connect(self.apply_owner)
        if access is not None:
            access.changed.connect(lambda _p: self._selected())
        self._selected()
        self.reload()

    # --- loading -----------------------------------------------------------------------
    def flow(self) -> FlowConflicts | None:
        flow_id = self.flow_combo.currentData()
        return next((f for f in self.flows if f.flow_id == flow_id), None)

    def reload(self, flow_id: int | None = None) -> None:
        wanted = flow_id if flow_id is not None else self.flow_combo.currentData()
        run_in_background(
            _load, self.store, wanted, on_success=self._loaded, on_failure=self._say_error
        )

    def _loaded(self, result: tuple[list[FlowConflicts], int | None, list[ConflictView]]) -> None:
        self.flows, shown, rows = result
        self.flow_combo.blockSignals(True)
        self.flow_combo.clear()
        for f in self.flows:
            count = f"{f.count:,} conflict{'s' if f.count != 1 else ''}" if f.count else "none"
            self.flow_combo.addItem(f"{f.name}  ({count})", f.flow_id)
        self.flow_combo.setCurrentIndex(max(0, self.flow_combo.findData(shown)))
        self.flow_combo.blockSignals(False)
        self.model.show(self.flow(), rows)
        self.loaded = True
        self.show_right_page()
        if self.model.rowCount() and not self.table.selectionModel().selectedRows():
            self.table.selectRow(0)
        self._selected()

    def _flow_chosen(self) -> None:
        self.model.show(self.flow(), [])
        self.reload(self.flow_combo.currentData())

    def empty_page(self) -> QWidget:
        return self.empty if self.flows else self.no_flows

    # --- the owner of the selected conflict's field ------------------------------------------
    def select(self, record_key: str, field: str) -> bool:
        return self.select_where(lambda c: c.record_key == record_key and c.field == field)

    def can_edit(self) -> bool:
        return self.access is None or self.access.policy.can_edit_flows

    def _selected(self) -> None:
        c, flow = self.selected(), self.flow()
        self.owner_box.setVisible(self.can_edit() and self.model.rowCount() > 0)
        self.owner_combo.blockSignals(True)
        self.owner_combo.clear()
        if c is None or flow is None:
            self.owner_label.setText("Select a conflict to change who owns its field.")
            self.owner_combo.setEnabled(False)
        else:
            field = html.escape(c.field)
            self.owner_label.setText(
                f"When <b>{field}</b> changes in both systems, keep the value in:"
            )
            self.owner_combo.addItem(f"{flow.source_name} (the source)", "source")
            self.owner_combo.addItem(f"{flow.dest_name} (the destination)", "destination")
            self.owner_combo.setCurrentIndex(self.owner_combo.findData(c.owner_now))
            self.owner_combo.setEnabled(True)
        self.owner_combo.blockSignals(False)
        self._update_apply()

    def _update_apply(self) -> None:
        c = self.selected()
        self.apply_button.setEnabled(
            c is not None and self.owner_combo.currentData() not in (None, c.owner_now)
        )

    def apply_owner(self) -> None:
        c, flow = self.selected(), self.flow()
        owner = self.owner_combo.currentData()
        if c is None or flow is None or owner is None or not self.can_edit():
            return
        self.apply_button.setEnabled(False)
        run_in_background(
            conflicts.set_owner, self.store, flow.flow_id, c.field, owner,
            on_success=lambda n: self._applied(flow, c.field, str(owner), int(n)),
            on_failure=self._say_error,
        )  # fmt: skip

    def _applied(self, flow: FlowConflicts, field: str, owner: str, again: int) -> None:
        winner, other = (
            flow.system(owner),
            flow.system("destination" if owner == "source" else "source"),
        )
        text = f"From the next run of {flow.name}, {winner} wins '{field}'."
        if again:
            text += (
                f" That run also sends {winner}'s value of the {again:,} record(s) whose "
                f"{field} {other} kept."
            )
        self.show_result(Status.OK, text)
        self.status_message.emit(text)
        self.owner_changed.emit(text)
        self.reload(flow.flow_id)

    # --- messages ----------------------------------------------------------------------
    def _say_error(self, message: str) -> None:
        self.show_result(Status.ERROR, message)
