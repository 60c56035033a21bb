"""STAR JSON record <-> flat row (``dict[str, str]``), per domain.

``flatten`` never fails on a field: a missing array, a number where a string was
expected, an object where a value was expected, all read as ''. Only a record that is
not a JSON object at all, or an unknown domain, raises ``StarError``.

``unflatten`` writes only the fields the row has (non-empty), for one target body
(``record``, ``create``, ``update``), and raises ``StarError`` naming the field when a
value cannot be written as the spec wants it (a non-number for an integer, a bad date)
or when a field the create schema requires is missing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from app.formats.errors import StarError
from app.formats.star import paths
from app.formats.star.domain_model import CREATE, RECORD, UPDATE, Domain, Field
from app.formats.star.domains import DOMAINS

TARGETS = (RECORD, CREATE, UPDATE)
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})


def domain(name: str) -> Domain:
    """The domain called ``name`` (our stream name), or a readable ``StarError``."""
    try:
        return DOMAINS[name]
    except (KeyError, TypeError):
        known = ", ".join(DOMAINS)
        raise StarError(f"Unknown STAR domain '{name}'.", hint=f"Known: {known}.") from None


# --- reading -----------------------------------------------------------------------------
def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def _parse_moment(text: str) -> datetime | None:
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_timestamp(moment: datetime) -> str:
    """A datetime as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, seconds): our cursor format."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _read(f: Field, value: Any) -> str:
    kind = f.kind
    if kind == "urls":
        if not isinstance(value, list):
            return ""
        hrefs = [_text(item.get("media_href")) for item in value if isinstance(item, Mapping)]
        return " ".join(h for h in hrefs if h)
    if kind == "items":
        return _read_items(value)
    if kind in ("yn", "org", "bool"):
        flag = value if isinstance(value, bool) else None
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            flag = value.strip().lower() in _TRUE
        if flag is None:
            return ""
        if kind == "yn":
            return "Y" if flag else "N"
        if kind == "org":
            return "BUSINESS" if flag else "INDIVIDUAL"
        return "true" if flag else "false"
    text = _text(value)
    if not text:
        return ""
    if kind == "datetime":
        moment = _parse_moment(text)
        return format_timestamp(moment) if moment else text
    if kind == "day":
        return text[:10] if len(text) >= 10 and text[4:5] == "-" else text
    return text


def flatten(domain_name: str, obj: Any) -> dict[str, str]:
    """A STAR record -> our flat row: every field of the domain, '' when missing."""
    d = domain(domain_name)
    if not isinstance(obj, Mapping):
        raise StarError(
            f"A STAR {d.schema} record must be a JSON object, not {type(obj).__name__}."
        )
    row: dict[str, str] = {}
    for f in d.fields:
        value = ""
        for path in f.paths:
            value = _read(f, paths.get(obj, path))
            if value:
                break
        row[f.name] = value
    return row


def fields_present(domain_name: str, obj: Any) -> set[str]:
    """The flat fields whose STAR path is present in ``obj`` (even as null or ''):
    what a merge-patch body means to change."""
    d = domain(domain_name)
    if not isinstance(obj, Mapping):
        return set()
    present = set()
    for f in d.fields:
        if any(paths.has(obj, path) for path in f.paths):
            present.add(f.name)
    return present


# --- writing -----------------------------------------------------------------------------
def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return value if isinstance(value, str) else _text(value)


def _flag(f: Field, text: str) -> bool:
    lowered = text.strip().lower()
    if f.kind == "org":
        if lowered in ("business", "organization", "company"):
            return True
        if lowered in ("individual", "person"):
            return False
        raise StarError(f"{f.name}: '{text}' is not INDIVIDUAL or BUSINESS.")
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise StarError(f"{f.name}: '{text}' is not Y/N (true/false).")


def _write(f: Field, text: str) -> Any:
    kind = f.kind
    if kind in ("yn", "org", "bool"):
        return _flag(f, text)
    if kind == "int":
        try:
            return int(text.strip())
        except ValueError:
            raise StarError(f"{f.name}: '{text}' is not a whole number.") from None
    if kind == "urls":
        return [{"media_href": url} for url in text.split()]
    if kind == "items":
        return _write_items(f, text)
    if kind == "datetime":
        moment = _parse_moment(text)
        if moment is None:
            raise StarError(f"{f.name}: '{text}' is not a date and time (ISO 8601).")
        return format_timestamp(moment)
    if kind in ("day", "date"):
        value = text.strip()
        try:
            day = date.fromisoformat(value[:10])
        except ValueError:
            raise StarError(f"{f.name}: '{text}' is not a date (YYYY-MM-DD).") from None
        if kind == "date":
            return day.isoformat()
        if len(value) > 10:  # a full timestamp given for a date field: keep its moment
            moment = _parse_moment(value)
            if moment is None:
                raise StarError(f"{f.name}: '{text}' is not a date (YYYY-MM-DD).")
            return format_timestamp(moment)
        return f"{day.isoformat()}T00:00:00Z"
    return text


