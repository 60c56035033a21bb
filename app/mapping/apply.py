"""Apply a mapping to a DataFrame, collecting per-row errors instead of failing.

Speed: every rule's chain runs once per *distinct* source value (or distinct combination
of its sources), then the results are spread back to the rows with an integer take. A
100,000-row customer extract has a few hundred cities and a few thousand first names, so
most chains touch a fraction of the rows; a column of mostly unique values (timestamps,
street lines, e-mails) skips the distinct pass, which would cost more than it saves. A
rule with several sources gets each source as a Categorical, so its combiner cleans
every distinct value of a source once, and a combiner followed by collapse_spaces runs
as one step. The slow per-value library calls sit behind vectorised fast paths in the
transforms; on 100,000 scattered strings every pass over them costs ~5-10 ms, so those
paths read a column once (app.domain.columns.packed.Packed) and work on numpy arrays after that
(bench/bench_mapping.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from app.domain.columns.factors import Factors
from app.errors import RooftopError
from app.mapping.drift import rename_candidates
from app.mapping.model import Mapping, Rule, Step
from app.mapping.transforms import (
    COLLAPSED_COMBINERS,
    COMBINERS,
    TRANSFORMS,
    Transformed,
    describe,
)
from app.mapping.transforms_base import as_text, mark_text


class MappingError(RooftopError):
    """The mapping itself is broken (unknown transform, missing source field)."""


@dataclass(frozen=True)
class RowError:
    row_key: str
    field: str
    value: str
    reason: str


@dataclass
class MappingResult:
    frame: pd.DataFrame  # one column per target, same index as the input
    errors: list[RowError] = field(default_factory=list)

    def failed_index(self) -> set[object]:
        return {e.row_key for e in self.errors}


def missing_sources(mapping: Mapping, columns: list[str]) -> list[str]:
    """Source fields the mapping needs that the data does not have (schema drift)."""
    have = set(columns)
    return sorted(f for f in mapping.source_fields() if f not in have)


def missing_message(missing: list[str], columns: list[str]) -> str:
    """'The source no longer has ...' naming each field and, where one looks like it,
    the field it was probably renamed to."""
    parts = []
    for name in missing:
        guess = rename_candidates(name, [c for c in columns if c not in missing])
        parts.append(f"'{name}' (renamed to '{guess[0][0]}'?)" if guess else f"'{name}'")
    return (
        "The source no longer has the field(s) this mapping reads: "
        + ", ".join(parts)
        + ". Fix the mapping before syncing (nothing was sent)."
    )


def run_steps(rule: Rule, current: Transformed, steps: list[Step]) -> Transformed:
    """Run ``steps`` on ``current``; the first failing step's reason is the one reported."""
    invalid, reason = current.invalid, current.reason
    for step in steps:
        fn = TRANSFORMS.get(step.name)
        if fn is None:
            raise MappingError(f"Rule for '{rule.target}' uses an unknown transform '{step.name}'.")
        try:
            out = fn(current.values, **step.params)
        except (TypeError, ValueError, re.error) as exc:
            raise MappingError(
                f"Rule for '{rule.target}': {describe(step.name, step.params)} — {exc}"
            ) from exc
        if out.invalid is not None and out.invalid.any():
            if invalid is None:
                invalid, reason = out.invalid, out.reason
            else:
                invalid = invalid | out.invalid
        current = Transformed(out.values, invalid, reason)
    return current


def start(rule: Rule, sources: pd.DataFrame) -> tuple[Transformed, list[Step]]:
    """The chain's input (combined when there are several sources) and the steps left."""
    steps = list(rule.steps)
    if len(rule.sources) > 1:
        first = steps.pop(0) if steps and steps[0].name in COMBINERS else None
        name, params = (first.name, first.params) if first else ("concat", {})
        try:
            if steps and steps[0].name == "collapse_spaces" and name in COLLAPSED_COMBINERS:
                # collapsing each source's distinct values beats collapsing every row
                fused = COLLAPSED_COMBINERS[name](sources, **params)
                if fused is not None:
                    return fused, steps[1:]
            return COMBINERS[name](sources, **params), steps
        except (TypeError, ValueError) as exc:
            raise MappingError(f"Rule for '{rule.target}': {exc}") from exc
    if rule.sources:
        return Transformed(sources.iloc[:, 0]), steps
    return Transformed(pd.Series([""] * len(sources), index=sources.index, dtype=object)), steps


