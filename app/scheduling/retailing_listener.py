"""Deals from digital-retailing tools, in real time: for every ``digital_retailing``
connection, its webhook server (and its poller, when it polls), and one worker that runs
the connection's inbound flows as soon as a new version of a deal is kept.

The flows run in the order a deal needs (``INBOUND_ORDER``: the shopper becomes a DMS
customer first, then the deal, then the credit application), each under its flow lock
like any run, triggered ``realtime``. A burst of jackets is one round of runs. A flow
that is busy (the scheduler runs it) is waited for, then run again, so a jacket kept
during that run is not left for the next schedule. When jackets keep arriving while the
first flow runs, it runs again (up to three times) before the next one; a deal that still
got ahead of its customer is parked ("not in the destination yet") and replayed at the
end of the round.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy import select

from app.connectors.digital_retailing import INBOUND_ORDER, DigitalRetailingConnector
from app.connectors.digital_retailing_receiver import Intake, WebhookServer
from app.errors import RooftopError
from app.formats.star.jacket import Jacket
from app.scheduling.runner import run_flow_locked
from app.services.flows import FlowInfo, FlowService
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import ParkedRecord
from app.sync.engine import RunSummary, SyncEngine
from app.sync.errors import FlowBusyError

log = logging.getLogger(__name__)
KIND = DigitalRetailingConnector.kind
WAITING = "is not in the destination yet"  # a reference the first flow had not sent yet


@dataclass
class _Connection:
    profile_id: int
    name: str
    connector: DigitalRetailingConnector
    intake: Intake
    server: WebhookServer | None = None
    poll_s: float = 0.0


@dataclass
class RetailingListener:
    """Started webhook servers and pollers by connection name, why others did not start,
    and the runs the worker made (newest last, at most 200)."""

    store: Store
    settle_s: float = 0.3
    busy_wait_s: float = 60.0
    running: dict[str, _Connection] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    runs: list[RunSummary] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._pending: dict[int, list[str]] = {}
        self._stored = 0  # jackets kept so far (a round re-runs the first flow if it grew)
        self._threads: list[threading.Thread] = []

    @classmethod
    def start_all(
        cls, store: Store, *, settle_s: float = 0.3, busy_wait_s: float = 60.0
    ) -> RetailingListener:
        """Start every saved digital-retailing connection that listens or polls."""
        out = cls(store, settle_s=settle_s, busy_wait_s=busy_wait_s)
        profiles = ProfileService(store)
        for info in profiles.list():
            if info.kind != KIND:
                continue
            try:
                connector = profiles.connector(info.id)
                assert isinstance(connector, DigitalRetailingConnector)
                out.add(info.id, info.name, connector)
            except (RooftopError, OSError) as exc:
                out.problems[info.name] = str(exc)
                log.warning("Digital retailing %s not listening: %s", info.name, exc)
        out.start_worker()
        return out

    def add(self, profile_id: int, name: str, connector: DigitalRetailingConnector) -> None:
        """Start one connection's webhook server and poller (raises when the port is taken)."""

        def stored(jacket: Jacket) -> None:
            with self._lock:
                self._stored += 1
            self.request(profile_id, f"deal {jacket.deal_key} v{jacket.version}")

        conn = _Connection(profile_id, name, connector, connector.intake(stored))
        if connector.listens:
            conn.server = connector.webhook_server(conn.intake)
            conn.server.start()
            log.info("Digital retailing %s: webhooks on %s", name, conn.server.url)
        conn.poll_s = float(connector.setting("poll_interval_s") or 0)
        if conn.poll_s > 0:
            thread = threading.Thread(
                target=self._poll_loop, args=(conn,), name="retailing-poll", daemon=True
            )
            self._threads.append(thread)
            thread.start()
        self.running[name] = conn

    def start_worker(self) -> None:
        thread = threading.Thread(target=self._work_loop, name="retailing-flows", daemon=True)
        self._threads.append(thread)
        thread.start()

    def describe(self) -> list[str]:
        lines = []
        for name, conn in self.running.items():
            where = f"deal jackets on {conn.server.url}" if conn.server else "no webhooks"
            poll = f", polling every {conn.poll_s:g} s" if conn.poll_s else ""
            lines.append(f"{name}: {where}{poll}")
        lines += [f"{name}: not listening ({why})" for name, why in self.problems.items()]
        return lines

    def request(self, profile_id: int, reason: str) -> None:
        """Ask for a round of the connection's inbound flows (bursts coalesce)."""
        with self._lock:
            self._pending.setdefault(profile_id, []).append(reason)
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for conn in self.running.values():
            if conn.server is not None:
                conn.server.stop()
            conn.connector.close()
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads.clear()
        self.running.clear()

    # -- threads -------------------------------------------------------------------
    def _poll_loop(self, conn: _Connection) -> None:
        position = ""
        while not self._stop.is_set():
            try:
                position = conn.connector.poll(conn.intake, position)
            except RooftopError as exc:
                log.info("Polling %s failed (will retry): %s", conn.name, exc)
            except Exception:
                log.exception("Polling %s crashed", conn.name)
            self._stop.wait(conn.poll_s)

    def _work_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            if self._stop.is_set():
                return
            self._stop.wait(self.settle_s)  # let a burst arrive first
            self._wake.clear()
            with self._lock:
                pending, self._pending = self._pending, {}
            for profile_id, reasons in pending.items():
                try:
                    self.run_inbound(profile_id, "; ".join(reasons)[:90])
                except Exception:
                    log.exception("Running the flows of a digital-retailing connection failed")

    def run_inbound(self, profile_id: int, reason: str) -> list[RunSummary]:
        """Run the connection's enabled inbound flows, in order; returns their summaries."""
        order = {stream: n for n, stream in enumerate(INBOUND_ORDER)}
        flows = [
            f
            for f in FlowService(self.store).list()
            if f.source_profile_id == profile_id and f.enabled and f.source_stream in order
        ]
        flows.sort(key=lambda f: (order[f.source_stream], f.id))
        done: list[RunSummary] = []
        for n, flow in enumerate(flows):
            for _again in range(3 if n == 0 else 1):
                if self._stop.is_set():
                    break
                with self._lock:
                    seen = self._stored
                summary = self._run_one(flow.id, flow.slug, reason)
                if summary is not None:
                    done.append(summary)
                with self._lock:
                    quiet = self._stored == seen
                if quiet:  # nothing new arrived while it ran: the next flow's turn
                    break
        done += self._replay_waiting(flows[1:], reason)
        with self._lock:
            self.runs.extend(done)
            del self.runs[:-200]
        return done

    def _replay_waiting(self, flows: list[FlowInfo], reason: str) -> list[RunSummary]:
        """Records a later flow parked because the customer they refer to was not in the
        DMS yet (its jacket arrived while the first flow ran) are sent again now."""
        done: list[RunSummary] = []
        for flow in flows:
            with self.store.session() as s:
                ids = list(
                    s.scalars(
                        select(ParkedRecord.id).where(
                            ParkedRecord.flow_id == flow.id,
                            ParkedRecord.status == "open",
                            ParkedRecord.reason.like(f"%{WAITING}%"),
                        )
                    )
                )
            if not ids or self._stop.is_set():
                continue
            try:
                done.append(
                    SyncEngine(self.store).replay(
                        flow.id, parked_ids=ids, triggered_by=f"digital retailing: {reason}"
                    )
                )
            except RooftopError as exc:
                log.warning("Replaying %s's waiting records failed: %s", flow.slug, exc)
        return done

    def _run_one(self, flow_id: int, slug: str, reason: str) -> RunSummary | None:
        for attempt in range(2):  # a busy flow: wait for it, then once more for our jacket
            try:
                return run_flow_locked(
                    self.store,
                    flow_id,
                    trigger="realtime",
                    triggered_by=f"digital retailing: {reason}",
                    wait_s=self.busy_wait_s,
                )
            except FlowBusyError as exc:
                log.warning("Real-time run of %s waited in vain (%s): %s", slug, attempt, exc)
            except RooftopError as exc:
                log.error("Real-time run of %s could not start: %s", slug, exc)
                return None
        return None
