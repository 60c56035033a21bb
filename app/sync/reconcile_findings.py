"""What reconciling a flow reports: each record's finding (only in the source, only in
the destination, different — with the field differences), the comparison they make up,
and how far a comparison has got while it runs."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.sync.compare import FieldDiff

GROUPS = ("only_in_source", "only_in_destination", "different")
GROUP_WORDS = {
    "only_in_source": "Only in the source",
    "only_in_destination": "Only in the destination",
    "different": "Different",
    "same": "The same",
}


@dataclass
class Finding:
    group: str  # only_in_source | only_in_destination | different
    key: str  # the source record key ('' when only in the destination and unknown)
    dest_id: str  # the destination's id ('' when only in the source and never linked)
    golden_id: str | None
    diffs: list[FieldDiff] = field(default_factory=list)
    note: str = ""
    source: dict[str, Any] | None = None  # the source row, for the record's timeline

    @property
    def fields_text(self) -> str:
        return "; ".join(d.field for d in self.diffs)


@dataclass
class Comparison:
    """What comparing the two sides found (before it is recorded)."""

    method: str = "list"  # list | lookup
    entity: str = "record"  # the source stream's entity (outcomes are filed under it)
    findings: list[Finding] = field(default_factory=list)
    same: int = 0
    source_count: int = 0
    dest_count: int = 0
    field_counts: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    withheld: int = 0  # source records of people erased here: left out, never reported

    def count(self, group: str) -> int:
        return sum(1 for f in self.findings if f.group == group)


@dataclass
class ReconcileProgress:
    flow: str
    phase: str = "starting"  # reading destination | reading source | looking up | done
    dest_read: int = 0
    source_read: int = 0
    found: int = 0
    started: float = field(default_factory=time.monotonic)

    def line(self) -> str:
        return (
            f"{self.flow}: {self.phase} · destination {self.dest_read:,} · source "
            f"{self.source_read:,} · differences {self.found:,}"
        )


ProgressFn = Callable[[ReconcileProgress], None]


def source_keys_of(findings: Sequence[Finding], groups: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(f.key for f in findings if f.group in groups and f.key))
