"""The messages of the demo dealership's lead mailbox, in folders, as an IMAP server keeps
them: each folder has a UIDVALIDITY and hands out ascending UIDs; a message has flags and
the time it arrived. Thread-safe: the SMTP side delivers while IMAP sessions read."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

INBOX = "INBOX"


@dataclass
class StoredMessage:
    uid: int
    raw: bytes
    internal_date: float
    flags: set[str] = field(default_factory=set)


@dataclass
class Folder:
    name: str
    uid_validity: int
    uid_next: int = 1
    messages: list[StoredMessage] = field(default_factory=list)

    def add(self, raw: bytes, when: float, flags: set[str] | None = None) -> StoredMessage:
        message = StoredMessage(self.uid_next, raw, when, set(flags or ()))
        self.uid_next += 1
        self.messages.append(message)
        return message


class Mailbox:
    """Folders by name (INBOX always exists); ``lock`` guards every change."""

    def __init__(self, uid_validity: int | None = None) -> None:
        self.lock = threading.RLock()
        self._validity = uid_validity or int(time.time())
        self.folders: dict[str, Folder] = {}
        self.create(INBOX)

    def create(self, name: str) -> bool:
        """Make a folder; False when it exists already."""
        with self.lock:
            if self.find(name) is not None:
                return False
            self._validity += 1
            self.folders[name] = Folder(name, self._validity)
            return True

    def find(self, name: str) -> Folder | None:
        """A folder by name (INBOX in any case, like IMAP)."""
        with self.lock:
            if name.upper() == INBOX:
                name = INBOX
            return self.folders.get(name)

    def deliver(self, raw: bytes, folder: str = INBOX) -> int:
        """A message arrives (from the SMTP side); returns its UID."""
        with self.lock:
            target = self.find(folder)
            if target is None:
                raise KeyError(folder)
            return target.add(raw, time.time()).uid

    def copy(self, source: Folder, uids: list[int], dest: Folder) -> list[tuple[int, int]]:
        """Copy messages (flags and arrival time kept); (old uid, new uid) pairs."""
        with self.lock:
            pairs = []
            for message in [m for m in source.messages if m.uid in set(uids)]:
                copied = dest.add(message.raw, message.internal_date, message.flags - {"\\Recent"})
                pairs.append((message.uid, copied.uid))
            return pairs

    def expunge(self, folder: Folder, uids: set[int] | None = None) -> list[int]:
        """Remove messages flagged \\Deleted (only those ``uids`` when given); returns
        their sequence numbers, highest first adjusted as IMAP reports them."""
        with self.lock:
            gone: list[int] = []
            kept: list[StoredMessage] = []
            for message in folder.messages:
                wanted = uids is None or message.uid in uids
                if wanted and "\\Deleted" in message.flags:
                    gone.append(len(kept) + 1)  # its sequence number after earlier removals
                else:
                    kept.append(message)
            folder.messages = kept
            return gone

    def clear(self) -> None:
        """Every folder but an empty INBOX gone (a fresh mailbox; UIDs keep growing)."""
        with self.lock:
            inbox = self.folders[INBOX]
            inbox.messages = []
            self.folders = {INBOX: inbox}

    def messages(self, name: str = INBOX) -> list[StoredMessage]:
        """A snapshot of a folder's messages (empty when it does not exist)."""
        with self.lock:
            folder = self.find(name)
            return list(folder.messages) if folder is not None else []
