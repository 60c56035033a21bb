"""The HTTP side of every ADF inbox that listens for POSTs, for as long as the app (or the
headless service) runs. Each listener only spools what it accepts; the inbox's flow reads
the spool on its next run."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from app.connectors.adf_http import AdfHttpListener
from app.connectors.adf_inbox import AdfInboxConnector
from app.errors import RooftopError
from app.services.profiles import ProfileService
from app.store import Store

log = logging.getLogger(__name__)


@dataclass
class LeadListeners:
    """Started listeners by connection name, and why the others could not start."""

    running: dict[str, AdfHttpListener] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)

    @classmethod
    def start_all(cls, store: Store) -> LeadListeners:
        out = cls()
        profiles = ProfileService(store)
        for info in profiles.list():
            if info.kind != AdfInboxConnector.kind:
                continue
            try:
                connector = profiles.connector(info.id)
                assert isinstance(connector, AdfInboxConnector)
                if not connector.listens:
                    continue
                listener = connector.listener()
                url = listener.start()
            except RooftopError as exc:
                out.problems[info.name] = str(exc)
                log.warning("ADF listener of %s not started: %s", info.name, exc)
                continue
            out.running[info.name] = listener
            log.info("ADF listener of %s on %s", info.name, url)
        return out

    def describe(self) -> list[str]:
        lines = [f"{name}: ADF POSTs on {lst.url}" for name, lst in self.running.items()]
        lines += [f"{name}: not listening ({why})" for name, why in self.problems.items()]
        return lines

    def stop(self) -> None:
        for listener in self.running.values():
            listener.stop()
        self.running.clear()
