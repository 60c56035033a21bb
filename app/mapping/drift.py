"""Schema drift: what changed in a system's field list since the mapping was saved, the
likely fix (a removed field that looks renamed), and whether a run must stop. Pure.

A snapshot is taken from the stream's declared fields plus, for a source, what the first
chunk of a run actually held: how full each field was and a few sample values. Connectors
that always return their declared columns show a removed or renamed field as a column
that is suddenly empty in every record — that counts as removed here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from rapidfuzz import fuzz

from app.mapping.model import Mapping
from app.mapping.names import key

MIN_ROWS = 20  # fewer records than this say nothing about how full a field is
WAS_FILLED = 0.5  # "was in use": filled in at least half the records


@dataclass(frozen=True)
class FieldInfo:
    name: str
    kind: str = "string"
    required: bool = False
    filled: float | None = None  # share of non-empty values; None = not observed
    samples: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "required": self.required,
            "filled": self.filled,
            "samples": list(self.samples),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> FieldInfo:
        return cls(
            str(d["name"]),
            str(d.get("kind", "string")),
            bool(d.get("required", False)),
            d.get("filled"),
            tuple(str(s) for s in d.get("samples") or ()),
        )


@dataclass(frozen=True)
class Snapshot:
    fields: tuple[FieldInfo, ...]
    rows: int = 0  # records observed (0 = declared fields only)

    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def get(self, name: str) -> FieldInfo | None:
        return next((f for f in self.fields if f.name == name), None)

    def signature(self) -> list[tuple[str, str, bool, bool]]:
        """What must change for a new snapshot to be stored (not the exact fill rates)."""
        return [(f.name, f.kind, f.required, self.in_use(f)) for f in self.fields]

    def in_use(self, f: FieldInfo) -> bool:
        return self.rows < MIN_ROWS or f.filled is None or f.filled > 0

    def to_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "fields": [f.to_json() for f in self.fields]}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Snapshot:
        return cls(
            tuple(FieldInfo.from_json(f) for f in d.get("fields") or ()), int(d.get("rows", 0))
        )


def snapshot_of(
    declared: list[tuple[str, str, bool]], frame: pd.DataFrame | None = None, samples: int = 5
) -> Snapshot:
    """Declared (name, kind, required) fields, plus what ``frame`` shows: extra columns it
    has, how full each column is, and up to ``samples`` distinct sample values."""
    kinds = {n: (k, r) for n, k, r in declared}
    names = [n for n, _k, _r in declared]
    if frame is not None:
        names += [str(c) for c in frame.columns if str(c) not in kinds]
    rows = 0 if frame is None else len(frame)
    out = []
    for name in names:
        kind, required = kinds.get(name, ("string", False))
        filled: float | None = None
        sample: tuple[str, ...] = ()
        if frame is not None and name in frame.columns and rows:
            col = frame[name].astype(object).fillna("").astype(str)
            nonempty = col[col.str.strip().ne("")]
            filled = round(len(nonempty) / rows, 3)
            sample = tuple(str(v)[:60] for v in pd.unique(nonempty)[:samples])
        out.append(FieldInfo(name, kind, required, filled, sample))
    return Snapshot(tuple(out), rows)


@dataclass(frozen=True)
class Change:
    field: str
    change: str  # added | removed | emptied | type_changed
    detail: str
    suggestion: str | None = None  # the field it was probably renamed to

    @property
    def gone(self) -> bool:
        return self.change in ("removed", "emptied")


@dataclass
class Drift:
    changes: list[Change] = field(default_factory=list)

    def of(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.change == kind]

    def gone(self) -> list[Change]:
        return [c for c in self.changes if c.gone]

    def __bool__(self) -> bool:
        return bool(self.changes)


def _value_overlap(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """How alike two fields' sample values are (shared values, else similar shapes)."""
    if not a or not b:
        return 0.0
    shared = len(set(a) & set(b)) / min(len(set(a)), len(set(b)))
    shape = fuzz.ratio(_shape(a), _shape(b)) / 100
    return max(shared, shape * 0.8)