def apply_mapping(df: pd.DataFrame, mapping: Mapping, key_column: str) -> MappingResult:
    """Map every row. A value a rule rejects marks that row's error (row key, field, value,
    reason); the row's other fields are still mapped and the batch goes on."""
    missing = missing_sources(mapping, list(df.columns))
    if missing:
        raise MappingError(missing_message(missing, [str(c) for c in df.columns]))
    n = len(df)
    factors = Factors(df)
    targets = mapping.targets()
    row_of = {t: i for i, t in enumerate(targets)}  # a repeated target: the last rule wins
    # Results go straight into the frame's one object block (no consolidation copy).
    block = np.empty((len(targets), n), dtype=object)
    errors: list[RowError] = []
    for rule in mapping.rules:
        into = block[row_of[rule.target]]
        if not rule.steps and len(rule.sources) == 1:  # a plain copy needs no distinct pass
            into[:] = as_text(df[rule.sources[0]].to_numpy(dtype=object))
            continue
        distinct: list[np.ndarray | pd.Categorical]
        if len(rule.sources) > 1:  # combiners take each source's distinct values
            inverse, distinct = factors.combined(rule.sources, n)
        else:
            inverse, single = factors.distinct(rule.sources, n)
            distinct = list(single)
        first, steps = _first(rule, distinct, n)
        result = run_steps(rule, first, steps)
        np.take(result.values.to_numpy(dtype=object), inverse, out=into)
        if result.invalid is not None and result.invalid.any():
            bad = np.flatnonzero(result.invalid.to_numpy(dtype=bool)[inverse])
            combos = inverse[bad]
            cols = [np.asarray(col[combos], dtype=object).tolist() for col in distinct]
            cols = cols or [[""] * len(bad)]
            shown = [" ".join(vs) for vs in zip(*cols, strict=True)]
            keys = row_keys(df, key_column, bad)
            errors.extend(
                RowError(k, rule.target, v, result.reason) for k, v in zip(keys, shown, strict=True)
            )
    for i, target in enumerate(targets):
        if row_of[target] != i:
            block[i] = block[row_of[target]]
    frame = pd.DataFrame(block.T, index=df.index, columns=targets, dtype=object, copy=False)
    return MappingResult(frame, errors)


def _first(
    rule: Rule, distinct: list[np.ndarray | pd.Categorical], n: int
) -> tuple[Transformed, list[Step]]:
    """``start`` over the distinct values, without a DataFrame for a single source."""
    if len(rule.sources) == 1:
        values = mark_text(pd.Series(distinct[0], dtype=object, copy=False))  # Factors: all str
        return Transformed(values), list(rule.steps)
    if rule.sources:
        columns = {  # object stays object (pandas 3 would infer str); Categoricals stay
            name: pd.Series(col, dtype=object if isinstance(col, np.ndarray) else None, copy=False)
            for name, col in zip(rule.sources, distinct, strict=True)
        }
        frame = mark_text(pd.DataFrame(columns, copy=False))  # its columns inherit the mark
    else:
        frame = pd.DataFrame(index=pd.RangeIndex(1 if n else 0))
    return start(rule, frame)


def row_keys(df: pd.DataFrame, key_column: str, rows: np.ndarray) -> list[str]:
    """The row key of each position in ``rows`` ('' where the key cell is missing)."""
    if key_column not in df.columns:
        return [str(df.index[i]) for i in rows.tolist()]
    cells = df[key_column].to_numpy(dtype=object)[rows]
    return ["" if pd.isna(v) else str(v) for v in cells.tolist()]
