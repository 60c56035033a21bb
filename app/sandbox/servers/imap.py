"""A small IMAP4rev1 server over TLS (IMAPS) on 127.0.0.1 for the demo's lead mailbox.

It speaks what a mail client that reads and files leads needs, with UIDs: CAPABILITY,
NOOP, LOGIN, LOGOUT, LIST, CREATE, SELECT / EXAMINE (read-only), UNSELECT, CLOSE,
UID SEARCH, UID FETCH (UID, FLAGS, INTERNALDATE, RFC822.SIZE, BODY[] / BODY.PEEK[] /
RFC822), UID STORE, UID COPY, UID MOVE, EXPUNGE and UID EXPUNGE (UIDPLUS, MOVE).
``BODY[]`` marks a message \\Seen in a folder opened read-write; ``BODY.PEEK[]`` and
anything in a folder opened with EXAMINE change nothing.

Fault switch: ``drop_mid_fetch(times)`` makes the next ``times`` UID FETCHes that return
message bodies send the first message whole and half of the next, then drop the
connection (what a flaky mail server or network does).
"""

from __future__ import annotations

import contextlib
import re
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any

from app.sandbox.servers.errors import SandboxError
from app.sandbox.servers.mailbox import Folder, Mailbox, StoredMessage

HOST = "127.0.0.1"
CAPABILITIES = "IMAP4rev1 UIDPLUS MOVE UNSELECT LITERAL+"
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\((?:[^()]|\([^()]*\))*\)|[^\s()"]+(?:\[[^\]]*\])?')
_MAX_LINE = 64 * 1024


class _Dropped(Exception):
    """The fault switch cut this connection."""


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] == token[-1] == '"':
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    return token


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _uid_set(spec: str, highest: int) -> set[int]:
    """An IMAP sequence set of UIDs (``1:*``, ``3,5,7:9``)."""
    out: set[int] = set()
    for part in spec.split(","):
        low, _, high = part.partition(":")
        a = highest if low == "*" else int(low)
        b = a if not high else (highest if high == "*" else int(high))
        lo, hi = min(a, b), max(a, b)
        if hi - lo > 1_000_000:
            raise ValueError("range too large")
        out.update(range(lo, hi + 1))
    return out


def _internal_date(when: float) -> str:
    return time.strftime("%d-%b-%Y %H:%M:%S +0000", time.gmtime(when))


