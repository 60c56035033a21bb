"""Apply a mapping to a DataFrame, vectorised, collecting per-row errors instead of failing."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from app.errors import RooftopError
from app.mapping.model import Mapping, Rule
from app.mapping.transforms import COMBINERS, TRANSFORMS, Transformed, describe


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


def _run_rule(rule: Rule, df: pd.DataFrame) -> Transformed:
    steps = list(rule.steps)
    if len(rule.sources) > 1:
        first = steps.pop(0) if steps and steps[0].name in COMBINERS else None
        combiner = COMBINERS[first.name] if first else COMBINERS["concat"]
        current = combiner(df[list(rule.sources)], **(first.params if first else {}))
    elif rule.sources:
        current = Transformed(df[rule.sources[0]])
    else:
        current = Transformed(pd.Series("", index=df.index, dtype=object))
    invalid: pd.Series | None = current.invalid
    reason = current.reason
    for step in steps:
        fn = TRANSFORMS.get(step.name)
        if fn is None:
            raise MappingError(f"Rule for '{rule.target}' uses an unknown transform '{step.name}'.")
        try:
            out = fn(current.values.astype(object).fillna(""), **step.params)
        except TypeError as exc:
            raise MappingError(
                f"Rule for '{rule.target}': {describe(step.name, step.params)} — {exc}"
            ) from exc
        if out.invalid is not None and out.invalid.any():
            if invalid is None:  # the first failing step's reason is the one reported
                invalid, reason = out.invalid, out.reason
            else:
                invalid = invalid | out.invalid
        current = Transformed(out.values, invalid, reason)
    return current


def apply_mapping(df: pd.DataFrame, mapping: Mapping, key_column: str) -> MappingResult:
    """Map every row. A value a rule rejects marks that row's error (row key, field, value,
    reason); the row's other fields are still mapped and the batch goes on."""
    missing = missing_sources(mapping, list(df.columns))
    if missing:
        raise MappingError(
            "The source no longer has the field(s) this mapping reads: "
            + ", ".join(missing)
            + ". Fix the mapping before syncing (nothing was sent).",
        )
    data = df.astype(object).fillna("").astype(str) if len(df) else df
    out: dict[str, pd.Series] = {}
    errors: list[RowError] = []
    keys: pd.Series = (
        data[key_column]
        if key_column in data.columns
        else pd.Series(data.index.astype(str), index=data.index)
    )
    for rule in mapping.rules:
        result = _run_rule(rule, data)
        out[rule.target] = result.values.astype(object).fillna("")
        if result.invalid is not None and result.invalid.any():
            source = data[list(rule.sources)].agg(" ".join, axis=1) if rule.sources else None
            for idx in result.invalid[result.invalid].index:
                value = str(source.loc[idx]) if source is not None else ""
                errors.append(RowError(str(keys.loc[idx]), rule.target, value, result.reason))
    return MappingResult(pd.DataFrame(out, index=data.index), errors)
