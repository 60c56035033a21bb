"""Field by field: a mapped source record against the destination's record.

Each side's compared fields are packed into one string (the normalised values joined by
a separator that no text field holds), so a reconciliation of 100,000 records keeps one
small string per destination record in memory and tells "the same" by one comparison;
only a record that differs is unpacked to say which fields differ, with their values and
which side owns each field (the flow's field ownership)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from app.connectors.streams import FieldKind, Stream

SEP = "\x1f"  # the ASCII unit separator: never in a name, an address or an e-mail
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0", ""})


@dataclass(frozen=True)
class FieldDiff:
    field: str
    source: str
    destination: str
    owner: str  # source | destination: whose value wins when both changed

    def as_json(self) -> dict[str, str]:
        return {
            "field": self.field,
            "source": self.source,
            "destination": self.destination,
            "owner": self.owner,
        }


def _bool_text(value: str) -> str:
    low = value.strip().lower()
    if low in _TRUE:
        return "true"
    if low in _FALSE:
        return "false"
    return value.strip()


class Comparer:
    """Compares ``fields`` (in this order); ``booleans`` compare as true/false whatever
    the spelling (Y, yes, 1…); ``ownership`` says which fields the destination owns."""

    def __init__(
        self,
        fields: Sequence[str],
        *,
        booleans: Sequence[str] = (),
        ownership: Mapping[str, str] | None = None,
        held_with: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.fields = tuple(dict.fromkeys(fields))
        self.booleans = frozenset(booleans)
        # compared only beside a value in one of these columns (the destination cannot
        # keep an e-mail opt-out without an e-mail): blank on either side without one
        self.held_with = {f: tuple(c) for f, c in (held_with or {}).items() if f in self.fields}
        owned = ownership or {}
        self.owner = {f: owned.get(f, "source") for f in self.fields}

    @classmethod
    def for_flow(
        cls, targets: Sequence[str], dest: Stream, ownership: Mapping[str, str]
    ) -> Comparer:
        """The mapping's targets that the destination has (and writes, when it says which)."""
        names = set(dest.spec.field_names())
        writable = getattr(dest, "writable", None)
        if writable:
            names &= set(writable)
        fields = [t for t in targets if t in names]
        booleans = [f.name for f in dest.spec.fields if f.kind is FieldKind.BOOLEAN]
        return cls(fields, booleans=booleans, ownership=ownership, held_with=dest.spec.held_with)

    def _column(self, df: pd.DataFrame, name: str) -> list[str]:
        if name not in df.columns:
            return [""] * len(df)
        text = as_text_array(df, name)
        if name in self.booleans:
            text = [_bool_text(v) for v in text]
        beside = self.held_with.get(name)
        if beside:
            holders = [as_text_array(df, c) for c in beside]
            text = [v if any(h) else "" for v, *h in zip(text, *holders, strict=True)]
        return text

    def pack_frame(self, df: pd.DataFrame) -> list[str]:
        """One packed string per row of ``df`` (missing columns count as empty)."""
        if not len(df):
            return []
        if not self.fields:
            return [""] * len(df)
        columns = [self._column(df, name) for name in self.fields]
        return [SEP.join(values) for values in zip(*columns, strict=True)]

    def unpack(self, packed: str) -> list[str]:
        values = packed.split(SEP)
        return values if len(values) == len(self.fields) else [""] * len(self.fields)

    def diff(self, source: str, destination: str) -> list[FieldDiff]:
        """The fields whose values differ (empty when the packed strings are equal)."""
        if source == destination:
            return []
        out = []
        for name, s, d in zip(
            self.fields, self.unpack(source), self.unpack(destination), strict=True
        ):
            if s != d:
                out.append(FieldDiff(name, s, d, self.owner[name]))
        return out

    @staticmethod
    def differs(diffs: Sequence[FieldDiff]) -> bool:
        """A record differs when a field the source owns differs (a destination-owned
        field may hold its own value: that is what owning it means)."""
        return any(d.owner != "destination" for d in diffs)


def as_text_array(df: pd.DataFrame, column: str) -> list[str]:
    """A column as stripped text ('' for missing); an absent column is all ''. Streams
    and mappings give text already: that case is one pass of ``str.strip``."""
    if column not in df.columns:
        return [""] * len(df)
    values = df[column].tolist()
    try:
        return [v.strip() for v in values]
    except AttributeError:  # None, NaN or numbers among them
        return [("" if v is None or v != v else str(v)).strip() for v in values]  # NaN != NaN