class ImapSession(socketserver.StreamRequestHandler):
    """One client connection (one thread)."""

    server: ImapServer
    timeout = 60

    def setup(self) -> None:
        super().setup()
        self.user: str | None = None
        self.folder: Folder | None = None
        self.read_only = True

    # -- wire ---------------------------------------------------------------------
    def send(self, line: str | bytes) -> None:
        data = line if isinstance(line, bytes) else line.encode("utf-8")
        self.wfile.write(data + b"\r\n")

    def read_command(self) -> str | None:
        line = self.rfile.readline(_MAX_LINE)
        if not line:
            return None
        text = line.decode("utf-8", "replace").rstrip("\r\n")
        while literal := re.search(r"\{(\d+)(\+?)\}$", text):
            # a literal argument: ask for it (unless LITERAL+), read it, then the rest
            size = int(literal.group(1))
            if size > _MAX_LINE:
                return ""
            if not literal.group(2):
                self.send("+ go ahead")
                self.wfile.flush()
            data = self.rfile.read(size).decode("utf-8", "replace")
            rest = self.rfile.readline(_MAX_LINE).decode("utf-8", "replace").rstrip("\r\n")
            text = text[: literal.start()] + _quote(data) + rest
        return text

    def handle(self) -> None:
        self.server.sessions_opened += 1
        self.send(f"* OK [CAPABILITY {CAPABILITIES}] Sandbox lead mailbox ready")
        try:
            while True:
                self.wfile.flush()
                line = self.read_command()
                if line is None:
                    return
                if not line.strip():
                    continue
                tag, _, rest = line.partition(" ")
                if not self.dispatch(tag, rest):
                    return
        except (_Dropped, OSError, ssl.SSLError):
            return
        finally:
            with contextlib.suppress(OSError):
                self.wfile.flush()

    def dispatch(self, tag: str, rest: str) -> bool:
        tokens = _TOKEN.findall(rest)
        if not tokens:
            self.send(f"{tag} BAD no command")
            return True
        command, args = tokens[0].upper(), tokens[1:]
        if command == "UID" and args:
            command, args = "UID " + args[0].upper(), args[1:]
        handler = self.COMMANDS.get(command)
        if handler is None:
            self.send(f"{tag} BAD unknown command {command}")
            return True
        if command not in ("CAPABILITY", "NOOP", "LOGOUT", "LOGIN") and self.user is None:
            self.send(f"{tag} NO log in first")
            return True
        needs_folder = command.startswith("UID ") or command in ("EXPUNGE", "CLOSE", "UNSELECT")
        if needs_folder and self.folder is None:
            self.send(f"{tag} BAD select a folder first")
            return True
        try:
            return bool(handler(self, tag, args))
        except (ValueError, IndexError) as exc:
            self.send(f"{tag} BAD {exc or 'bad arguments'}")
            return True

    # -- commands -----------------------------------------------------------------
    def cmd_capability(self, tag: str, args: list[str]) -> bool:
        self.send(f"* CAPABILITY {CAPABILITIES}")
        self.send(f"{tag} OK CAPABILITY completed")
        return True

    def cmd_noop(self, tag: str, args: list[str]) -> bool:
        self.send(f"{tag} OK NOOP completed")
        return True

    def cmd_logout(self, tag: str, args: list[str]) -> bool:
        self.send("* BYE logging out")
        self.send(f"{tag} OK LOGOUT completed")
        return False

    def cmd_login(self, tag: str, args: list[str]) -> bool:
        user, password = _unquote(args[0]), _unquote(args[1])
        if (user, password) != (self.server.username, self.server.password):
            self.send(f"{tag} NO [AUTHENTICATIONFAILED] invalid credentials")
            return True
        self.user = user
        self.send(f"{tag} OK [CAPABILITY {CAPABILITIES}] logged in")
        return True

    def cmd_list(self, tag: str, args: list[str]) -> bool:
        pattern = _unquote(args[1]) if len(args) > 1 else "*"
        regex = re.compile(
            "^" + re.escape(pattern).replace(r"\*", ".*").replace("%", "[^/]*") + "$"
        )
        with self.server.mailbox.lock:
            names = list(self.server.mailbox.folders)
        for name in names:
            if regex.match(name):
                self.send(f'* LIST () "/" {_quote(name)}')
        self.send(f"{tag} OK LIST completed")
        return True

    def cmd_create(self, tag: str, args: list[str]) -> bool:
        name = _unquote(args[0])
        if not name or not self.server.mailbox.create(name):
            self.send(f"{tag} NO [ALREADYEXISTS] {name} exists already")
        else:
            self.send(f"{tag} OK CREATE completed")
        return True

    def _open(self, tag: str, args: list[str], read_only: bool) -> bool:
        folder = self.server.mailbox.find(_unquote(args[0]))
        if folder is None:
            self.folder = None
            self.send(f"{tag} NO [NONEXISTENT] no such folder")
            return True
        self.folder, self.read_only = folder, read_only
        with self.server.mailbox.lock:
            exists, validity, uid_next = len(folder.messages), folder.uid_validity, folder.uid_next
        self.send(r"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)")
        self.send(f"* {exists} EXISTS")
        self.send("* 0 RECENT")
        self.send(f"* OK [UIDVALIDITY {validity}] UIDs valid")
        self.send(f"* OK [UIDNEXT {uid_next}] predicted next UID")
        mode = "READ-ONLY" if read_only else "READ-WRITE"
        self.send(f"{tag} OK [{mode}] {'EXAMINE' if read_only else 'SELECT'} completed")
        return True

    def cmd_select(self, tag: str, args: list[str]) -> bool:
        return self._open(tag, args, read_only=False)

    def cmd_examine(self, tag: str, args: list[str]) -> bool:
        return self._open(tag, args, read_only=True)

    def cmd_unselect(self, tag: str, args: list[str]) -> bool:
        self.folder = None
        self.send(f"{tag} OK UNSELECT completed")
        return True

    def cmd_close(self, tag: str, args: list[str]) -> bool:
        if self.folder is not None and not self.read_only:
            self.server.mailbox.expunge(self.folder)
        self.folder = None
        self.send(f"{tag} OK CLOSE completed")
        return True

    def _selected(self, uids: set[int] | None = None) -> Iterator[tuple[int, StoredMessage]]:
        """(sequence number, message) of the open folder, in order."""
        assert self.folder is not None
        with self.server.mailbox.lock:
            listed = list(self.folder.messages)
        for number, message in enumerate(listed, start=1):
            if uids is None or message.uid in uids:
                yield number, message

    def _highest(self) -> int:
        assert self.folder is not None
        with self.server.mailbox.lock:
            return self.folder.messages[-1].uid if self.folder.messages else 0

    def cmd_uid_search(self, tag: str, args: list[str]) -> bool:
        words = [a.upper() for a in args]
        uids: set[int] | None = None
        if words and words[0] == "UID":
            uids = _uid_set(args[1], self._highest())
        found = [
            m.uid
            for _n, m in self._selected(uids)
            if not ("UNDELETED" in words and "\\Deleted" in m.flags)
            and not ("UNSEEN" in words and "\\Seen" in m.flags)
        ]
        self.send("* SEARCH" + "".join(f" {u}" for u in found))
        self.send(f"{tag} OK SEARCH completed")
        return True

    def cmd_uid_fetch(self, tag: str, args: list[str]) -> bool:
        uids = _uid_set(args[0], self._highest())
        items = " ".join(args[1:]).strip("()").upper().split()
        with_body = any(i.startswith(("BODY", "RFC822")) and i != "RFC822.SIZE" for i in items)
        drop = with_body and self.server.take_drop()
        sent = 0
        for number, message in self._selected(uids):
            parts = [f"UID {message.uid}"]
            literal: bytes | None = None
            for item in items:
                if item == "FLAGS":
                    parts.append("FLAGS (" + " ".join(sorted(message.flags)) + ")")
                elif item == "INTERNALDATE":
                    parts.append(f'INTERNALDATE "{_internal_date(message.internal_date)}"')
                elif item == "RFC822.SIZE":
                    parts.append(f"RFC822.SIZE {len(message.raw)}")
                elif item in ("BODY[]", "BODY.PEEK[]", "RFC822"):
                    literal = message.raw
                    name = "RFC822" if item == "RFC822" else "BODY[]"
                    parts.append(f"{name} {{{len(literal)}}}")
                    if item != "BODY.PEEK[]" and not self.read_only:
                        with self.server.mailbox.lock:
                            message.flags.add("\\Seen")
            head = f"* {number} FETCH (" + " ".join(parts)
            if literal is None:
                self.send(head + ")")
                continue
            if drop and sent >= 1:  # half of the second body, then the line goes dead
                self.wfile.write(head.encode() + b"\r\n" + literal[: len(literal) // 2])
                self.wfile.flush()
                self.connection.close()
                raise _Dropped
            self.wfile.write(head.encode() + b"\r\n" + literal + b")\r\n")
            sent += 1
        if drop and sent >= 1:  # only one message: drop before the completion
            self.connection.close()
            raise _Dropped
        self.send(f"{tag} OK FETCH completed")
        return True

    def cmd_uid_store(self, tag: str, args: list[str]) -> bool:
        uids = _uid_set(args[0], self._highest())
        mode = args[1].upper()
        flags = set(" ".join(args[2:]).strip("()").split())
        if self.read_only:
            self.send(f"{tag} NO folder is read-only")
            return True
        for number, message in self._selected(uids):
            with self.server.mailbox.lock:
                if mode.startswith("+"):
                    message.flags |= flags
                elif mode.startswith("-"):
                    message.flags -= flags
                else:
                    message.flags = set(flags)
            if not mode.endswith(".SILENT"):
                shown = " ".join(sorted(message.flags))
                self.send(f"* {number} FETCH (UID {message.uid} FLAGS ({shown}))")
        self.send(f"{tag} OK STORE completed")
        return True

    def _copy(self, tag: str, args: list[str]) -> tuple[list[int], Folder] | None:
        assert self.folder is not None
        dest = self.server.mailbox.find(_unquote(args[1]))
        if dest is None:
            self.send(f"{tag} NO [TRYCREATE] no such folder")
            return None
        uids = sorted(_uid_set(args[0], self._highest()))
        pairs = self.server.mailbox.copy(self.folder, uids, dest)
        if pairs:
            old = ",".join(str(a) for a, _b in pairs)
            new = ",".join(str(b) for _a, b in pairs)
            self.last_copyuid = f"COPYUID {dest.uid_validity} {old} {new}"
        else:
            self.last_copyuid = ""
        return [a for a, _b in pairs], dest

    def cmd_uid_copy(self, tag: str, args: list[str]) -> bool:
        if self._copy(tag, args) is not None:
            code = f"[{self.last_copyuid}] " if self.last_copyuid else ""
            self.send(f"{tag} OK {code}COPY completed")
        return True

    def cmd_uid_move(self, tag: str, args: list[str]) -> bool:
        if self.read_only:
            self.send(f"{tag} NO folder is read-only")
            return True
        copied = self._copy(tag, args)
        if copied is None:
            return True
        moved, _dest = copied
        assert self.folder is not None
        if self.last_copyuid:
            self.send(f"* OK [{self.last_copyuid}] moved")
        with self.server.mailbox.lock:
            for message in self.folder.messages:
                if message.uid in set(moved):
                    message.flags.add("\\Deleted")
        for number in self.server.mailbox.expunge(self.folder, set(moved)):
            self.send(f"* {number} EXPUNGE")
        self.send(f"{tag} OK MOVE completed")
        return True

    def _expunge(self, tag: str, uids: set[int] | None) -> bool:
        assert self.folder is not None
        if self.read_only:
            self.send(f"{tag} NO folder is read-only")
            return True
        for number in self.server.mailbox.expunge(self.folder, uids):
            self.send(f"* {number} EXPUNGE")
        self.send(f"{tag} OK EXPUNGE completed")
        return True

    def cmd_expunge(self, tag: str, args: list[str]) -> bool:
        return self._expunge(tag, None)

    def cmd_uid_expunge(self, tag: str, args: list[str]) -> bool:
        return self._expunge(tag, _uid_set(args[0], self._highest()))

    COMMANDS: dict[str, Any] = {
        "CAPABILITY": cmd_capability,
        "NOOP": cmd_noop,
        "LOGOUT": cmd_logout,
        "LOGIN": cmd_login,
        "LIST": cmd_list,
        "CREATE": cmd_create,
        "SELECT": cmd_select,
        "EXAMINE": cmd_examine,
        "UNSELECT": cmd_unselect,
        "CLOSE": cmd_close,
        "EXPUNGE": cmd_expunge,
        "UID SEARCH": cmd_uid_search,
        "UID FETCH": cmd_uid_fetch,
        "UID STORE": cmd_uid_store,
        "UID COPY": cmd_uid_copy,
        "UID MOVE": cmd_uid_move,
        "UID EXPUNGE": cmd_uid_expunge,
    }


class ImapServer(socketserver.ThreadingTCPServer):
    """IMAPS on 127.0.0.1, a port the OS picks; one thread per connection."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, mailbox: Mailbox, context: ssl.SSLContext, *, username: str, password: str
    ) -> None:
        super().__init__((HOST, 0), ImapSession)
        self.mailbox = mailbox
        self.context = context
        self.username, self.password = username, password
        self.sessions_opened = 0
        self._drops = 0
        self._drop_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"imaps://{HOST}:{self.port}"

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        # the handshake happens on the session's own thread, at its first read or write
        wrapped = self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return wrapped, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up mid-handshake is not the server's problem

    def drop_mid_fetch(self, times: int = 1) -> None:
        """The next ``times`` body fetches drop the connection halfway."""
        with self._drop_lock:
            self._drops = times

    def take_drop(self) -> bool:
        with self._drop_lock:
            if self._drops <= 0:
                return False
            self._drops -= 1
            return True

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.1}, name="sandbox-imap"
        )
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)
        if self._thread.is_alive():
            raise SandboxError("The sandbox IMAP server did not stop.")
        self._thread = None
