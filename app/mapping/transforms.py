"""The transform library: names -> functions. Each transform takes a pandas Series of
strings (the combiners: a DataFrame of the rule's sources) and returns a ``Transformed``
with the new values and, where some values are invalid, a mask and the reason. Invalid
cells become ''. Labels, help and parameter schemas for the editor are in catalog.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.mapping import transforms_contact as contact
from app.mapping import transforms_text as text
from app.mapping import transforms_values as values
from app.mapping.transforms_base import Combiner, Transform, Transformed, by_unique

__all__ = [
    "COLLAPSED_COMBINERS",
    "COMBINERS",
    "TRANSFORMS",
    "Combiner",
    "Transform",
    "Transformed",
    "describe",
]

_by_unique = by_unique  # kept for callers of the original module

TRANSFORMS: dict[str, Transform] = {
    "trim": text.trim,
    "collapse_spaces": text.collapse_spaces,
    "upper": text.upper,
    "lower": text.lower,
    "title": text.title,
    "name_case": text.name_case,
    "regex_replace": text.regex_replace,
    "truncate": text.truncate,
    "split_name": text.split_name,
    "phone_e164": contact.phone_e164,
    "email": contact.email,
    "zip5": contact.zip5,
    "zip_plus4": contact.zip_plus4,
    "vin": contact.vin,
    "date": values.date,
    "number": values.number,
    "boolean": values.boolean,
    "lookup": values.lookup,
    "default": values.default,
    "constant": values.constant,
}
# A combiner followed by collapse_spaces, done as one (None: not possible with these params)
COLLAPSED_COMBINERS: dict[str, Callable[..., Transformed | None]] = {
    "concat": text.concat_collapsed,
    "join_name": text.join_name_collapsed,
}
COMBINERS: dict[str, Combiner] = {
    "concat": text.concat,
    "coalesce": text.coalesce,
    "join_name": text.join_name,
}


def describe(name: str, params: dict[str, Any]) -> str:
    """A short readable label of a step, for logs and the editor."""
    if not params:
        return name
    shown = []
    for k, v in params.items():
        if isinstance(v, dict):
            shown.append(f"{k}={len(v)} entries")
        else:
            shown.append(f"{k}={v!r}")
    return f"{name}({', '.join(shown)})"
