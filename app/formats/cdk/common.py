"""The machinery the three CDK codecs share: a table of ``Field`` (row column <-> dotted
JSON path + kind) read one way by ``flatten`` and the other by ``unflatten``, hypermedia
links (``customerHref``) as ids, and CDK's ``ErrorResponse`` in plain words.

Rows are flat ``{snake_case: str}``: every value a string, '' for unknown (as streams
yield them). Kinds say how a value travels: ``string``; ``number`` / ``integer`` (JSON
numbers); ``boolean`` (``true``/``false``); ``optin`` (a row ``Y``/``N`` that CDK keeps
inverted as a ``block…Flag``); ``href`` (a row id <-> a link to that record, see
``Hrefs``); ``rows`` (a JSON list of flat sub-rows in the row, a list of objects in CDK,
described by their own field table); ``name`` (``"First Last"`` <-> ``{first, last}``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from app.formats.errors import FormatError

Row = dict[str, str]
Json = dict[str, Any]
Hrefs = Mapping[str, str]  # link target ("customer", "vehicle") -> the collection's URL

KINDS = ("string", "number", "integer", "boolean", "optin", "href", "rows", "name")
_TRUE = {"true", "1", "y", "yes", "on"}
_FALSE = {"false", "0", "n", "no", "off"}


class CdkFormatError(FormatError):
    """A row cannot become a CDK body (a bad number, an unknown line key…)."""


@dataclass(frozen=True)
class Field:
    """One row column and where it lives in CDK's JSON."""

    name: str
    path: str
    kind: str = "string"
    target: str = ""  # href: which collection the link points into
    rows: tuple[Field, ...] = field(default=())  # rows: the sub-row table

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown field kind {self.kind!r}")


def names(fields: Iterable[Field]) -> tuple[str, ...]:
    return tuple(f.name for f in fields)


def pick(fields: Sequence[Field], wanted: Iterable[str]) -> tuple[Field, ...]:
    """The fields named in ``wanted``, in table order."""
    chosen = set(wanted)
    return tuple(f for f in fields if f.name in chosen)


