"""Leads in: ADF 1.0 leads e-mailed to an IMAP mailbox (and, optionally, POSTed over HTTP).

One readable stream, ``leads``: every prospect of every message in the mailbox folder
(newest message first; then the HTTP spool, newest first), one record each, keyed by
``resend_key`` (provider id + request date + contact). A second copy of a lead -- the same
mail sent twice, or a ``status="resend"`` -- has the same key: within a read it is dropped
(``resends`` counts it), across runs the engine sees an unchanged record and skips it.

Reading changes nothing on the server (EXAMINE, BODY.PEEK). A message whose ADF cannot be
used -- hostile XML (entities, XXE, an external DTD), over the size limit, more vehicles or
prospects than a lead has, an encoding that cannot be honoured, no ADF at all -- is not
a record: ``take_rejects`` hands it to the engine, which parks it in the retry queue with
the reason (and the message's id, sender and subject) while the other leads go on.

Once the run has committed (``after_commit``), every message it read -- delivered, skipped
as a resend, or parked -- moves to the processed folder, and spooled POSTs to
``processed/``. A run that fails moves nothing: the next one reads the same messages, and
what was delivered already is not sent twice. A dropped IMAP connection is opened again
and the read goes on from the message it was fetching (a few times, then the run fails).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from app.connectors.adf_erasure import erase_from_mailbox
from app.connectors.adf_http import AdfHttpListener, Spool
from app.connectors.adf_inbox_records import LEAD_FIELDS, LEADS, lead_record
from app.connectors.base import CheckResult, ConfigField, Connector, FieldType
from app.connectors.erasure import ErasureResult, ErasureSubject
from app.connectors.errors import ConnectorError
from app.connectors.imap_client import ImapMailbox, ImapSettings, MailboxDropped
from app.connectors.streams import Stream, StreamSource
from app.formats.adf import MAX_BYTES, parse_adf, strip_controls
from app.formats.adf_mail import read_adf_mail
from app.formats.errors import AdfError

log = logging.getLogger(__name__)
CHUNK_ROWS = 200
RECONNECTS = 3  # dropped connections survived per read
ON = ("True", "true", "1", "yes")  # a BOOLEAN setting that is on, as visible_if sees it


@dataclass
class _ReadState:
    """What one read took: the messages and spool files to file away after the commit."""

    uid_validity: int = 0
    uids: list[int] = field(default_factory=list)
    spooled: list[str] = field(default_factory=list)


class InboxStream(Stream):
    spec = LEADS

    def __init__(self, connector: AdfInboxConnector) -> None:
        self.connector = connector
        self._untaken: list[dict[str, Any]] = []
        self.rejects: list[dict[str, Any]] = []
        self.taken = _ReadState()
        self.resends = 0

    # -- what the engine calls ----------------------------------------------------
    def take_rejects(self) -> list[dict[str, Any]]:
        """Messages that held no usable lead, since the last call (the engine parks them)."""
        taken, self._untaken = self._untaken, []
        return taken

    def read(self, cursor: str | None = None) -> Iterator[pd.DataFrame]:
        self._untaken, self.rejects, self.taken, self.resends = [], [], _ReadState(), 0
        seen: set[str] = set()
        rows: list[dict[str, str]] = []
        for records in self._documents():
            for record in records:
                if record["lead_key"] in seen:
                    self.resends += 1  # the same lead twice in one read: handled once
                    continue
                seen.add(record["lead_key"])
                rows.append(record)
            if len(rows) >= CHUNK_ROWS:
                yield self._frame(rows)
                rows = []
        if rows or self._untaken:  # rejects after the last lead are parked with this one
            yield self._frame(rows)

    def after_commit(self) -> None:
        """The run committed: file away everything it read (delivered, resent or parked)."""
        taken, self.taken = self.taken, _ReadState()
        if taken.spooled:
            self.connector.spool().mark_processed(taken.spooled)
        if not taken.uids:
            return
        c = self.connector
        for attempt in range(2):
            try:
                with ImapMailbox(c.imap_settings()) as box:
                    box.move(c.folder, taken.uids, c.processed_folder, taken.uid_validity)
                return
            except MailboxDropped:
                if attempt:
                    raise

    # -- reading ------------------------------------------------------------------
    def _frame(self, rows: list[dict[str, str]]) -> pd.DataFrame:
        return pd.DataFrame(rows, columns=self.spec.field_names(), dtype=object)

    def _reject(self, key: str, reason: str, message: dict[str, str], excerpt: bytes) -> None:
        payload: dict[str, Any] = {name: "" for name in LEAD_FIELDS}
        payload.update(message)
        payload["lead_key"] = key
        text = strip_controls(excerpt[:400].decode("utf-8", "replace"))
        payload["excerpt"] = " ".join(text.split())
        entry = {"key": key, "reason": reason, "payload": payload}
        self.rejects.append(entry)
        self._untaken.append(entry)

    def _documents(self) -> Iterator[list[dict[str, str]]]:
        """The records of each message (newest first), then of each spooled POST."""
        yield from self._mail()
        if self.connector.spools:  # also after listening was turned off: nothing is left
            yield from self._posts()

    def _leads(
        self, document: bytes, charset: str | None, message: dict[str, str], key: str
    ) -> list[dict[str, str]]:
        try:
            leads = parse_adf(document, charset=charset, max_bytes=self.connector.max_bytes)
        except AdfError as exc:
            self._reject(key, exc.message, message, document)
            return []
        return [lead_record(lead, message) for lead in leads]

    def _mail(self) -> Iterator[list[dict[str, str]]]:
        c = self.connector
        reader = _Reader(c.imap_settings(), c.folder)
        try:
            self.taken.uid_validity = reader.open()
            uids = reader.call(lambda box: box.uids())
            sizes = reader.call(lambda box: box.sizes(uids)) if uids else {}
            for uid in reversed(uids):
                where = f"{c.folder} UID {uid}"
                message = {"channel": "e-mail", "source_ref": where}
                size = sizes.get(uid, 0)
                if size > c.message_limit:
                    reason = (
                        f"The e-mail is {size:,} bytes, over the limit for a lead "
                        f"({c.max_bytes:,} bytes of ADF); it was not downloaded."
                    )
                    key = f"e-mail {where} ({self.taken.uid_validity})"
                    self._reject(key, reason, message, b"")
                    self.taken.uids.append(uid)
                    continue
                raw = reader.call(lambda box, uid=uid: box.fetch(uid))
                if raw is None:  # gone since the search (another reader filed it)
                    continue
                yield self._message(raw, message)
                self.taken.uids.append(uid)
        finally:
            reader.close()

    def _message(self, raw: bytes, message: dict[str, str]) -> list[dict[str, str]]:
        mail = read_adf_mail(raw)
        message.update(
            message_id=mail.message_id,
            mail_from=mail.sender,
            subject=mail.subject,
            received_at=mail.date,
        )
        ident = mail.message_id or "sha256:" + hashlib.sha256(raw).hexdigest()[:16]
        key = f"e-mail {ident}"
        if mail.document is None:
            reason = f"No ADF lead in this e-mail (from {mail.sender or '?'}, subject "
            reason += f"'{mail.subject}')." if mail.subject else "empty)."
            self._reject(key, reason, message, raw[-400:])
            return []
        return self._leads(mail.document, mail.charset, message, key)

    def _posts(self) -> Iterator[list[dict[str, str]]]:
        for item in self.connector.spool().pending():
            message = {
                "channel": "http",
                "source_ref": f"POST {item.name} from {item.remote}",
                "received_at": item.received_at,
            }
            try:
                document = item.path.read_bytes()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise ConnectorError(
                    f"Could not read the spooled lead {item.path}: {exc}."
                ) from exc
            yield self._leads(document, item.charset, message, f"http {item.name}")
            self.taken.spooled.append(item.name)


class _Reader:
    """An IMAP session that opens again (up to ``RECONNECTS`` times) when it drops, and
    refuses to go on if the folder's UIDVALIDITY changed in between."""

    def __init__(self, settings: ImapSettings, folder: str) -> None:
        self.settings, self.folder = settings, folder
        self.box: ImapMailbox | None = None
        self.validity = 0
        self.drops = 0

    def open(self) -> int:
        box = ImapMailbox(self.settings).open()
        self.box = box
        validity = box.examine(self.folder)
        if self.validity and validity and validity != self.validity:
            raise ConnectorError(
                f"The mail folder '{self.folder}' was rebuilt on the server while it was "
                "read (UIDVALIDITY changed); the run stopped and nothing was filed away."
            )
        self.validity = validity
        return validity

    def call(self, action: Any) -> Any:
        while True:
            if self.box is None:
                self.open()
            assert self.box is not None
            try:
                return action(self.box)
            except MailboxDropped as exc:
                self.box.close()
                self.box = None
                self.drops += 1
                if self.drops > RECONNECTS:
                    raise ConnectorError(
                        f"The mail server dropped the connection {self.drops} times; the "
                        f"run stopped and nothing was filed away ({exc})."
                    ) from None
                log.warning("IMAP connection dropped (%s); opening it again", exc)

    def close(self) -> None:
        if self.box is not None:
            self.box.close()
            self.box = None


