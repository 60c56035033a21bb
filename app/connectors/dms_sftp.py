"""DMS extracts picked up from an SFTP folder (the connection is ``sftp_client``'s).

A poll lists the folder and keeps the regular files whose names match the pattern. It
looks at them twice, ``settle_s`` apart: a file whose size or modification time changed
in between is being written, and is left for the next poll (with "all files", so are the
files after it in name order: delta extracts apply in order); an empty file is not an
extract yet and is left alone. The others are downloaded into a work folder (a file that
changes while it downloads is dropped and left too), and only then handed to the CSV
reader: never half a file.

Nothing on the server changes while a run reads. ``move_processed`` -- called once the
run has committed -- moves each file the run read (and, when only the newest file is read,
the older ones it supersedes) into ``processed/`` under the folder, creating it if needed.
A run that fails or is killed before it commits moves nothing, so the next run picks the
same files up again; a file already in ``processed/`` under that name is kept, and the
new one gets a numbered name beside it.
"""

from __future__ import annotations

import contextlib
import logging
import posixpath
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app.connectors.base import CheckResult
from app.connectors.errors import ConnectorError
from app.connectors.sftp_client import PinHostKey, SftpSession, SftpSettings

if TYPE_CHECKING:
    from app.connectors.dms_file import DmsFileConnector

log = logging.getLogger(__name__)
PROCESSED = "processed"
HEAD_BYTES = 64 * 1024  # what "Test connection" reads of the newest file
_STALE_S = 24 * 3600  # work folders a killed run left behind are removed after a day


@dataclass(frozen=True)
class RemoteFile:
    name: str
    size: int
    mtime: int


@dataclass
class Poll:
    """What one poll found: files to read (downloaded), files it will move after the
    commit, and files left for the next poll because they were still being written."""

    local: list[Path] = field(default_factory=list)
    to_move: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)