# -- reading CDK JSON ----------------------------------------------------------------
def dig(body: Any, path: str) -> Any:
    node = body
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def number_text(value: Any) -> str:
    """A JSON number as row text: ``12`` not ``12.0``; other numbers as Python writes them."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def id_from_href(href: Any) -> str:
    """The record id a link points at: its last path segment (query ignored)."""
    if not isinstance(href, str) or not href.strip():
        return ""
    path = urlsplit(href.strip()).path.rstrip("/")
    return unquote(path.rsplit("/", 1)[-1]) if path else ""


def href_for(base: str, ident: str) -> str:
    return f"{base.rstrip('/')}/{quote(ident, safe='')}"


def _text(value: Any, f: Field) -> str:
    if value is None:
        return ""
    if f.kind in ("number", "integer"):
        return number_text(value)
    if f.kind == "boolean":
        return ("true" if value else "false") if isinstance(value, bool) else str(value)
    if f.kind == "optin":
        return ("N" if value else "Y") if isinstance(value, bool) else ""
    if f.kind == "href":
        return id_from_href(value)
    if f.kind == "name":
        if not isinstance(value, Mapping):
            return ""
        parts = (value.get("first"), value.get("last"))
        return " ".join(str(p).strip() for p in parts if isinstance(p, str) and p.strip())
    if f.kind == "rows":
        if not isinstance(value, list):
            return ""
        items = _sub_rows(value, f.rows)
        return json.dumps(items, ensure_ascii=False, separators=(",", ":")) if items else ""
    return value if isinstance(value, str) else str(value)


def _sub_rows(value: list[Any], fields: Sequence[Field]) -> list[dict[str, Any]]:
    """A CDK list as sub-rows: text values, nested lists as lists, empties left out."""
    out = []
    for item in value:
        if not isinstance(item, Mapping):
            continue
        row: dict[str, Any] = {}
        for f in fields:
            raw = dig(item, f.path)
            if f.kind == "rows":
                nested = _sub_rows(raw, f.rows) if isinstance(raw, list) else []
                if nested:
                    row[f.name] = nested
            else:
                text = _text(raw, f)
                if text:
                    row[f.name] = text
        out.append(row)
    return out


def flatten(item: Mapping[str, Any], fields: Sequence[Field]) -> Row:
    """CDK JSON -> a flat row with every field of the table ('' where CDK said nothing)."""
    return {f.name: _text(dig(item, f.path), f) for f in fields}


# -- writing CDK JSON ----------------------------------------------------------------
def _value(raw: Any, f: Field, hrefs: Hrefs | None) -> Any:
    """Row text -> the JSON value (None: leave the property out)."""
    if raw is None:
        return None
    if f.kind == "rows":
        return _rows_value(raw, f, hrefs)
    text = raw.strip() if isinstance(raw, str) else raw
    if text == "" and f.kind != "string":
        return None
    if f.kind in ("number", "integer"):
        if isinstance(text, bool):
            raise CdkFormatError(f"{f.name}: expected a number, got {text!r}")
        try:
            number = float(text)
        except (TypeError, ValueError):
            raise CdkFormatError(f"{f.name}: '{text}' is not a number") from None
        if not math.isfinite(number):
            raise CdkFormatError(f"{f.name}: '{text}' is not a number")
        if f.kind == "integer" or number.is_integer():
            return int(number)
        return number
    if f.kind in ("boolean", "optin"):
        flag = _flag(text, f.name)
        return (not flag) if f.kind == "optin" else flag
    if f.kind == "href":
        base = (hrefs or {}).get(f.target)
        if not base:
            raise CdkFormatError(f"{f.name}: no address known for {f.target} links")
        return href_for(base, str(text))
    if f.kind == "name":
        first, _, last = str(text).partition(" ")
        return {"first": first, "last": last.strip()}
    return raw if isinstance(raw, str) else str(raw)


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise CdkFormatError(f"{name}: '{value}' is not yes/no (Y/N, true/false)")


def _rows_value(raw: Any, f: Field, hrefs: Hrefs | None) -> list[Json] | None:
    if isinstance(raw, str):
        if not raw.strip():
            return None
        try:
            items = json.loads(raw)
        except ValueError:
            raise CdkFormatError(f"{f.name}: not a JSON list of objects") from None
    else:
        items = raw
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise CdkFormatError(f"{f.name}: not a JSON list of objects")
    known = set(names(f.rows))
    out = []
    for number, item in enumerate(items, start=1):
        extra = sorted(k for k in item if k not in known)
        if extra:
            raise CdkFormatError(
                f"{f.name} item {number}: unknown {', '.join(extra)} "
                f"(known: {', '.join(names(f.rows))})"
            )
        sub = {
            k: v if isinstance(v, str | list) or v is None else _as_row_text(v)
            for k, v in item.items()
        }
        out.append(unflatten(sub, f.rows, hrefs))
    return out


def _as_row_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return number_text(value) if isinstance(value, int | float) else str(value)


def unflatten(
    row: Mapping[str, Any],
    fields: Sequence[Field],
    hrefs: Hrefs | None = None,
    *,
    blanks: Iterable[str] = (),
) -> Json:
    """A flat row -> CDK JSON with the properties of ``fields`` the row gives.

    '' means unknown and leaves the property out, except for the string fields named in
    ``blanks`` (sent as "" to clear them). Raises ``CdkFormatError`` for a value that
    cannot be what CDK expects."""
    keep = set(blanks)
    out: Json = {}
    for f in fields:
        if f.name not in row:
            continue
        raw = row[f.name]
        if isinstance(raw, str) and raw == "" and not (f.kind == "string" and f.name in keep):
            continue
        value = _value(raw, f, hrefs)
        if value is None:
            continue
        put(out, f.path, value)
    return out


def put(body: Json, path: str, value: Any) -> None:
    node = body
    *parents, last = path.split(".")
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[last] = value


# -- errors --------------------------------------------------------------------------
def describe_error(body: Any, status: int) -> str:
    """CDK's ``ErrorResponse`` (``{"code", "message"}``) in plain words, e.g.
    ``customer not found (HTTP 404)``; a code that differs from the status is kept."""
    where = f"HTTP {status}"
    if isinstance(body, Mapping):
        message = body.get("message")
        code = body.get("code")
        if isinstance(code, int) and not isinstance(code, bool) and code != status:
            where = f"CDK code {code}, HTTP {status}"
        if isinstance(message, str) and message.strip():
            return f"{' '.join(message.split())} ({where})"
        for key in ("error_description", "error", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return f"{value.strip()} ({where})"
        return where
    if isinstance(body, str) and body.strip():
        return f"{' '.join(body.split())[:300]} ({where})"
    return where
