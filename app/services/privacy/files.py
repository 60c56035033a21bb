"""A person in the data folder's files: the log files, the sync log's archives, exports.

- log files (``logs/rooftop.log*``): their e-mails, phones, names and ids replaced by
  ``[erased]`` in place (the file the app is writing to stays the same file);
- sync log archives (``*.jsonl.gz`` written by retention): their lines dropped, the
  archive rewritten under a temporary name and renamed over the old one;
- exports (``exports/``): an access-request export of theirs deleted; in other text
  exports their lines dropped; a file that cannot be edited (a spreadsheet) that holds
  them is reported, for the admin to delete;
- leads received by HTTP POST, kept in an ADF inbox's spool folder: theirs deleted.

Database backups are not opened: they age out on the date in their names, and the
tombstones keep a restored one from sending the person anywhere.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.services.privacy.scrub import Scrubber

TEXT_SUFFIXES = (".csv", ".txt", ".json", ".jsonl", ".log", ".tsv")


@dataclass
class FileReport:
    changed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # holds them; the admin must delete it


def _rewrite_in_place(path: Path, scrub: Callable[[str], str]) -> bool:
    """Same file, same inode: a log handler appending to it goes on appending."""
    with path.open("r+", encoding="utf-8", errors="surrogateescape", newline="") as fh:
        before = fh.read()
        after = scrub(before)
        if after == before:
            return False
        fh.seek(0)
        fh.write(after)
        fh.truncate()
        fh.flush()
        os.fsync(fh.fileno())
    return True


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.erasing")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def logs(folder: Path, scrubber: Scrubber, report: FileReport) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.log*")):
        if path.is_file() and _rewrite_in_place(path, scrubber):
            report.changed.append(str(path))


def archives(folders: list[Path], scrubber: Scrubber, report: FileReport) -> None:
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.jsonl.gz")):
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                lines = fh.readlines()
            kept = [line for line in lines if not scrubber.touches(line)]
            if len(kept) == len(lines):
                continue
            _replace(path, gzip.compress("".join(kept).encode("utf-8")))
            report.changed.append(str(path))


def exports(folder: Path, scrubber: Scrubber, report: FileReport, own_prefix: str) -> None:
    if not folder.is_dir():
        return
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        textual = path.suffix.lower() in TEXT_SUFFIXES
        content = data.decode("utf-8", "replace") if textual else _zip_text(data)
        if not scrubber.touches(content):
            continue
        if path.name.startswith(own_prefix) or not textual:
            if path.name.startswith(own_prefix):
                path.unlink()
                report.deleted.append(str(path))
            else:
                report.left.append(str(path))
            continue
        kept = [line for line in content.splitlines(keepends=True) if not scrubber.touches(line)]
        _replace(path, "".join(kept).encode("utf-8"))
        report.changed.append(str(path))


def lead_spools(folders: list[Path], scrubber: Scrubber, report: FileReport) -> None:
    """Leads received by HTTP POST (an ADF inbox's spool, ``incoming/`` and ``processed/``):
    a lead of theirs is deleted with the note beside it. Its record is in the database
    (erased there); one still waiting is withheld on read anyway, so nothing is lost that
    was not theirs."""
    for folder in folders:
        for part in ("incoming", "processed"):
            place = folder / part
            if not place.is_dir():
                continue
            for path in sorted(place.glob("*.xml")):
                text = path.read_bytes().decode("utf-8", "replace")
                if not scrubber.touches(text):
                    continue
                path.unlink()
                report.deleted.append(str(path))
                note = path.with_suffix(".json")
                if note.exists():
                    note.unlink()


def _zip_text(data: bytes) -> str:
    """The text inside a zip-based file (a spreadsheet), to know whether it holds them."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    except (zipfile.BadZipFile, OSError, KeyError):
        return data.decode("latin-1")