def _shape(values: tuple[str, ...]) -> str:
    """'(313) 555-0142' -> '(999) 999-9999': what a field's values look like."""
    trans = str.maketrans("0123456789", "9999999999")
    return "|".join(sorted({v.translate(trans)[:20] for v in values})[:5])


def rename_candidates(
    name: str,
    candidates: list[str],
    old_samples: tuple[str, ...] = (),
    samples: dict[str, tuple[str, ...]] | None = None,
    threshold: float = 0.55,
) -> list[tuple[str, float]]:
    """Fields that ``name`` was probably renamed to, best first, with a 0..1 score from the
    names and (when known) the sample values."""
    samples = samples or {}
    out = []
    for cand in candidates:
        by_name = fuzz.token_set_ratio(key(name), key(cand)) / 100
        score = by_name
        if old_samples and samples.get(cand):
            by_value = _value_overlap(old_samples, samples[cand])
            score = max(0.5 * by_name + 0.5 * by_value, by_value * 0.9, min(by_name, 0.9))
        if score >= threshold:
            out.append((cand, round(score, 2)))
    return sorted(out, key=lambda x: -x[1])


def compare(baseline: Snapshot, current: Snapshot) -> Drift:
    """Fields added, removed, emptied or changed in type from ``baseline`` to ``current``."""
    before = {f.name: f for f in baseline.fields}
    after = {f.name: f for f in current.fields}
    changes: list[Change] = []
    observed = baseline.rows >= MIN_ROWS and current.rows >= MIN_ROWS
    added = [n for n in after if n not in before]
    # fields that came into use: the other half of a rename behind fixed columns
    woke = [
        n
        for n in after
        if n in before
        and observed
        and (before[n].filled or 0) == 0
        and (after[n].filled or 0) >= WAS_FILLED
    ]
    new_names = added + woke
    new_samples = {n: after[n].samples for n in new_names}
    for name, old in before.items():
        new = after.get(name)
        emptied = (
            new is not None
            and observed
            and (old.filled or 0) >= WAS_FILLED
            and new.filled is not None
            and new.filled == 0
        )
        if new is not None and not emptied:
            if new.kind != old.kind:
                changes.append(Change(name, "type_changed", f"was {old.kind}, now {new.kind}"))
            continue
        guess = rename_candidates(name, new_names, old.samples, new_samples)
        if new is None:
            detail = "no longer in the field list"
        else:
            detail = f"empty in all {current.rows} records read (was filled in {old.filled:.0%})"
        changes.append(
            Change(name, "emptied" if new else "removed", detail, guess[0][0] if guess else None)
        )
    for name in added:
        changes.append(Change(name, "added", "new field"))
    return Drift(changes)


def blocking(mapping: Mapping, drift: Drift, columns: list[str] | None = None) -> list[Change]:
    """The changes that must stop a run: a field the mapping reads is gone or empty."""
    used = mapping.source_fields()
    out = [c for c in drift.gone() if c.field in used]
    if columns is not None:
        seen = {c.field for c in out}
        for name in sorted(used - set(columns) - seen):
            guess = rename_candidates(name, [c for c in columns if c not in used])
            out.append(Change(name, "removed", "not in the data", guess[0][0] if guess else None))
    return out


def blocking_message(changes: list[Change], side: str = "source") -> str:
    parts = []
    for c in changes:
        text = f"'{c.field}' ({c.detail})"
        if c.suggestion:
            text += f" — it looks renamed to '{c.suggestion}'"
        parts.append(text)
    return (
        f"The mapping reads field(s) the {side} no longer fills: "
        + "; ".join(parts)
        + ". The run was stopped so no record is sent with blanks. Open Mappings, fix the "
        "rule (use the suggested field or remove it) and save."
    )
