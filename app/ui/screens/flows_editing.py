"""The Flows screen's admin actions: New flow… (the wizard, with the connections it
preselects), Edit…, Duplicate and Delete… (asked first; records waiting in the flow's
retry queue are dropped only when the admin agrees again), and what the empty list says."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QMessageBox, QWizard

from app.feeds.config import is_feed
from app.services.errors import FlowHasParkedError
from app.services.flows import FlowInfo, FlowService
from app.store import Store
from app.transfer import feed_drafts, flow_drafts
from app.transfer.feed_drafts import FeedDraft
from app.transfer.flow_drafts import FlowDraft
from app.ui.theme import Status
from app.ui.wizards.feed_wizard import FeedWizard
from app.ui.wizards.flow_wizard import FlowWizard
from app.ui.workers import run_in_background

if TYPE_CHECKING:
    from app.ui.screens.flows import FlowsScreen


def _delete(store: Store, flow_id: int, force: bool) -> tuple[bool, str]:
    """(deleted, why not): a flow with records in its retry queue is kept unless forced."""
    try:
        FlowService(store).delete(flow_id, force=force)
    except FlowHasParkedError as exc:
        return False, exc.message
    return True, ""


def _draft_for_edit(store: Store, flow_id: int) -> FlowDraft | FeedDraft:
    if is_feed(FlowService(store).get(flow_id).options):
        return feed_drafts.feed_draft_of(store, flow_id)
    return flow_drafts.draft_of(store, flow_id)


def _draft_for_copy(store: Store, flow_id: int) -> FlowDraft | None:
    if is_feed(FlowService(store).get(flow_id).options):
        return None
    return flow_drafts.copy_of(store, flow_id)


class FlowEditing:
    """What ``FlowsScreen`` does for an admin who creates, changes or deletes flows."""

    def __init__(self, screen: FlowsScreen) -> None:
        self.screen = screen
        self.wizard: QWizard | None = None

    def empty_text(self, found: list[flow_drafts.ConnectionStreams]) -> None:
        """What the empty list says: add connections first, or start the wizard with the
        connections it will preselect."""
        s = self.screen
        s.connection_count = len(found)
        source, dest = flow_drafts.preselect(found)
        label = s.empty.findChild(QLabel, "Muted")
        if source and dest and label is not None:
            label.setText(
                f"Your connections are ready. New flow… starts with records from {source} "
                f"going to {dest} and walks you through the rest: which field goes where, "
                "who wins a field both change, when it runs, and a dry run before anything "
                "is sent."
            )

    def open(self, wizard: QWizard) -> QWizard:
        self.wizard = wizard
        wizard.saved.connect(self._saved)  # type: ignore[attr-defined]
        wizard.open_connections.connect(  # type: ignore[attr-defined]
            lambda: self.screen.go_to.emit("connections")
        )
        wizard.open()
        return wizard

    def new_flow(self) -> FlowWizard | None:
        s = self.screen
        if not s.can_edit_flows():
            return None
        wizard = FlowWizard(s.store, parent=s)
        self.open(wizard)
        return wizard

    def edit_flow(self) -> None:
        """Open the selected flow in its wizard (a feed in the feed wizard), once its
        settings are read."""
        s = self.screen
        f = s.selected()
        if f is None or not s.can_edit_flows():
            return
        run_in_background(
            _draft_for_edit, s.store, f.flow_id, on_success=self._edit, on_failure=s._say_error
        )

    def _edit(self, draft: FlowDraft | FeedDraft) -> None:
        s = self.screen
        if isinstance(draft, FeedDraft):
            self.open(FeedWizard(s.store, draft=draft, replacing=draft.slug, parent=s))
        else:
            self.open(FlowWizard(s.store, draft=draft, replacing=draft.slug, parent=s))

    def duplicate_flow(self) -> None:
        s = self.screen
        f = s.selected()
        if f is None or not s.can_edit_flows():
            return
        run_in_background(
            _draft_for_copy, s.store, f.flow_id, on_success=self._copy, on_failure=s._say_error
        )

    def _copy(self, draft: FlowDraft | None) -> None:
        s = self.screen
        if draft is None:
            s._say_error("A feed is copied by making a new one: Inventory feeds → New feed….")
            return
        self.open(FlowWizard(s.store, draft=draft, parent=s))

    def _saved(self, info: FlowInfo) -> None:
        s = self.screen
        s.status_message.emit(f"Flow '{info.name}' saved.")
        s.flows_changed.emit()

        s.select_after_load = info.id
        s.reload()
        run_in_background(s.scheduler.refresh, on_success=s._after_refresh)

    def delete_flow(self, *, confirm: bool = True) -> None:
        s = self.screen
        f = s.selected()
        if f is None or not s.can_edit_flows():
            return
        if confirm:
            answer = QMessageBox.question(
                s,
                "Delete flow",
                f"Delete the flow '{f.name}'?\n\nIts mapping, schedule and where it stopped "
                "reading are deleted. Its runs stay in the Sync Log and the records it linked "
                "stay linked. Nothing is deleted in the systems it connects.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        run_in_background(
            _delete, s.store, f.flow_id, False,
            on_success=lambda answer: self._answered(f.flow_id, f.name, answer),
            on_failure=s._say_error,
        )  # fmt: skip

    def _answered(self, flow_id: int, name: str, answer: tuple[bool, str]) -> None:
        s = self.screen
        deleted, why = answer
        if deleted:
            self._deleted(name)
            return
        again = QMessageBox.question(
            s,
            "Delete flow",
            f"{why}\n\nDelete '{name}' anyway? The records waiting in its retry queue are "
            "dropped and will not be sent.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if again == QMessageBox.StandardButton.Yes:
            run_in_background(
                _delete, s.store, flow_id, True,
                on_success=lambda _a: self._deleted(name), on_failure=s._say_error,
            )  # fmt: skip

    def _deleted(self, name: str) -> None:
        s = self.screen
        s.status_message.emit(f"Flow '{name}' deleted.")
        s.show_result(Status.OK, f"Flow '{name}' deleted. Its runs stay in the Sync Log.")
        s.flows_changed.emit()
        run_in_background(s.scheduler.refresh, on_success=s._after_refresh)
