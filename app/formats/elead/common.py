"""What the Elead codecs share: row text <-> JSON values, small property tables
(``Prop``: a row column, its JSON property and kind), JSON lists of sub-rows, Elead ids
(UUIDs), RFC 3339 instants, and Elead's ``Error`` body in plain words.

Rows are flat ``{snake_case: str}``: every value a string, '' for unknown (as streams
yield them). Lists of things (vehicles sought, trade-ins, the sales team, owned vehicles)
travel in one column as a JSON list of flat objects.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.formats.errors import FormatError

Row = dict[str, str]
Json = dict[str, Any]
KINDS = ("string", "integer", "number", "boolean")
_TRUE = {"true", "1", "y", "yes", "on"}
_FALSE = {"false", "0", "n", "no", "off"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class EleadFormatError(FormatError):
    """A row cannot become an Elead body (a bad number, an id that is not a UUID…)."""


@dataclass(frozen=True)
class Prop:
    """One row column and the JSON property it travels as."""

    name: str
    key: str
    kind: str = "string"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}")


def names(props: Iterable[Prop]) -> tuple[str, ...]:
    return tuple(p.name for p in props)


# -- values ------------------------------------------------------------------------
def number_text(value: Any) -> str:
    """A JSON number as row text: ``12`` not ``12.0``."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def text(value: Any) -> str:
    """Any JSON scalar as row text ('' for null, ``true``/``false`` for booleans)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_text(value)
    return value if isinstance(value, str) else str(value)


def flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise EleadFormatError(f"{name}: '{value}' is not yes/no (true/false)")


def number(value: Any, name: str, *, integer: bool = False) -> int | float:
    if isinstance(value, bool):
        raise EleadFormatError(f"{name}: expected a number, got {value!r}")
    try:
        result = float(str(value).strip().replace(",", ""))
    except ValueError:
        raise EleadFormatError(f"{name}: '{value}' is not a number") from None
    if not math.isfinite(result):
        raise EleadFormatError(f"{name}: '{value}' is not a number")
    if integer:
        if not result.is_integer():
            raise EleadFormatError(f"{name}: '{value}' is not a whole number")
        return int(result)
    return int(result) if result.is_integer() else result


def json_value(raw: Any, prop: Prop) -> Any:
    """Row text (or an already typed value) -> the JSON value; None leaves it out."""
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = raw.strip() if prop.kind != "string" else raw
        if raw == "":
            return None
    if prop.kind == "boolean":
        return flag(raw, prop.name)
    if prop.kind in ("integer", "number"):
        return number(raw, prop.name, integer=prop.kind == "integer")
    return raw if isinstance(raw, str) else text(raw)


def read(item: Mapping[str, Any], props: Sequence[Prop]) -> Row:
    """JSON -> a flat row with every column of ``props``."""
    return {p.name: text(item.get(p.key)) for p in props}


def write(row: Mapping[str, Any], props: Sequence[Prop], what: str) -> Json:
    """A flat row -> JSON with the properties the row gives ('' left out). Columns that
    are not in ``props`` are refused, naming them."""
    known = {p.name: p for p in props}
    extra = sorted(k for k in row if k not in known)
    if extra:
        raise EleadFormatError(f"{what}: unknown {', '.join(extra)} (known: {', '.join(known)})")
    out: Json = {}
    for prop in props:
        value = json_value(row.get(prop.name), prop)
        if value is not None:
            out[prop.key] = value
    return out


# -- JSON lists of sub-rows in one column --------------------------------------------
def sub_rows(raw: Any, name: str) -> list[dict[str, Any]]:
    """A column holding a JSON list of objects (or one object) as a list of dicts."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return []
    items = raw
    if isinstance(raw, str):
        try:
            items = json.loads(raw)
        except ValueError:
            raise EleadFormatError(f"{name}: not a JSON list of objects") from None
    if isinstance(items, Mapping):
        items = [items]
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise EleadFormatError(f"{name}: not a JSON list of objects")
    return [dict(i) for i in items]


def dump_rows(rows: Sequence[Mapping[str, str]]) -> str:
    """Sub-rows as compact JSON ('' for none), their empty values left out."""
    kept = [{k: v for k, v in r.items() if v != ""} for r in rows]
    return json.dumps(kept, ensure_ascii=False, separators=(",", ":")) if kept else ""


# -- ids and times --------------------------------------------------------------------
def is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value.strip())
    except ValueError:
        return False
    return len(value.strip()) == 36


def elead_id(value: Any, name: str) -> str:
    """An Elead id from a row: a UUID, or a plain-words refusal."""
    ident = str(value or "").strip()
    if not ident:
        raise EleadFormatError(f"{name} is required")
    if not is_uuid(ident):
        raise EleadFormatError(f"{name}: '{ident}' is not an Elead id (a UUID)")
    return ident.lower()


def parse_instant(value: str) -> datetime | None:
    """An ISO 8601 date or date-time (Z, an offset, or none = UTC) as a UTC datetime."""
    raw = value.strip()
    if not raw:
        return None
    if raw[-1:] in ("Z", "z"):
        raw = raw[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def rfc3339(moment: datetime) -> str:
    """A datetime as Elead's RFC 3339 text, UTC, whole seconds: ``2026-05-04T10:39:51Z``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def instant(value: Any, name: str) -> str:
    """A row date or date-time as RFC 3339 (a date alone is midnight UTC)."""
    moment = parse_instant(str(value or ""))
    if moment is None:
        raise EleadFormatError(f"{name}: '{value}' is not a date-time like 2026-05-04T10:39:51Z")
    return rfc3339(moment)


def date_of(value: Any) -> str:
    """The ``YYYY-MM-DD`` of an Elead date-time ('' when there is none)."""
    raw = text(value).strip()
    return raw[:10] if _DATE.match(raw[:10]) else ""


# -- errors ----------------------------------------------------------------------------
def describe_error(body: Any, status: int) -> str:
    """Elead's ``Error`` (``code``, ``message``, ``referenceId``, ``link``) in plain words,
    e.g. ``dateFrom must be within the past 7 days (Elead InvalidDateFrom, HTTP 400,
    reference 9e88…)``."""
    where = [f"HTTP {status}"]
    if isinstance(body, Mapping):
        code = body.get("code")
        if isinstance(code, str) and code.strip() and code.strip() != str(status):
            where.insert(0, f"Elead {code.strip()}")
        reference = body.get("referenceId")
        if isinstance(reference, str) and reference.strip():
            where.append(f"reference {reference.strip()}")
        link = body.get("link")
        if isinstance(link, str) and link.strip():
            where.append(f"see {link.strip()}")
        for key in ("message", "error_description", "error", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return f"{' '.join(value.split())} ({', '.join(where)})"
        return ", ".join(where)
    if isinstance(body, str) and body.strip():
        return f"{' '.join(body.split())[:300]} ({', '.join(where)})"
    return ", ".join(where)
