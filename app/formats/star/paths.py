"""A tiny path language for reaching into STAR JSON records, for reading and for writing.

A path is dot-separated steps; a step is a key, optionally followed by a selector::

    party_references[party_type=CUSTOMER;*].communication_channels[communication_channel_type=CELL].value

Selectors pick one element of an array:

- ``[]``: the first element.
- ``[field=A|B]``: the first element whose ``field`` equals A or B (case-insensitive; the
  field may itself go through arrays: ``address_types[]=HOME`` or
  ``price.price_types[]=MSRP`` match when any value reached equals).
- ``[field!]``: ... whose ``field`` is missing or empty.
- ``[field:=A]``: matches anything; written into an element the setter creates.
- ``;`` joins conditions (all must hold); a final ``*`` falls back to the first element
  when none matches (reading only; writing still creates a matching element).

Reading never raises: a missing key, an array where an object was expected or any other
odd shape reads as ``None``. Writing builds the objects and arrays it needs, creating
elements that satisfy the selector (``A`` for ``field=A|B``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

_STEP = re.compile(r"^([A-Za-z0-9_]+)(?:\[(.*)\])?$")


@dataclass(frozen=True)
class Condition:
    field: str  # may contain ``[]`` markers and dots
    op: str  # "=", "!", ":="
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    key: str
    is_array: bool = False
    conditions: tuple[Condition, ...] = ()
    fallback_first: bool = False


def _parse_selector(text: str) -> tuple[tuple[Condition, ...], bool]:
    conditions: list[Condition] = []
    fallback = False
    for raw in (part.strip() for part in text.split(";")):
        if not raw:
            continue
        if raw == "*":
            fallback = True
        elif ":=" in raw:
            field, value = raw.split(":=", 1)
            conditions.append(Condition(field, ":=", (value,)))
        elif raw.endswith("!"):
            conditions.append(Condition(raw[:-1], "!"))
        elif "=" in raw:
            field, values = raw.split("=", 1)
            conditions.append(Condition(field, "=", tuple(values.split("|"))))
        else:
            raise ValueError(f"bad selector condition {raw!r}")
    return tuple(conditions), fallback


@cache
def parse(path: str) -> tuple[Step, ...]:
    steps: list[Step] = []
    depth = 0
    current = ""
    parts: list[str] = []
    for ch in path:  # split on dots outside brackets
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "." and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    for part in parts:
        m = _STEP.match(part)
        if m is None:
            raise ValueError(f"bad path step {part!r} in {path!r}")
        key, selector = m.group(1), m.group(2)
        if selector is None:
            steps.append(Step(key))
        else:
            conditions, fallback = _parse_selector(selector)
            steps.append(Step(key, True, conditions, fallback))
    return tuple(steps)


def _leaves(value: Any, field: str) -> list[Any]:
    """Every value reached by ``field`` (dots, ``[]`` = any element) inside ``value``."""
    current = [value]
    for part in field.split("."):
        key, is_array = (part[:-2], True) if part.endswith("[]") else (part, False)
        nxt: list[Any] = []
        for item in current:
            if not isinstance(item, Mapping):
                continue
            got = item.get(key)
            if is_array:
                if isinstance(got, list):
                    nxt.extend(got)
            elif got is not None:
                nxt.append(got)
        current = nxt
    return current


def _norm(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value).strip().casefold()
    return ""


def _matches(element: Any, conditions: tuple[Condition, ...]) -> bool:
    if not isinstance(element, Mapping):
        return False
    for cond in conditions:
        if cond.op == ":=":
            continue
        leaves = [_norm(v) for v in _leaves(element, cond.field)]
        if cond.op == "!":
            if any(leaves):
                return False
        elif not {v.casefold() for v in cond.values} & set(leaves):
            return False
    return True


def _select(items: list[Any], step: Step) -> Any:
    for item in items:
        if _matches(item, step.conditions):
            return item
    if step.fallback_first:
        for item in items:
            if isinstance(item, Mapping):
                return item
    return None


def has(obj: Any, path: str) -> bool:
    """Whether the last key of ``path`` is present (even as null) where ``get`` looks."""
    steps = parse(path)
    holder = _walk(obj, steps[:-1], len(steps))
    return isinstance(holder, Mapping) and steps[-1].key in holder


def get(obj: Any, path: str) -> Any:
    """The value at ``path`` in ``obj``, or None when any step is missing or odd."""
    steps = parse(path)
    return _walk(obj, steps, len(steps))


def _walk(obj: Any, steps: tuple[Step, ...], total: int) -> Any:
    current = obj
    for index, step in enumerate(steps):
        if not isinstance(current, Mapping):
            return None
        current = current.get(step.key)
        if step.is_array:
            if not isinstance(current, list):
                return None
            last = index == total - 1
            if last and not step.conditions:  # a list of scalars: its first value
                return current[0] if current else None
            current = _select(current, step)
    return current


def _build(field: str, value: str) -> dict[str, Any]:
    """A fresh object where ``field`` (dots, ``[]`` markers) holds ``value``."""
    parts = field.split(".")
    result: Any = value
    for part in reversed(parts):
        result = {part[:-2]: [result]} if part.endswith("[]") else {part: result}
    assert isinstance(result, dict)
    return result


def _merge(into: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into.setdefault(key, value)


def _new_element(step: Step) -> dict[str, Any]:
    element: dict[str, Any] = {}
    for cond in step.conditions:
        if cond.op in ("=", ":="):
            _merge(element, _build(cond.field, cond.values[0]))
    return element


def put(obj: dict[str, Any], path: str, value: Any) -> None:
    """Write ``value`` at ``path``, creating objects and matching array elements."""
    steps = parse(path)
    current: dict[str, Any] = obj
    for index, step in enumerate(steps):
        last = index == len(steps) - 1
        if not step.is_array:
            if last:
                current[step.key] = value
                return
            child = current.get(step.key)
            if not isinstance(child, dict):
                child = {}
                current[step.key] = child
            current = child
            continue
        items = current.get(step.key)
        if not isinstance(items, list):
            items = []
            current[step.key] = items
        if last:  # a list of scalars: the value becomes its only element
            items[:] = [value]
            return
        element = next((e for e in items if _matches(e, step.conditions)), None)
        if element is None:
            element = _new_element(step)
            items.append(element)
        current = element
