"""The service starts the HTTP side of every ADF inbox that listens, and says why one
cannot start."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx

from app.connectors.adf_http import SIGNATURE_HEADER, sign
from app.services.lead_listeners import LeadListeners
from app.services.profiles import ProfileService
from app.store import Store
from tests.support.lead_mail import adf_lead

BASE = {"imap_host": "imap.example.com", "username": "leads@example.com"}


def test_listening_inboxes_start_and_a_busy_port_is_reported(store: Store, tmp_path: Path) -> None:
    profiles = ProfileService(store)
    secrets = {"password": "pw", "shared_secret": "s3"}
    spool = str(tmp_path / "spool")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        with socket.socket() as probe:  # a free port for the one that should start
            probe.bind(("127.0.0.1", 0))
            free = probe.getsockname()[1]
        listen = {"listen": True, "spool_folder": spool}
        profiles.create("Web leads", "adf_inbox", {**BASE, **listen, "listen_port": free}, secrets)
        profiles.create("Busy", "adf_inbox", {**BASE, **listen, "listen_port": taken}, secrets)
        profiles.create("Mail only", "adf_inbox", BASE, {"password": "pw"})
        listeners = LeadListeners.start_all(store)
        try:
            assert set(listeners.running) == {"Web leads"}
            assert "Could not listen on 127.0.0.1" in listeners.problems["Busy"]
            body = adf_lead(1).encode()
            answer = httpx.post(
                listeners.running["Web leads"].url,
                content=body,
                headers={SIGNATURE_HEADER: sign("s3", body)},
            )
            assert answer.status_code == 202
            assert any(line.startswith("Busy: not listening") for line in listeners.describe())
        finally:
            listeners.stop()
    assert len(list((tmp_path / "spool" / "incoming").glob("*.xml"))) == 1
