"""Field-name normalisation shared by auto-map and drift: 'EMAIL_ADDR', 'emailAddr' and
'Email Addr' all become 'email addr'."""

from __future__ import annotations

import re

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEP = re.compile(r"[^0-9a-zA-Z]+")


def tokens(name: str) -> list[str]:
    """Lower-case words of a field name, splitting camelCase, underscores and digits."""
    spaced = _CAMEL.sub(" ", name)
    return [t.lower() for t in _SEP.split(spaced) if t]


def key(name: str) -> str:
    return " ".join(tokens(name))
