"""The dealer-website inventory CSV: columns come from the admin's mapping, so this codec
only knows the shape — header from the mapping's targets, one row per unit, the VIN
column unique, required columns filled, every cell clean text of bounded length."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from app.formats.errors import FormatError
from app.formats.feeds.common import FeedBuilder, FeedFile, clean_text

CHANNEL = "website"
MAX_CELL = 5000


def build(
    rows: Iterable[tuple[Mapping[str, str], Mapping[str, str]]],
    columns: Sequence[str],
    *,
    required: Sequence[str] = ("vin",),
    key: str = "vin",
    file_format: str = "csv",
    max_cell: int = MAX_CELL,
) -> FeedFile:
    """``rows`` are (source unit, mapped row) pairs; the source names the unit in reasons.

    A row missing a required column is left out with the reason; a repeated ``key``
    is left out too; over-long cells are shortened and noted.
    """
    if key not in columns:
        raise FormatError(
            f"The website feed mapping has no '{key}' column.",
            hint="Add a rule that fills the VIN column; it identifies each vehicle.",
        )
    builder = FeedBuilder(CHANNEL, columns, file_format, for_people=True)
    for source, mapped in rows:
        out: dict[str, str] = {}
        notes: list[str] = []
        for column in columns:
            out[column], changed = clean_text(str(mapped.get(column, "") or ""), max_cell)
            notes += [f"{column}: {n}" for n in changed]
        out[key] = out[key].upper()
        missing = [c for c in required if not out.get(c)]
        if missing:
            builder.exclude(source, f"missing {', '.join(missing)}")
            continue
        if builder.add(source, out, key=key):
            builder.note(out[key], notes)
    return builder.finish()


def problems(row: Mapping[str, str], required: Sequence[str]) -> list[str]:
    out = [f"{c} is empty" for c in required if not row.get(c, "").strip()]
    out += [f"{c} is longer than {MAX_CELL}" for c, v in row.items() if len(v) > MAX_CELL]
    return out
