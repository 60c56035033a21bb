"""What the editor shows: the value after each step of a rule for one sample row, and a
before/after preview of the first rows with the reason of each invalid cell."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from app.mapping.apply import MappingError, apply_mapping, run_steps, start
from app.mapping.catalog import step_label
from app.mapping.model import Mapping, Rule
from app.mapping.transforms import COMBINERS


@dataclass(frozen=True)
class TraceStep:
    label: str
    value: str
    problem: str = ""


def trace_rule(rule: Rule, row: dict[str, str]) -> list[TraceStep]:
    """The rule's input and its value after each step, for one source row."""
    missing = [s for s in rule.sources if s not in row]
    if missing:
        return [TraceStep("Source", "", f"missing field(s): {', '.join(missing)}")]
    frame = pd.DataFrame({s: [str(row.get(s, ""))] for s in rule.sources}, dtype=object)
    if not rule.sources:
        frame = pd.DataFrame(index=pd.RangeIndex(1))
    label = " + ".join(rule.sources) if rule.sources else "(no source)"
    parts = [str(row.get(s, "")) for s in rule.sources]
    shown = " | ".join(parts) if any(p.strip() for p in parts) else ""
    out = [TraceStep(label, shown)]
    try:
        current, steps = start(rule, frame)
        if len(rule.sources) > 1:
            name = rule.steps[0] if rule.steps and rule.steps[0].name in COMBINERS else None
            out.append(
                TraceStep(step_label(name) if name else "Join fields", str(current.values.iloc[0]))
            )
        for step in steps:
            current = run_steps(rule, current, [step])
            bad = current.invalid is not None and bool(current.invalid.iloc[0])
            out.append(
                TraceStep(
                    step_label(step), str(current.values.iloc[0]), current.reason if bad else ""
                )
            )
            if bad:
                break
    except MappingError as exc:
        out.append(TraceStep("Error", "", str(exc)))
    return out


@dataclass
class Preview:
    before: pd.DataFrame
    after: pd.DataFrame
    problems: dict[tuple[int, str], str] = field(default_factory=dict)  # (row, target) -> why
    failing_rows: int = 0  # rows that would be parked (an invalid or empty required field)
    error: str = ""  # the mapping cannot run at all


def preview(df: pd.DataFrame, mapping: Mapping, key_column: str, rows: int = 50) -> Preview:
    """Map the first ``rows`` rows; count over *all* of ``df`` the rows that would fail."""
    head = df.head(rows).reset_index(drop=True)
    try:
        full = apply_mapping(df.reset_index(drop=True), mapping, key_column)
    except MappingError as exc:
        return Preview(head, pd.DataFrame(index=head.index), error=str(exc))
    after = full.frame.head(rows)
    keys = df[key_column].astype(str).tolist() if key_column in df.columns else None
    position = {k: i for i, k in enumerate(keys)} if keys else {}
    problems: dict[tuple[int, str], str] = {}
    failing: set[str] = set()
    required = set(mapping.required_targets())
    for e in full.errors:
        pos = position.get(e.row_key, int(e.row_key) if e.row_key.isdigit() else -1)
        if 0 <= pos < rows:
            problems[(pos, e.field)] = f"{e.reason}: '{e.value}'"
        if e.field in required:
            failing.add(e.row_key)
    for target in required:
        if target in full.frame.columns:
            empty = full.frame[target].eq("")
            for pos in empty[empty].index.tolist():
                key = keys[pos] if keys else str(pos)
                failing.add(key)
                if pos < rows and (pos, target) not in problems:
                    problems[(pos, target)] = "required but empty"
    return Preview(head, after, problems, len(failing))
