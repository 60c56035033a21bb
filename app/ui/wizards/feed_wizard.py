"""The new-feed wizard (also Edit… of a feed): channel, DMS inventory, dealer details,
destination, publication and real-time removal, and a preview of the feed with every
unit left out and why. Saved through the feed settings file's checks
(``app.transfer.feed_drafts``); reading and saving run on the thread pool."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget, QWizard

from app.feeds.config import FeedConfig
from app.feeds.publish import list_feeds
from app.feeds.realtime import RealtimeSettings, load_settings
from app.formats.feeds.common import DealerInfo
from app.services.flows import FlowInfo, FlowService
from app.services.profile_info import ProfileInfo
from app.services.profiles import ProfileService
from app.store import Store
from app.transfer import feed_drafts, flow_drafts
from app.transfer.feed_drafts import FeedDraft
from app.ui.wizards.common import StepList, style_wizard
from app.ui.wizards.feed_pages import ChannelPage, DealerPage, DmsPage
from app.ui.wizards.feed_publish import PreviewPage, PublishPage, TargetPage
from app.ui.workers import run_in_background

STEPS = [
    "Channel", "DMS inventory", "Dealer details", "Where it goes", "When it is published",
    "Preview and save",
]  # fmt: skip


@dataclass
class FeedChoices:
    dms: list[str]
    targets: list[ProfileInfo]
    realtime: RealtimeSettings
    taken: set[str]
    connection_names: set[str] = field(default_factory=set)
    dealer: DealerInfo | None = None  # the details another feed already has


def _load(store: Store) -> FeedChoices:
    profiles = ProfileService(store).list()
    feeds = list_feeds(store)
    return FeedChoices(
        feed_drafts.dms_connections(store),
        [p for p in profiles if p.kind == "feed_target"],
        load_settings(store),
        {f.slug for f in FlowService(store).list()},
        {p.name for p in profiles},
        FeedConfig.from_options(feeds[0].options).dealer if feeds else None,
    )


class FeedWizard(QWizard):
    saved = Signal(object)  # FlowInfo
    loaded = Signal()
    open_connections = Signal()
    connections_changed = Signal()  # a destination was added from the wizard

    def __init__(
        self,
        store: Store,
        *,
        draft: FeedDraft | None = None,
        replacing: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.profiles = ProfileService(store)
        self.draft = draft or FeedDraft()
        self.replacing = replacing
        self.choices: FeedChoices | None = None
        self.saved_feed: FlowInfo | None = None
        self.setObjectName("feed_wizard")
        self.setWindowTitle(f"Edit feed — {self.draft.name}" if replacing else "New feed")
        style_wizard(self, "Save feed")
        self.channel_page = ChannelPage(self)
        self.dms_page = DmsPage(self)
        self.dealer_page = DealerPage(self)
        self.target_page = TargetPage(self)
        self.publish_page = PublishPage(self)
        self.preview_page = PreviewPage(self)
        for page in (self.channel_page, self.dms_page, self.dealer_page, self.target_page,
                     self.publish_page, self.preview_page):  # fmt: skip
            self.addPage(page)
        self.steps = StepList(self, STEPS)  # kept: the wizard does not own it in Python
        self.setSideWidget(self.steps)
        run_in_background(_load, store, on_success=self._loaded, on_failure=self._load_failed)

    def _loaded(self, choices: FeedChoices) -> None:
        self.choices = choices
        if self.replacing:
            choices.taken.discard(self.replacing)
        if not self.replacing and self.draft.dealer == DealerInfo() and choices.dealer:
            self.draft.dealer = choices.dealer  # the same rooftop on every channel
        if not self.draft.dms and choices.dms:
            self.draft.dms = choices.dms[0]
        if not self.draft.target and choices.targets:
            self.draft.target = choices.targets[0].name
        self.dms_page.refresh()
        self.loaded.emit()

    def _load_failed(self, message: str) -> None:
        self.choices = FeedChoices([], [], RealtimeSettings(), set())
        self.dms_page.refresh()
        self.dms_page.say(f"Your connections could not be read: {message}")
        self.loaded.emit()

    def save(self) -> None:
        draft = self.draft
        if not self.replacing:
            taken = self.choices.taken if self.choices else set()
            draft = replace(draft, slug=flow_drafts.slug_for(draft.name, taken))
        run_in_background(
            partial(feed_drafts.save, replacing=self.replacing),
            self.store,
            draft,
            on_success=self._saved,
            on_failure=self.preview_page.save_failed,
            owner=self,
        )

    def _saved(self, info: FlowInfo) -> None:
        self.preview_page.saving = False
        self.saved_feed = info
        self.saved.emit(info)
        self.accept()
