"""Storage faults in plain words: a read-only data folder or database, a full disk, a
damaged database file, a disk that fails to read or write.

``storage_problem(exc)`` turns such an error -- SQLite's own (``sqlite3.Error``), the
same wrapped by SQLAlchemy (its ``.orig``), or the operating system's (``OSError``) --
into a ``StorageError`` whose message says what happened and what to do; anything else
answers None (a bug, for the crash handler). ``Store.session`` raises these for every
unit of work, so the engine, the services and the command line all see the same words.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from app.store.errors import StoreError


class StorageError(StoreError):
    """The data folder or the database cannot be read or written as needed."""


class DiskFullError(StorageError):
    """No space left (or the file-size limit reached) where the data folder is."""


class ReadOnlyError(StorageError):
    """The database or the data folder may not be written."""


class DamagedDatabaseError(StorageError):
    """The database file is not a database, or parts of it are damaged."""


_FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_READONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}


def _sqlite_error(exc: BaseException) -> sqlite3.Error | None:
    if isinstance(exc, sqlite3.Error):
        return exc
    orig = getattr(exc, "orig", None)  # SQLAlchemy's DBAPIError keeps the driver's error
    return orig if isinstance(orig, sqlite3.Error) else None


def _os_error(exc: BaseException) -> OSError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError):
            return current
        current = current.__cause__ or current.__context__
    return None


def storage_problem(exc: BaseException, database: Path | None = None) -> StorageError | None:
    """The storage fault behind ``exc`` in plain words, or None when it is not one."""
    if isinstance(exc, StorageError):
        return exc
    where = str(database) if database else "the database"
    folder = str(database.parent) if database else "the data folder"
    sql = _sqlite_error(exc)
    if sql is not None:
        text = str(sql).lower()
        if "readonly" in text or "read-only" in text:
            return ReadOnlyError(
                f"The database {where} is read-only: Rooftop Sync cannot save anything.",
                hint=f"Check that this Windows user may change the files in {folder} and "
                "that rooftop.db is not marked read-only, then try again.",
            )
        if "disk is full" in text or "database or disk is full" in text:
            return _full(folder)
        if "malformed" in text or "not a database" in text or "file is encrypted" in text:
            return DamagedDatabaseError(
                f"The database file {where} is damaged ({sql}).",
                hint=f"Restore a copy from {folder}/backups (the newest that opens), or move "
                "rooftop.db aside to start with an empty store.",
            )
        if "disk i/o error" in text and "WRITE" in str(getattr(sql, "sqlite_errorname", "")):
            return DiskFullError(
                f"The disk could not write {where}: it is probably full (or failing).",
                hint=_FULL_HINT,
            )
        if "disk i/o error" in text:
            return StorageError(
                f"The disk could not read or write {where} ({sql}).",
                hint="Check the disk (or the network share) holding the data folder.",
            )
        if "unable to open database file" in text:
            return StorageError(
                f"The database {where} cannot be opened ({sql}).",
                hint=f"Check that {folder} exists and this Windows user may change it.",
            )
        return None
    os_error = _os_error(exc)
    if os_error is None:
        return None
    name = os_error.filename or folder
    if os_error.errno in _FULL_ERRNOS:
        return _full(str(Path(str(name)).parent) if os_error.filename else folder)
    if os_error.errno in _READONLY_ERRNOS:
        return ReadOnlyError(
            f"Rooftop Sync may not write {name}: {os_error.strerror or os_error}.",
            hint="Check that this Windows user may change the files of the data folder.",
        )
    if os_error.errno in (errno.EEXIST, errno.ENOTDIR, errno.EIO, errno.ENOENT, errno.EISDIR):
        return StorageError(
            f"Rooftop Sync cannot use {name}: {os_error.strerror or os_error}.",
            hint="Check the data folder: every entry in it must be the kind of file or "
            "folder Rooftop Sync made there.",
        )
    return None


_FULL_HINT = (
    "Free some space (or move the data folder to a bigger disk), then run again: a run "
    "that stopped resumes where it stopped, and nothing is sent twice."
)


def _full(folder: str) -> DiskFullError:
    return DiskFullError(
        f"The disk holding {folder} is full: Rooftop Sync cannot save anything more.",
        hint=_FULL_HINT,
    )
