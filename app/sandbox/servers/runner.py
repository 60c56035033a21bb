"""Start, watch and stop the demo dealership's servers (the public API of this package).

Every server binds 127.0.0.1 on a port the OS picks. ``start`` returns once each one
answers ``GET /_sandbox/ping``. Credentials (derived from the seed) are kept in memory and
written only to the port file and ``state_dir/credentials.json`` (mode 0600).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import httpx

from app.sandbox.servers.credentials import demo_credentials
from app.sandbox.servers.crm import CrmService
from app.sandbox.servers.dataset import DatasetLike
from app.sandbox.servers.dms import DmsService
from app.sandbox.servers.errors import SandboxError
from app.sandbox.servers.faults import FaultSettings, FaultSpec
from app.sandbox.servers.lead_mailbox import LeadMailbox
from app.sandbox.servers.marketing import MarketingService
from app.sandbox.servers.retailing import RetailingService
from app.sandbox.servers.service import SandboxService
from app.sandbox.servers.smtp_sink import AdfMailHandler, SmtpSink
from app.sandbox.servers.uvicorn_thread import UvicornThread
from app.sandbox.servers.website import WebsiteService

log = logging.getLogger(__name__)

SERVICES: dict[str, type[SandboxService]] = {
    "dms": DmsService,
    "crm": CrmService,
    "website": WebsiteService,
    "marketing": MarketingService,
    "retailing": RetailingService,  # the digital-retailing tool (deal jackets by webhook)
}
# Per-server defaults before the fault spec applies: cloud tools rate-limit, the others don't.
# The CRM allows more per key than the marketing platform: Elead creates customers one
# request each (the demo's Elead connection sends at most ELEAD_RATE a second).
DEFAULTS: dict[str, dict[str, float]] = {
    "crm": {"rps": 100.0, "bucket": 200.0},
    "marketing": {"rps": 20.0, "bucket": 40.0},
}
READY_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class ServerInfo:
    """Where one simulated system listens and how to authenticate to it."""

    name: str
    url: str
    credentials: dict[str, str]
    extra: dict[str, str] = field(default_factory=dict)  # more addresses (an IMAPS URL)


def write_port_file(path: Path, payload: dict[str, Any]) -> None:
    """Write JSON atomically (temp file in the same folder, then ``os.replace``), mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class SandboxServers:
    """The four simulated systems plus the CRM's SMTP lead inbox and the dealership's
    lead mailbox (SMTP in, IMAPS out)."""

    def __init__(
        self,
        dataset: DatasetLike,
        *,
        faults: str = "",
        seed: int = 42,
        state_dir: Path | None = None,
        token_ttl_s: float = 3600.0,
    ) -> None:
        self._dataset = dataset
        self._spec = FaultSpec.parse(faults)  # fail early on a bad spec
        self._seed = seed
        self._state_dir = state_dir
        self._token_ttl_s = token_ttl_s
        self._credentials = demo_credentials(seed)
        self._services: dict[str, SandboxService] = {}
        self._threads: dict[str, UvicornThread] = {}
        self._smtp: SmtpSink | None = None
        self._mailbox: LeadMailbox | None = None
        self._lock = threading.Lock()
        self.servers: dict[str, ServerInfo] = {}

    def _base(self, name: str) -> FaultSettings:
        base = FaultSettings(seed=self._seed, token_ttl_s=self._token_ttl_s)
        return base.replace(**DEFAULTS.get(name, {}))

    def start(self) -> dict[str, ServerInfo]:
        """Start every server; returns once all answer HTTP. Idempotent while running."""
        with self._lock:
            if self.servers:
                return dict(self.servers)
            try:
                self._start_all()
            except BaseException:
                self._stop_all()
                raise
            return dict(self.servers)

    def _start_all(self) -> None:
        for name, cls in SERVICES.items():
            base = self._base(name)
            service = cls(self._dataset, base, self._credentials[name])
            service.configure(self._spec.settings_for(name, base))
            self._services[name] = service
            self._threads[name] = UvicornThread(name, service.asgi)
        for name, thread in self._threads.items():
            self._services[name].start()
            thread.start()
        crm = self._services["crm"]
        assert isinstance(crm, CrmService)
        self._smtp = SmtpSink(AdfMailHandler(crm.ingest_adf_email, crm.journal_email))
        self._smtp.start()
        self._mailbox = LeadMailbox(self._credentials["lead_mailbox"])
        self._mailbox.start()
        self._wait_ready()
        infos = {
            name: ServerInfo(name, thread.url, dict(self._credentials[name]))
            for name, thread in self._threads.items()
        }
        infos["crm_smtp"] = ServerInfo(
            "crm_smtp", self._smtp.url, dict(self._credentials["crm_smtp"])
        )
        entry = self._mailbox.port_entry()
        infos["lead_mailbox"] = ServerInfo(
            "lead_mailbox", entry["url"], entry["credentials"], {"imap_url": entry["imap_url"]}
        )
        self.servers = infos
        if self._state_dir is not None:
            write_port_file(
                self._state_dir / "credentials.json",
                {name: dict(info.credentials) for name, info in infos.items()},
            )

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        pending = dict(self._threads)
        # Plain http on loopback: verify=False only skips loading CA certificates (~80 ms).
        with httpx.Client(timeout=2.0, trust_env=False, verify=False) as client:
            while pending:
                for name, thread in list(pending.items()):
                    if not thread.is_alive():
                        raise SandboxError(f"The simulated {name} server stopped while starting.")
                    with contextlib.suppress(httpx.HTTPError):
                        if client.get(f"{thread.url}/_sandbox/ping").status_code == 200:
                            del pending[name]
                if pending and time.monotonic() > deadline:
                    names = ", ".join(sorted(pending))
                    raise SandboxError(f"The simulated {names} server(s) did not start in time.")
                if pending:
                    time.sleep(0.05)

    def stop(self) -> None:
        """Stop everything; safe to call twice or before ``start``."""
        with self._lock:
            self._stop_all()

    def _stop_all(self) -> None:
        for service in self._services.values():
            service.stopping.set()  # release requests held by a "timeout" fault first
        for thread in self._threads.values():
            thread.request_stop()  # all at once: each shutdown takes a few 0.1 s ticks
        for thread in self._threads.values():
            thread.stop()
        for service in self._services.values():
            service.stop()
        if self._smtp is not None:
            self._smtp.stop()
        if self._mailbox is not None:
            self._mailbox.stop()
        self._threads.clear()
        self._services.clear()
        self._smtp = None
        self._mailbox = None
        self.servers = {}

    def __enter__(self) -> SandboxServers:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def set_faults(self, spec: str) -> None:
        """Replace the fault settings of every server while running (resets the RNGs)."""
        parsed = FaultSpec.parse(spec)
        settings = {name: parsed.settings_for(name, s.base) for name, s in self._services.items()}
        for name, service in self._services.items():
            service.configure(settings[name])
        self._spec = parsed

    def app(self, name: str) -> Any:
        """The running server object (``DmsService``, ``CrmService``..., the ``SmtpSink``
        or the ``LeadMailbox``)."""
        if name == "crm_smtp" and self._smtp is not None:
            return self._smtp
        if name == "lead_mailbox" and self._mailbox is not None:
            return self._mailbox
        if name not in self._services:
            raise KeyError(f"no running sandbox server '{name}'")
        return self._services[name]

    def port_file_payload(self) -> dict[str, Any]:
        return {
            "servers": {
                name: {"url": info.url, "credentials": dict(info.credentials), **info.extra}
                for name, info in self.servers.items()
            }
        }


def serve_forever(
    dataset: DatasetLike,
    faults: str,
    seed: int,
    port_file: Path,
    state_dir: Path | None,
    on_ready: Callable[[dict[str, Any]], None] | None = None,
    *,
    stop_event: threading.Event | None = None,
) -> None:
    """Run the servers until SIGINT/SIGTERM (or ``stop_event``), then stop cleanly.

    The port file is written once every server answers and removed on the way out, so a
    port file on disk always describes running servers. Signal handlers are installed only
    in the main thread (and restored afterwards).
    """
    stop = stop_event or threading.Event()
    previous: dict[int, Any] = {}

    def handle(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, handle)
    servers = SandboxServers(dataset, faults=faults, seed=seed, state_dir=state_dir)
    try:
        servers.start()
        payload = servers.port_file_payload()
        write_port_file(port_file, payload)
        if on_ready is not None:
            on_ready(payload)
        while not stop.wait(0.5):
            pass
    finally:
        servers.stop()
        with contextlib.suppress(FileNotFoundError):
            port_file.unlink()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
