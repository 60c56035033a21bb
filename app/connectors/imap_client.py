"""An IMAP mailbox over TLS (stdlib ``imaplib``), as the ADF inbox uses it.

Reading never changes the mailbox: the folder is opened with EXAMINE (read-only) and
bodies are fetched with ``BODY.PEEK[]``, so nothing is marked seen. Only ``move`` writes:
it opens the folder with SELECT and moves messages by UID (UID MOVE, or UID COPY + UID
STORE \\Deleted + UID EXPUNGE where the server has no MOVE), creating the destination
folder when it is missing.

TLS: the system's certificate authorities, or a CA file, or a pinned SHA-256 fingerprint
of the server's certificate (for a server with a self-signed one). A connection that drops
raises ``MailboxDropped`` (the caller may open a new one and go on); the rest raise
``ConnectorError`` / ``AuthError`` with a readable message.
"""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import re
import ssl
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType

from app.connectors.errors import AuthError, ConnectorError

_SIZE = re.compile(rb"UID (\d+).*?RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+).*?UID (\d+)")
_UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]")
_FETCHED_UID = re.compile(rb"UID (\d+)")
BATCH = 200  # UIDs per size look-up


class MailboxDropped(ConnectorError):
    """The IMAP connection was lost (dropped, reset, timed out) in the middle of a command."""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    username: str
    password: str
    ca_file: str = ""
    fingerprint: str = ""  # SHA-256 of the certificate, hex (colons and case ignored)
    timeout_s: float = 30.0


def normalise_fingerprint(text: str) -> str:
    return re.sub(r"[^0-9a-f]", "", text.lower())


def _context(settings: ImapSettings) -> ssl.SSLContext:
    if settings.fingerprint:
        # The pin is the trust: the certificate is compared before anything is sent.
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        return ssl.create_default_context(cafile=settings.ca_file or None)
    except (OSError, ssl.SSLError) as exc:
        raise ConnectorError(
            f"Could not load the CA file {settings.ca_file}: {exc}.",
            hint="Point the CA file setting at the PEM file of the mail server's CA.",
        ) from None


def _text(data: object) -> str:
    if isinstance(data, list):
        data = b" ".join(d for d in data if isinstance(d, bytes))
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return str(data or "")