def _read_items(value: Any) -> str:
    """Invoice items (F&I products) as ``name=price; name=price`` (a name alone when the
    item has no price)."""
    if not isinstance(value, list):
        return ""
    parts = []
    for item in value:
        if not isinstance(item, Mapping):
            continue
        name = _text(item.get("description")).strip() or _text(item.get("item_code")).strip()
        if not name:
            continue
        price = paths.get(item, "prices[].amount.amount.amount")
        parts.append(f"{name}={_text(price)}" if _text(price) else name)
    return "; ".join(parts)


def _write_items(f: Field, text: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for part in text.split(";"):
        name, _, price = part.partition("=")
        name, price = name.strip(), price.strip()
        if not name:
            continue
        item: dict[str, Any] = {"vehicle_invoice_item_type": "OTHER", "description": name}
        if price:
            try:
                float(price)
            except ValueError:
                problem = f"{f.name}: the price of '{name}' ('{price}') is not a number."
                raise StarError(problem) from None
            item["prices"] = [{"price_types": ["RETAIL"], "amount": {"amount": {"amount": price}}}]
        items.append(item)
    return items


def unflatten(domain_name: str, row: Mapping[str, Any], target: str = CREATE) -> dict[str, Any]:
    """Our flat row -> a STAR JSON body for ``target`` (create, update or record),
    carrying only the fields the row has."""
    d = domain(domain_name)
    if target not in TARGETS:
        raise StarError(f"Unknown STAR body '{target}'.", hint=f"Use one of {', '.join(TARGETS)}.")
    if not isinstance(row, Mapping):
        raise StarError(f"A {d.name} row must be a mapping of field names to values.")
    if target == CREATE:
        missing = [name for name in d.required_create if not _cell(row.get(name)).strip()]
        if missing:
            raise StarError(
                f"Cannot create a STAR {d.schema}: {', '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} required.",
                hint=f"The spec's {d.create_schema} requires it.",
            )
    body: dict[str, Any] = {}
    for f in d.fields:
        if target not in f.targets:
            continue
        text = _cell(row.get(f.name))
        if not text.strip():
            continue
        paths.put(body, f.write_path(target), _write(f, text))
        for path, value in f.consts:
            paths.put(body, path, value)
    if d.finish is not None:
        d.finish(body, row, target)
    return body


# --- envelopes -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Page:
    """One collection answer: its records and what it says about the rest."""

    records: list[dict[str, Any]]
    has_more: bool | None
    total: int | None
    next_cursor: str


def read_page(domain_name: str, body: Any) -> Page:
    """The records and paging facts of a list answer, or ``StarError`` if it has none."""
    d = domain(domain_name)
    env = d.list_envelope
    if not isinstance(body, Mapping) or not isinstance(body.get(env.records), list):
        raise StarError(
            f"The STAR {d.name} list answer has no '{env.records}' array of records.",
            hint="Is the base URL right (it should end with the API version, e.g. /v1/v1_0_0)?",
        )
    records = [r for r in body[env.records] if isinstance(r, Mapping)]
    has_more = body.get(env.has_more)
    total = body.get(env.total)
    cursor = body.get(env.next_cursor) if env.next_cursor else None
    return Page(
        records=[dict(r) for r in records],
        has_more=has_more if isinstance(has_more, bool) else None,
        total=total if isinstance(total, int) and not isinstance(total, bool) else None,
        next_cursor=cursor if isinstance(cursor, str) else "",
    )


def read_single(domain_name: str, body: Any) -> dict[str, Any]:
    """The record of a single-record answer (unwrapped from ``data`` where the spec wraps)."""
    d = domain(domain_name)
    if d.single_wrapper and isinstance(body, Mapping):
        body = body.get(d.single_wrapper)
    if not isinstance(body, Mapping):
        raise StarError(f"The STAR {d.name} answer does not hold a {d.schema} record.")
    return dict(body)


def wrap_single(domain_name: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """A record as the single-record answer of its spec."""
    d = domain(domain_name)
    return {d.single_wrapper: dict(record)} if d.single_wrapper else dict(record)
