"""The CRM's lead inbox: an SMTP server (aiosmtpd) on 127.0.0.1 that turns ADF mail into leads.

The ADF document may be the plain-text body, an XML part, or an attachment (``.xml``/
``.adf``). A message without ADF is accepted and logged (real lead inboxes get spam);
a message whose ADF is hostile or unusable is refused with 550 and the reason.
The server runs on its own asyncio loop in a background thread, port chosen by the OS.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from app.sandbox.servers.adf import AdfError
from app.sandbox.servers.errors import SandboxError

HOST = "127.0.0.1"
# (raw ADF document) -> lead results; raises AdfError for a refused document
Ingest = Callable[[bytes], list[dict[str, Any]]]
# a record of each message (for /_sandbox/export/emails)
Journal = Callable[[dict[str, Any]], None]


def find_adf(raw: bytes) -> bytes | None:
    """The first MIME part (body or attachment) that holds an ``<adf>`` document."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        lowered = payload.lower()
        if b"<adf" in lowered:
            # Mail bodies carry greetings and signatures around the document: cut them off.
            start = lowered.find(b"<?xml")
            start = start if start >= 0 else lowered.find(b"<adf")
            end = lowered.rfind(b"</adf>")
            return payload[start : end + len(b"</adf>")] if end > start else payload[start:]
    return None


class AdfMailHandler:
    """aiosmtpd handler: ``handle_DATA`` is called once per received message."""

    def __init__(self, ingest: Ingest, journal: Journal) -> None:
        self._ingest = ingest
        self._journal = journal

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        entry: dict[str, Any] = {
            "received_at": time.time(),
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "lead_ids": [],
            "error": "",
        }
        document = find_adf(raw)
        if document is None:
            entry["error"] = "no ADF document in the message"
            self._journal(entry)
            return "250 2.0.0 Accepted (no ADF lead found)"
        try:
            results = self._ingest(document)
        except AdfError as exc:
            entry["error"] = str(exc)
            self._journal(entry)
            return f"550 5.6.0 ADF rejected: {exc}"
        entry["lead_ids"] = [r["lead_id"] for r in results]
        self._journal(entry)
        return f"250 2.0.0 Accepted {len(results)} lead(s)"


class SmtpSink:
    """An SMTP server on its own event loop thread. ``handler`` is an aiosmtpd handler
    (``AdfMailHandler``, or the lead mailbox's delivery into its folders)."""

    def __init__(
        self,
        handler: Any,
        *,
        name: str = "crm",
        hostname: str = "crm.sandbox.test",
        label: str = "The CRM's SMTP lead inbox",
    ) -> None:
        self._handler = handler
        self._hostname, self._label = hostname, label
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(
            target=self._loop.run_forever, name=f"sandbox-{name}-smtp", daemon=True
        )
        self.port = 0

    @property
    def url(self) -> str:
        return f"smtp://{HOST}:{self.port}"

    def start(self, timeout_s: float = 10.0) -> None:
        self._thread.start()

        async def serve() -> asyncio.base_events.Server:
            loop = asyncio.get_running_loop()
            return await loop.create_server(
                lambda: SMTP(self._handler, hostname=self._hostname, loop=loop), HOST, 0
            )

        future = asyncio.run_coroutine_threadsafe(serve(), self._loop)
        try:
            self._server = future.result(timeout=timeout_s)
        except (OSError, TimeoutError) as exc:
            self.stop()
            raise SandboxError(f"{self._label} could not start: {exc}") from None
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self, timeout_s: float = 5.0) -> None:
        if not self._thread.is_alive():
            return
        server = self._server

        async def shutdown() -> None:
            if server is not None:
                server.close()
                await asyncio.wait_for(server.wait_closed(), timeout_s)

        # A stuck client connection must not hang stop(): the loop is stopped regardless.
        with contextlib.suppress(TimeoutError, OSError):
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout=timeout_s + 1)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=timeout_s)
        if not self._thread.is_alive():
            self._loop.close()
