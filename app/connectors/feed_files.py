"""Atomic feed writes to a local folder or a network (UNC) share.

The feed is written under a hidden temporary name in the *same* folder, flushed to disk,
then renamed over the final name in one step (``os.replace``). A reader polling the
folder sees the old complete file or the new complete file, never a half-written one.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.connectors.errors import ConnectorError

CHUNK = 256 * 1024
ChunkHook = Callable[[int], None]  # called with bytes written so far (tests, progress)


@dataclass(frozen=True)
class DeliveryReceipt:
    """Where a feed went and what the receiver said about it."""

    location: str
    size: int
    accepted: int | None = None  # rows the receiver took, when it says
    rejected: list[dict[str, Any]] = field(default_factory=list)


def temp_name(final_name: str) -> str:
    """A hidden, unique sibling name: '.google.tsv.3f2a….part' (never the final name)."""
    return f".{final_name}.{uuid.uuid4().hex[:12]}.part"


def write_atomic(
    folder: Path, name: str, data: bytes, *, on_chunk: ChunkHook | None = None
) -> DeliveryReceipt:
    """Write ``data`` to ``folder/name`` atomically; raise ``ConnectorError`` in plain words."""
    final = folder / name
    temp = folder / temp_name(name)
    try:
        if not folder.is_dir():
            raise ConnectorError(
                f"The feed folder {folder} does not exist or is not reachable.",
                hint="Create it, or check the network share and this Windows user's access.",
            )
        with open(temp, "wb") as handle:
            for start in range(0, len(data), CHUNK):
                handle.write(data[start : start + CHUNK])
                if on_chunk is not None:
                    on_chunk(min(start + CHUNK, len(data)))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, final)  # the one step a reader can observe
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise ConnectorError(
            f"Could not write the feed to {final}: {exc.strerror or exc}.",
            hint="Check free space and that this Windows user may write to the folder.",
        ) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return DeliveryReceipt(str(final), len(data))


def probe_folder(folder: Path) -> str:
    """Check the folder is there and writable (writes and removes a probe file)."""
    if not folder.is_dir():
        raise ConnectorError(f"The folder {folder} does not exist or is not reachable.")
    probe = folder / temp_name("probe")
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ConnectorError(
            f"Rooftop Sync may not write to {folder}: {exc.strerror or exc}."
        ) from exc
    return f"The folder {folder} is reachable and writable"
