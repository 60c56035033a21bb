"""Find a value in the files of a folder (to prove a secret never reached the disk)."""

from __future__ import annotations

from pathlib import Path


def files_containing(folder: Path, needle: str) -> list[Path]:
    """Every file under ``folder`` whose bytes contain ``needle`` (utf-8 or utf-16)."""
    hits = []
    patterns = [needle.encode("utf-8"), needle.encode("utf-16-le")]
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(p in data for p in patterns):
                hits.append(path)
    return hits