class SftpPickup:
    """Extract files on an SFTP server for one run: ``poll`` downloads what is complete,
    ``move_processed`` moves what the run read once it committed."""

    def __init__(
        self,
        settings: SftpSettings,
        *,
        matches: Callable[[str], bool],
        newest_only: bool,
        settle_s: float,
        work_dir: Path | None,
        pin: PinHostKey | None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.matches = matches
        self.newest_only = newest_only
        self.settle_s = settle_s
        self.work_root = work_dir
        self.pin = pin
        self.sleep = sleep  # between the two looks; tests replace it
        self.poll_result = Poll()
        self._local_dir: Path | None = None

    @property
    def folder(self) -> str:
        return self.settings.folder or "."

    def session(self) -> SftpSession:
        return SftpSession(
            self.settings, pin=self.pin, nothing_done="Nothing was downloaded or moved."
        )

    def waiting(self, session: SftpSession) -> list[RemoteFile]:
        """Regular files in the folder whose names match, by name."""
        try:
            entries = session.client.listdir_attr(self.folder)
        except OSError as exc:
            raise ConnectorError(
                f"The SFTP folder '{self.folder}' cannot be listed: {exc}.",
                hint="Check the folder name and that this user may read it.",
            ) from exc
        found = [
            RemoteFile(e.filename, int(e.st_size or 0), int(e.st_mtime or 0))
            for e in entries
            if e.st_mode is not None and stat.S_ISREG(e.st_mode) and self.matches(e.filename)
        ]
        return sorted(found, key=lambda f: f.name.lower())

    # --- a run's read ------------------------------------------------------------------
    def poll(self) -> list[Path]:
        """Download the complete matching files; the local copies, in reading order."""
        result = Poll()
        with self.session() as session:
            first = {f.name: f for f in self.waiting(session) if f.size}
            if first:
                self.sleep(self.settle_s)
            second = [f for f in self.waiting(session) if f.size] if first else []
            if self.newest_only:
                complete = [f for f in second if first.get(f.name) == f]
                chosen = [max(complete, key=_key)] if complete else []
                # the older complete files are superseded by the newest one
                result.to_move = [f.name for f in complete if f not in chosen]
            else:
                # delta extracts apply in name order: one still changing holds back the rest
                changing = next((n for n, f in enumerate(second) if first.get(f.name) != f), None)
                chosen = second[:changing]
            result.left = [
                f.name for f in second if f not in chosen and f.name not in result.to_move
            ]
            for remote in chosen:
                local = self._download(session, remote)
                if local is None:  # it changed while it downloaded: it and the rest wait
                    result.left += [f.name for f in chosen[chosen.index(remote) :]]
                    if self.newest_only:
                        result.to_move = []  # nothing read supersedes them this time
                    break
                result.local.append(local)
                result.to_move.append(remote.name)
        if result.left:
            log.info(
                "SFTP %s: left for the next poll (still changing): %s", self.folder, result.left
            )
        self.poll_result = result
        return list(result.local)

    def _work_dir(self) -> Path:
        if self._local_dir is None:
            if self.work_root is None:
                self._local_dir = Path(tempfile.mkdtemp(prefix="rooftop-extracts-"))
            else:
                self.work_root.mkdir(parents=True, exist_ok=True)
                _remove_stale(self.work_root)
                self._local_dir = Path(tempfile.mkdtemp(prefix="run-", dir=self.work_root))
        return self._local_dir

    def _download(self, session: SftpSession, remote: RemoteFile) -> Path | None:
        """The file's local copy, or None when it changed while it downloaded."""
        target = self._work_dir() / remote.name
        part = target.with_name(target.name + ".part")
        path = posixpath.join(self.folder, remote.name)
        try:
            session.client.get(path, str(part))
            after = session.client.stat(path)
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise ConnectorError(f"Could not download {path} from SFTP: {exc}.") from exc
        now = RemoteFile(remote.name, int(after.st_size or 0), int(after.st_mtime or 0))
        if now != remote or part.stat().st_size != remote.size:
            part.unlink(missing_ok=True)
            return None
        part.replace(target)
        return target

    def forget(self) -> None:
        """Move nothing after the commit (the run read the files for another purpose)."""
        self.poll_result.to_move = []

    def discard_downloads(self) -> None:
        if self._local_dir is not None:
            shutil.rmtree(self._local_dir, ignore_errors=True)
            self._local_dir = None

    # --- after the commit --------------------------------------------------------------
    def move_processed(self) -> list[str]:
        """Move what the last poll read into ``processed/``; the new remote paths."""
        names, self.poll_result.to_move = self.poll_result.to_move, []
        if not names:
            return []
        moved: list[str] = []
        failed: list[str] = []
        target_dir = posixpath.join(self.folder, PROCESSED)
        again = "They stay where they are and are read again next time (nothing is sent twice)."
        with self.session() as session:
            client = session.client
            try:
                try:
                    client.stat(target_dir)
                except OSError:
                    with contextlib.suppress(OSError):  # another run may make it meanwhile
                        client.mkdir(target_dir)
                taken = set(client.listdir(target_dir))  # refused if it is no folder
            except OSError as exc:
                raise ConnectorError(
                    f"Could not open or create {target_dir} on the SFTP server for "
                    f"{', '.join(names)}: {exc}. {again}"
                ) from exc
            for name in names:
                dest = _free_name(name, taken)
                try:
                    client.rename(
                        posixpath.join(self.folder, name), posixpath.join(target_dir, dest)
                    )
                except OSError as exc:
                    failed.append(f"{name} ({exc})")
                    continue
                taken.add(dest)
                moved.append(posixpath.join(target_dir, dest))
        if failed:
            raise ConnectorError(f"Could not move {', '.join(failed)} to {target_dir}. {again}")
        return moved

    # --- Test connection ---------------------------------------------------------------
    def head(self, session: SftpSession, remote: RemoteFile) -> Path:
        """The first lines of a remote file, as a local file (for the header check)."""
        path = posixpath.join(self.folder, remote.name)
        try:
            with session.client.open(path, "rb") as handle:
                data = handle.read(HEAD_BYTES)
        except OSError as exc:
            raise ConnectorError(f"Could not read {path} from SFTP: {exc}.") from exc
        if len(data) == HEAD_BYTES and b"\n" in data:
            data = data[: data.rindex(b"\n") + 1]  # whole lines only
        local = self._work_dir() / remote.name
        local.write_bytes(data)
        return local


def check_sftp(connector: DmsFileConnector) -> CheckResult:
    """Test connection: connect (pinning the host key on first use), say which key the
    server showed, and how many matching files wait; read the newest one's header."""
    pickup = connector.pickup()
    try:
        with pickup.session() as session:
            files = [f for f in pickup.waiting(session) if f.size]
            if session.pinned_now and connector.saves_learned:
                key = f"host key {session.seen_key}, pinned now (saved with the connection)"
            elif session.pinned_now:
                key = f"host key {session.seen_key}; it is pinned when you save the connection"
            else:
                key = f"host key {session.seen_key}, the pinned one"
            details = {"host_key": session.seen_key, "pinned_now": session.pinned_now}
            said = f"Connected to SFTP {session.where} ({key}). "
            if not files:
                said += f"No file matching {connector.pattern} waits in {pickup.folder} now."
                return CheckResult(True, said, details={**details, "waiting": 0})
            newest = max(files, key=_key)
            said += (
                f"{len(files)} file(s) matching {connector.pattern} wait in {pickup.folder}; "
                "the newest: "
            )
            found = connector.describe(pickup.head(session, newest), said)
        return CheckResult(
            found.ok, found.message, details={**found.details, **details, "waiting": len(files)}
        )
    except ConnectorError as exc:
        return CheckResult(False, str(exc))
    finally:
        pickup.discard_downloads()


def _key(f: RemoteFile) -> tuple[int, str]:
    return (f.mtime, f.name.lower())


def _free_name(name: str, taken: set[str]) -> str:
    """``name``, or ``stem (2).ext``, ``stem (3).ext``… when that is taken."""
    if name not in taken:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    n = 2
    while True:
        candidate = f"{stem} ({n}){dot}{ext}"
        if candidate not in taken:
            return candidate
        n += 1


def _remove_stale(root: Path) -> None:
    """Work folders a killed run left behind (a day old and more)."""
    cutoff = time.time() - _STALE_S
    for child in root.iterdir():
        with contextlib.suppress(OSError):
            if child.is_dir() and child.stat().st_mtime < cutoff:
                shutil.rmtree(child, ignore_errors=True)