class ImapMailbox:
    """One IMAPS session. Use as a context manager; every call may raise
    ``MailboxDropped``."""

    def __init__(self, settings: ImapSettings) -> None:
        self.settings = settings
        self._imap: imaplib.IMAP4_SSL | None = None
        self.capabilities: frozenset[str] = frozenset()

    # -- session --------------------------------------------------------------------
    def open(self) -> ImapMailbox:
        s = self.settings
        if not s.host:
            raise ConnectorError("The ADF inbox has no IMAP server set.")
        try:
            imap = imaplib.IMAP4_SSL(s.host, s.port, ssl_context=_context(s), timeout=s.timeout_s)
        except ssl.SSLCertVerificationError as exc:
            raise ConnectorError(
                f"The mail server {s.host}:{s.port} showed a certificate this computer does "
                f"not trust ({exc.verify_message}).",
                hint="Give the CA file of the server's certificate, or pin its fingerprint.",
            ) from None
        except (OSError, imaplib.IMAP4.error) as exc:
            raise ConnectorError(
                f"Could not reach the mail server {s.host}:{s.port}: {exc or type(exc).__name__}.",
                hint="Check the IMAP server and port (993 is IMAP over TLS).",
            ) from None
        self._imap = imap
        try:
            self._check_pin(imap)
            imap.login(s.username, s.password)
        except imaplib.IMAP4.abort as exc:
            self.close()
            raise MailboxDropped(f"The mail server dropped the connection: {exc}.") from None
        except imaplib.IMAP4.error as exc:
            self.close()
            raise AuthError(
                f"The mail server refused the user name / password ({_text(exc.args[0])}).",
                hint="Check the user name and password in the connection profile.",
            ) from None
        except BaseException:
            self.close()
            raise
        self.capabilities = frozenset(c.upper() for c in imap.capabilities)
        return self

    def _check_pin(self, imap: imaplib.IMAP4_SSL) -> None:
        pinned = normalise_fingerprint(self.settings.fingerprint)
        if not pinned:
            return
        sock = imap.sock
        der = sock.getpeercert(binary_form=True) if isinstance(sock, ssl.SSLSocket) else None
        der = der or b""
        seen = hashlib.sha256(der).hexdigest()
        if seen != pinned:
            raise ConnectorError(
                f"The mail server's certificate has the SHA-256 fingerprint {seen}, not the "
                f"pinned {pinned}: refused before signing in.",
                hint="If the server's certificate was renewed, pin the new fingerprint.",
            )

    @property
    def imap(self) -> imaplib.IMAP4_SSL:
        if self._imap is None:
            raise ConnectorError("The IMAP session is not open.")
        return self._imap

    def close(self) -> None:
        imap, self._imap = self._imap, None
        if imap is None:
            return
        try:
            imap.logout()
        except (imaplib.IMAP4.error, OSError, ValueError):
            with contextlib.suppress(OSError, ValueError):
                imap.shutdown()

    def __enter__(self) -> ImapMailbox:
        return self.open() if self._imap is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _call(self, what: str, *args: str) -> list[object]:
        """One command; ``MailboxDropped`` when the line goes dead, ``ConnectorError``
        when the server answers NO/BAD."""
        try:
            if what.startswith("UID "):
                typ, data = self.imap.uid(what[4:], *args)
            else:
                typ, data = getattr(self.imap, what.lower())(*args)
        except (imaplib.IMAP4.abort, OSError, EOFError) as exc:
            self._imap = None
            raise MailboxDropped(
                f"The mail server dropped the connection during {what.split()[-1]}: "
                f"{exc or type(exc).__name__}."
            ) from None
        except imaplib.IMAP4.error as exc:
            raise ConnectorError(f"The mail server refused {what}: {_text(exc.args[0])}.") from None
        if typ != "OK":
            raise ConnectorError(f"The mail server refused {what}: {_text(data)}.")
        return list(data)

    # -- reading (changes nothing) -------------------------------------------------
    def examine(self, folder: str) -> int:
        """Open ``folder`` read-only; its UIDVALIDITY."""
        try:
            typ, data = self.imap.select(_mailbox_name(folder), readonly=True)
        except (imaplib.IMAP4.abort, OSError, EOFError) as exc:
            self._imap = None
            raise MailboxDropped(f"The mail server dropped the connection: {exc}.") from None
        if typ != "OK":
            raise ConnectorError(
                f"The mail folder '{folder}' cannot be opened: {_text(data)}.",
                hint="Check the folder name (INBOX, or a folder under it).",
            )
        return self._validity()

    def _validity(self) -> int:
        codes = self.imap.response("UIDVALIDITY")[1]
        for code in codes:
            if isinstance(code, bytes) and code.strip().isdigit():
                return int(code)
        return 0

    def uids(self) -> list[int]:
        """The UIDs of the open folder's messages (not flagged deleted), oldest first."""
        data = self._call("UID SEARCH", "UNDELETED")
        return sorted(int(u) for u in _text(data).split() if u.isdigit())

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        """Each message's size in bytes, without downloading it."""
        out: dict[int, int] = {}
        for start in range(0, len(uids), BATCH):
            part = ",".join(str(u) for u in uids[start : start + BATCH])
            for line in self._call("UID FETCH", part, "(RFC822.SIZE)"):
                raw = line[0] if isinstance(line, tuple) else line
                if isinstance(raw, bytes):
                    match = _SIZE.search(raw)
                    if match:
                        uid, size = (match.group(1, 2)) if match.group(1) else match.group(4, 3)
                        out[int(uid)] = int(size)
        return out

    def fetch(self, uid: int) -> bytes | None:
        """One message, raw, marking nothing; None when it is gone."""
        for item in self._call("UID FETCH", str(uid), "(BODY.PEEK[])"):
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                found = _FETCHED_UID.search(item[0]) if isinstance(item[0], bytes) else None
                if found is None or int(found.group(1)) == uid:
                    return item[1]
        return None

    # -- filing (the only writes) --------------------------------------------------
    def move(self, folder: str, uids: Iterable[int], dest: str, uid_validity: int) -> int:
        """Move messages to ``dest`` (created when missing). Nothing moves when the
        folder's UIDVALIDITY changed since they were read (the UIDs mean other messages
        now). Returns how many were asked to move."""
        wanted = sorted(set(uids))
        if not wanted:
            return 0
        self._open_to_change(
            folder,
            uid_validity,
            "since its messages were read; they were left where they are and are read again "
            "on the next run (leads already delivered are not sent twice).",
        )
        self._ensure(dest)
        for part in _batches(wanted):
            if "MOVE" in self.capabilities:
                self._call("UID MOVE", part, _mailbox_name(dest))
                continue
            self._call("UID COPY", part, _mailbox_name(dest))
            self._expunge(folder, part)
        return len(wanted)

    def delete(self, folder: str, uids: Iterable[int], uid_validity: int) -> int:
        """Delete messages for good (an erasure). Nothing is deleted when the folder's
        UIDVALIDITY changed since they were looked at. Returns how many were deleted."""
        wanted = sorted(set(uids))
        if not wanted:
            return 0
        self._open_to_change(
            folder, uid_validity, "while it was searched; nothing was deleted there. Run the "
            "erasure again.",
        )  # fmt: skip
        for part in _batches(wanted):
            self._expunge(folder, part)
        return len(wanted)

    def _open_to_change(self, folder: str, uid_validity: int, otherwise: str) -> None:
        """Open ``folder`` to change it; refused when its UIDs now mean other messages."""
        typ, data = self.imap.select(_mailbox_name(folder), readonly=False)
        if typ != "OK":
            raise ConnectorError(f"The mail folder '{folder}' cannot be opened: {_text(data)}.")
        if uid_validity and self._validity() not in (0, uid_validity):
            raise ConnectorError(
                f"The mail folder '{folder}' was rebuilt on the server (UIDVALIDITY changed) "
                + otherwise
            )

    def _expunge(self, folder: str, part: str) -> None:
        """Flag ``part`` (a UID set) deleted and expunge it."""
        self._call("UID STORE", part, "+FLAGS.SILENT", r"(\Deleted)")
        if "UIDPLUS" in self.capabilities:
            self._call("UID EXPUNGE", part)
        else:  # no UIDPLUS: CLOSE expunges the folder's deleted messages
            self._call("CLOSE")
            self.imap.select(_mailbox_name(folder), readonly=False)

    def _ensure(self, folder: str) -> None:
        """Create a folder; a NO answer means it exists already ([ALREADYEXISTS])."""
        try:
            self.imap.create(_mailbox_name(folder))
        except (imaplib.IMAP4.abort, OSError) as exc:
            self._imap = None
            raise MailboxDropped(f"The mail server dropped the connection: {exc}.") from None
        except imaplib.IMAP4.error:
            return


def _batches(uids: Sequence[int]) -> Iterator[str]:
    """UID sets of at most ``BATCH`` UIDs (a command line has a length limit)."""
    for start in range(0, len(uids), BATCH):
        yield ",".join(str(u) for u in uids[start : start + BATCH])


def _mailbox_name(name: str) -> str:
    """A folder name as an IMAP argument (quoted when it has spaces or quotes)."""
    if re.fullmatch(r"[A-Za-z0-9_./&+-]+", name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
