"""Erased people stay erased: a run withholds, as it reads them, the records of people
erased here (``app.services.privacy.tombstones``) -- by the record's own key, and by the
keys it refers to (the flow's references, and the customer a deal, repair order or lead
names in a customer or contact id column). A withheld record is not mapped,
indexed, linked, sent or kept; the run's outcomes say only that a record was withheld and
under which erasure, never whose it was."""

from __future__ import annotations

from typing import Any

import pandas as pd

from app.services.privacy.tombstones import ErasedPeople
from app.sync.run_context import RunContext
from app.sync.run_log import Outcome

WITHHELD = "withheld"
# Columns that name a record's customer in the systems we speak (a deal, a repair order,
# a lead): a record of an erased customer is withheld whatever the flow's mapping says.
CUSTOMER_REFERENCES = ("customer_id", "customer_number", "contact_id", "contact_external_id")


def reason(ref: str) -> str:
    return f"Withheld: this person was erased ({ref}); nothing of them is read or sent."


def erased_refs(
    erased: ErasedPeople,
    df: pd.DataFrame,
    entity: str,
    key_column: str,
    system: str,
    references: Any = None,
) -> list[str | None]:
    """Per row of ``df``: the erasure reference when the record is an erased person's (by
    its own key, a reference the flow declares, or the customer it names), else None."""
    if not erased or not len(df):
        return [None] * len(df)
    checks: list[tuple[str, str]] = [(entity, key_column)]
    for ref in (references or {}).values():
        checks.append((str(ref.get("entity") or ""), str(ref.get("from") or "")))
    checks += [("customer", col) for col in CUSTOMER_REFERENCES]
    columns = list(dict.fromkeys((e, c) for e, c in checks if e and c in df.columns))
    refs: list[str | None] = []
    values = zip(*(df[col].astype(str).tolist() for _e, col in columns), strict=True)
    for row in values:
        found = None
        for (kind, _col), value in zip(columns, row, strict=True):
            found = erased.ref_of(kind, system, value)
            if found:
                break
        refs.append(found)
    return refs


def withhold(ctx: RunContext, df: pd.DataFrame) -> tuple[pd.DataFrame, list[Outcome]]:
    """The chunk without erased people's records, and an outcome for each one left out."""
    spec = ctx.source.spec
    refs = erased_refs(
        ctx.erased, df, spec.entity, spec.primary_key, ctx.source_system,
        ctx.flow.options.get("references", {}),
    )  # fmt: skip
    if not any(refs):
        return df, []
    keep = pd.Series([r is None for r in refs], index=df.index)
    outcomes = [
        Outcome(f"{WITHHELD}:{ref}", spec.entity, "skip", WITHHELD, error=reason(ref))
        for ref in refs
        if ref is not None
    ]
    return df[keep].reset_index(drop=True), outcomes


def count(ctx: RunContext, outcomes: list[Any]) -> None:
    ctx.add(WITHHELD, len(outcomes))