def _listen_field(
    name: str, label: str, kind: FieldType = FieldType.TEXT, **kw: Any
) -> ConfigField:
    return ConfigField(name, label, kind, visible_if=("listen", ON), **kw)


class AdfInboxConnector(Connector, StreamSource):
    kind = "adf_inbox"
    label = "Lead inbox (ADF over IMAP / HTTP)"
    protocol = "ADF inbox (IMAP)"
    description = (
        "Receive leads that lead sites and OEM programs send as ADF 1.0 XML: read from an "
        "IMAP mailbox over TLS, and optionally POSTed to this computer. Read messages move "
        "to a processed folder once their leads are stored; hostile ones are set aside."
    )
    fields: ClassVar[tuple[ConfigField, ...]] = (
        ConfigField("imap_host", "IMAP server", required=True, placeholder="imap.example.com"),
        ConfigField(
            "imap_port",
            "IMAP port",
            FieldType.INTEGER,
            default=993,
            minimum=1,
            maximum=65535,
            help="993: IMAP over TLS (the only kind spoken here).",
        ),
        ConfigField("username", "User name", required=True, placeholder="leads@yourdealer.com"),
        ConfigField(
            "password",
            "Password",
            required=True,
            secret=True,
            help="Stored in the system keyring. Often an app password.",
        ),
        ConfigField("folder", "Folder to read", default="INBOX", help="Where lead e-mails arrive."),
        ConfigField(
            "processed_folder",
            "Processed folder",
            default="Processed",
            help="Read messages move here once their leads are stored (created if missing).",
        ),
        ConfigField(
            "max_bytes",
            "Largest lead (bytes)",
            FieldType.INTEGER,
            default=MAX_BYTES,
            minimum=10_000,
            maximum=20_000_000,
            help="A lead over this size is set aside unread (a real one is a few KB).",
        ),
        ConfigField(
            "ca_file",
            "CA file",
            FieldType.PATH,
            advanced=True,
            help="PEM file of the CA that signed the server's certificate, if it is not one "
            "this computer trusts already.",
        ),
        ConfigField(
            "cert_fingerprint",
            "Pinned certificate (SHA-256)",
            advanced=True,
            help="Trust exactly this certificate (self-signed servers): its SHA-256 "
            "fingerprint in hex.",
        ),
        ConfigField(
            "timeout_s",
            "Timeout (seconds)",
            FieldType.INTEGER,
            default=30,
            minimum=1,
            maximum=300,
            advanced=True,
        ),
        ConfigField(
            "listen",
            "Also receive HTTP POSTs",
            FieldType.BOOLEAN,
            default=False,
            help="Listen on this computer for ADF POSTed by lead providers (off by default).",
        ),
        _listen_field(
            "listen_port",
            "Listen on port",
            FieldType.INTEGER,
            default=8470,
            minimum=1024,
            maximum=65535,
            address=False,
            help="POST to http://this-computer:PORT/ (put HTTPS in front of it).",
        ),
        _listen_field(
            "listen_address",
            "Listen on address",
            default="127.0.0.1",
            address=False,
            help="127.0.0.1 behind a reverse proxy; 0.0.0.0 for every network.",
        ),
        _listen_field(
            "spool_folder",
            "Folder for received POSTs",
            FieldType.PATH,
            help="Where POSTed leads wait for the next sync.",
        ),
        _listen_field(
            "shared_secret",
            "Shared secret",
            secret=True,
            help="Senders sign each POST: X-ADF-Signature: sha256=HMAC-SHA256(body).",
        ),
    )

    @classmethod
    def validate(cls, settings: dict[str, Any], secrets: dict[str, str]) -> dict[str, str]:
        problems = super().validate(settings, secrets)
        folder = str(settings.get("folder") or "INBOX").strip()
        processed = str(settings.get("processed_folder") or "Processed").strip()
        if folder.upper() == processed.upper() or folder == processed:
            problems["processed_folder"] = "The processed folder must differ from the folder read."
        if cls.field("listen").coerce(settings.get("listen")):
            if not str(settings.get("spool_folder") or "").strip():
                problems["spool_folder"] = "A folder for received POSTs is required to listen."
            if not secrets.get("shared_secret"):
                problems["shared_secret"] = "A shared secret is required to listen."
        return problems

    def _setting(self, name: str) -> Any:
        return self.field(name).coerce(self.settings.get(name))

    def erase_person(self, subject: ErasureSubject) -> ErasureResult:
        """An erasure: their lead e-mails leave the processed folder and the folder read."""
        try:
            return erase_from_mailbox(
                self.imap_settings(), (self.processed_folder, self.folder), subject
            )
        except ConnectorError as exc:
            return ErasureResult("failed", f"the mailbox could not be cleaned: {exc.message}")

    @property
    def folder(self) -> str:
        return str(self._setting("folder") or "INBOX")

    @property
    def processed_folder(self) -> str:
        return str(self._setting("processed_folder") or "Processed")

    @property
    def max_bytes(self) -> int:
        return int(self._setting("max_bytes"))

    @property
    def message_limit(self) -> int:
        """An e-mail bigger than this is not downloaded: MIME (base64) makes an ADF
        attachment a third bigger, and headers and a greeting come with it."""
        return 2 * self.max_bytes + 65_536

    @property
    def listens(self) -> bool:
        return bool(self._setting("listen"))

    @property
    def spools(self) -> bool:
        """Whether a folder for received POSTs is set (POSTs may wait there)."""
        return bool(str(self._setting("spool_folder") or "").strip())

    def imap_settings(self) -> ImapSettings:
        return ImapSettings(
            host=str(self._setting("imap_host") or ""),
            port=int(self._setting("imap_port")),
            username=str(self._setting("username") or ""),
            password=self.secrets.get("password", ""),
            ca_file=str(self._setting("ca_file") or ""),
            fingerprint=str(self._setting("cert_fingerprint") or ""),
            timeout_s=float(self._setting("timeout_s")),
        )

    def spool(self) -> Spool:
        folder = str(self._setting("spool_folder") or "").strip()
        if not folder:
            raise ConnectorError("The ADF inbox has no folder for received POSTs set.")
        return Spool(Path(folder))

    def listener(self) -> AdfHttpListener:
        """The HTTP side, not started (``start()`` it; the service does)."""
        return AdfHttpListener(
            self.spool(),
            self.secrets.get("shared_secret", ""),
            host=str(self._setting("listen_address") or "127.0.0.1"),
            port=int(self._setting("listen_port")),
            max_bytes=self.max_bytes,
        )

    def check(self) -> CheckResult:
        s = self.imap_settings()
        try:
            with ImapMailbox(s) as box:
                box.examine(self.folder)  # read-only: marks nothing
                count = len(box.uids())
        except ConnectorError as exc:
            return CheckResult(False, str(exc))
        trust = "pinned certificate" if s.fingerprint else "TLS"
        message = (
            f"Signed in to {s.host}:{s.port} ({trust}) as {s.username}; '{self.folder}' "
            f"holds {count} message(s). Read ones move to '{self.processed_folder}'."
        )
        if self.listens:
            try:
                spool = self.spool()
                spool.incoming.mkdir(parents=True, exist_ok=True)
            except (ConnectorError, OSError) as exc:
                return CheckResult(False, f"{message} But the POST folder is unusable: {exc}")
            message += f" POSTs wait in {spool.incoming}."
        return CheckResult(True, message)

    def streams(self) -> dict[str, Stream]:
        return {"leads": InboxStream(self)}
