"""The demo dealership running inside the app: servers on 127.0.0.1, demo connections and
flows in the data folder, and a reset that puts everything back as it was."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from app.feeds.publish import publish_all
from app.feeds.realtime import RealtimeFeeds
from app.paths import AppPaths
from app.sandbox.demo import (
    DEMO_CUSTOMERS,
    DEMO_SEED,
    DemoInstall,
    DemoMemoryReset,
    install_demo,
    reset_demo_memory,
)
from app.sandbox.demo_feeds import install_demo_feeds, start_demo_realtime
from app.sandbox.demo_leads import demo_leads, fill_lead_mailbox
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers, write_port_file
from app.services.profiles import ProfileService
from app.store import Store
from app.sync.engine import RunSummary, SyncEngine
from app.sync.progress import ProgressCallback

log = logging.getLogger(__name__)

# The order a new dealership would run them in: customers first so the others can link,
# Klaviyo's opt-outs back once its profiles are linked to the DMS customers.
RUN_ORDER = (
    "customers-dms-to-crm",
    "customers-dms-to-marketing",
    "service-history-dms-to-crm",
    "deal-status-dms-to-crm",
    "leads-inbox-to-crm",
    "leads-crm-to-dms",
    "appointments-crm-to-dms",
    "deal-status-crm-to-dms",
    "consent-marketing-to-dms",
    "consent-marketing-to-crm",
)


class DemoSession:
    def __init__(
        self,
        store: Store,
        paths: AppPaths,
        *,
        customers: int = DEMO_CUSTOMERS,
        seed: int = DEMO_SEED,
        faults: str = "",
    ) -> None:
        self.store = store
        self.paths = paths
        self.customers = customers
        self.seed = seed
        self.faults = faults
        self.servers: SandboxServers | None = None
        self.installed: DemoInstall | None = None
        self.realtime: RealtimeFeeds | None = None
        self.memory_reset: DemoMemoryReset | None = None

    @property
    def port_file(self) -> Path:
        return self.paths.sandbox_dir / "servers.json"

    def start(self) -> DemoInstall:
        """Start the simulated systems and point the demo connections at them. The
        systems start fresh, so the data folder's memory of them is reset first
        (``memory_reset`` says what was forgotten)."""
        self.paths.sandbox_dir.mkdir(parents=True, exist_ok=True)
        self.memory_reset = reset_demo_memory(self.store)
        log.info("%s", self.memory_reset.describe())
        dataset = build_dataset(self.customers, self.seed)
        self.servers = SandboxServers(
            dataset, faults=self.faults, seed=self.seed, state_dir=self.paths.sandbox_dir
        )
        self.servers.start()
        payload = self.servers.port_file_payload()
        write_port_file(self.port_file, payload)
        self.installed = install_demo(self.store, payload)
        # lead sites have e-mailed a few ADF leads to the lead mailbox (one of them twice)
        fill_lead_mailbox(payload["servers"]["lead_mailbox"], demo_leads(dataset))
        profiles = ProfileService(self.store)
        for profile in self.installed.profiles.values():  # the dashboard shows them tested
            profiles.test(profile.id)
        self.installed.flows += install_demo_feeds(self.store, payload)
        # a unit sold in the DMS leaves the website within seconds (Event-Relay webhook)
        self.realtime = start_demo_realtime(self.store, payload)
        log.info("Demo dealership started with %s customers", self.customers)
        return self.installed

    def stop(self) -> None:
        if self.realtime is not None:
            self.realtime.stop()
            self.realtime = None
        if self.servers is not None:
            self.servers.stop()
            self.servers = None
        self.port_file.unlink(missing_ok=True)

    def reset(self) -> DemoInstall:
        """Fresh demo data in every system and no sync history for the demo flows."""
        self.stop()
        return self.start()

    def run_all(
        self,
        progress: ProgressCallback | None = None,
        on_done: Callable[[RunSummary], None] | None = None,
    ) -> list[RunSummary]:
        """Run every demo flow once, in dependency order."""
        engine = SyncEngine(self.store, progress=progress)
        summaries = []
        for slug in RUN_ORDER:
            summary = engine.run(slug, trigger="demo", triggered_by="demo")
            summaries.append(summary)
            if on_done:
                on_done(summary)
        for feed in publish_all(self.store, trigger="demo", triggered_by="demo"):
            summary = feed.as_run_summary()
            summaries.append(summary)
            if on_done:
                on_done(summary)
        return summaries
