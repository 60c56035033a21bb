"""One thing wrong right now, as an alert condition sees it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    key: str  # condition:subject, e.g. run_failed:3 (the monitor tells new from still there)
    condition: str
    title: str
    detail: str
    flow_id: int | None = None
