"""The new-flow wizard (also Edit… and Duplicate of a flow): where the records come
from, where they go, how a record is recognised on both sides, which field goes where
(auto-mapped, checked in the visual mapping editor), who wins a field both systems
changed, when it runs, and a dry run of the first 50 changes before Save.

The flow is built as a ``FlowDraft`` (``app.transfer.flow_drafts``) and saved through
the flow-file import's checks. Reading connections, the dry run and the save run on the
thread pool; the window never waits."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget, QWizard

from app.connectors.streams import StreamSpec
from app.services.flows import FlowInfo, FlowService
from app.store import Store
from app.transfer import flow_drafts
from app.transfer.flow_drafts import ConnectionStreams, FlowDraft
from app.ui.wizards.common import StepList, style_wizard
from app.ui.wizards.flow_check import CheckPage, SchedulePage
from app.ui.wizards.flow_ends import DestinationPage, KeysPage, SourcePage
from app.ui.wizards.flow_fields import MappingPage, OwnershipPage
from app.ui.workers import run_in_background

STEPS = [
    "Where the records come from", "Where they go", "How a record is recognised",
    "Which field goes where", "Who wins a field", "When it runs", "Dry run and save",
]  # fmt: skip


def _load(store: Store) -> tuple[list[ConnectionStreams], set[str]]:
    return flow_drafts.connections(store), {f.slug for f in FlowService(store).list()}


class FlowWizard(QWizard):
    """``FlowWizard(store)`` makes a new flow; ``draft=`` starts from one (Duplicate, or a
    preselected pair); ``replacing=slug`` edits that flow."""

    saved = Signal(object)  # FlowInfo
    loaded = Signal()
    open_connections = Signal()  # "add your connections first" was followed

    def __init__(
        self,
        store: Store,
        *,
        draft: FlowDraft | None = None,
        replacing: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.draft = draft or FlowDraft()
        self.replacing = replacing
        self.found: list[ConnectionStreams] | None = None
        self.taken: set[str] = set()
        self.load_error = ""
        self.mapped_for: tuple[str, ...] = ()  # the ends the mapping was made for
        if self.draft.mapping.rules:
            self.mapped_for = self.ends_key()
        self.saved_flow: FlowInfo | None = None
        self.setObjectName("flow_wizard")
        self.setWindowTitle(f"Edit flow — {self.draft.name}" if replacing else "New flow")
        style_wizard(self, "Save flow")
        self.source_page = SourcePage(self)
        self.dest_page = DestinationPage(self)
        self.keys_page = KeysPage(self)
        self.mapping_page = MappingPage(self)
        self.owner_page = OwnershipPage(self)
        self.schedule_page = SchedulePage(self)
        self.check_page = CheckPage(self)
        for page in (self.source_page, self.dest_page, self.keys_page, self.mapping_page,
                     self.owner_page, self.schedule_page, self.check_page):  # fmt: skip
            self.addPage(page)
        self.steps = StepList(self, STEPS)  # kept: the wizard does not own it in Python
        self.setSideWidget(self.steps)
        run_in_background(_load, store, on_success=self._loaded, on_failure=self._load_failed)

    # --- what the pages share ---------------------------------------------------------
    def _loaded(self, result: tuple[list[ConnectionStreams], set[str]]) -> None:
        self.found, self.taken = result
        if self.replacing:
            self.taken.discard(self.replacing)
        self.source_page.refresh()
        self.loaded.emit()

    def _load_failed(self, message: str) -> None:
        self.found = []
        self.load_error = message
        self.source_page.refresh()
        self.loaded.emit()

    def connection(self, name: str) -> ConnectionStreams | None:
        return next((c for c in self.found or [] if c.profile.name == name), None)

    def source_spec(self) -> StreamSpec | None:
        c = self.connection(self.draft.source)
        return c.streams.get(self.draft.source_stream) if c else None

    def dest_spec(self) -> StreamSpec | None:
        c = self.connection(self.draft.dest)
        return c.streams.get(self.draft.dest_stream) if c else None

    def ends_key(self) -> tuple[str, ...]:
        d = self.draft
        return (d.source, d.source_stream, d.dest, d.dest_stream)

    def source_words(self) -> str:
        return self.draft.source or "the source"

    def dest_words(self) -> str:
        return self.draft.dest or "the destination"

    def slug_for(self, name: str) -> str:
        if self.replacing:
            return self.replacing
        return flow_drafts.slug_for(name, self.taken)

    # --- closing ------------------------------------------------------------------------
    def flow_saved(self, info: FlowInfo) -> None:
        self.saved_flow = info
        self.saved.emit(info)
        self.accept()

    def reject(self) -> None:
        self.check_page.stop()
        super().reject()
