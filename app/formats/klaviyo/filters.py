"""Klaviyo's ``filter`` query parameter: built for reads, parsed (for the sandbox).

Syntax (API overview, "Filtering"): ``operator(field,value)``; several conditions joined
by commas all hold (an implicit ``and``), ``and(…)`` says the same. Values: strings in
double or single quotes (a backslash escapes), lists ``["a","b"]``, date-times unquoted
(``2026-01-01T00:00:00Z``), numbers, ``true``/``false``, ``null``. The specs type the
parameter as a free string and list the field/operator pairs per operation in words
(profiles: ``updated`` greater-than/less-than; ``email``, ``phone_number``,
``external_id``, ``id`` any/equals)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from app.formats.errors import KlaviyoError
from app.formats.klaviyo.common import TIMESTAMP_FORMAT, parse_time

OPERATORS = frozenset(
    {
        "equals",
        "any",
        "greater-than",
        "less-than",
        "greater-or-equal",
        "less-or-equal",
        "contains",
        "contains-any",
        "contains-all",
        "starts-with",
        "ends-with",
        "has",
    }
)


def _time(value: str) -> str:
    moment = parse_time(value)
    if moment is None:
        raise KlaviyoError(f"'{value}' is not a date-time (ISO 8601, e.g. 2026-01-01T00:00:00Z).")
    return moment.strftime(TIMESTAMP_FORMAT)


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def greater_than(field: str, when: str) -> str:
    return f"greater-than({field},{_time(when)})"


def changed_since(cursor: str, field: str = "updated") -> str:
    """Records changed at or after ``cursor``: Klaviyo only has ``greater-than`` on
    ``updated`` (seconds), so ask from one second before; repeats are skipped as unchanged."""
    moment = parse_time(cursor)
    if moment is None:
        raise KlaviyoError(f"'{cursor}' is not a date-time (ISO 8601, e.g. 2026-01-01T00:00:00Z).")
    return greater_than(field, (moment - timedelta(seconds=1)).strftime(TIMESTAMP_FORMAT))


def equals(field: str, value: str) -> str:
    return f"equals({field},{_string(value)})"


def any_of(field: str, values: Iterable[str]) -> str:
    return f"any({field},[{','.join(_string(v) for v in values)}])"


def join(*conditions: str) -> str:
    return ",".join(c for c in conditions if c)


@dataclass(frozen=True)
class Condition:
    operator: str
    field: str
    value: Any  # str (quoted or a bare date-time/word), float, bool, None, or a list


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, what: str) -> KlaviyoError:
        return KlaviyoError(f"filter: {what} at character {self.pos + 1} of '{self.text}'.")

    def peek(self) -> str:
        return self.text[self.pos : self.pos + 1]

    def skip_spaces(self) -> None:
        while self.peek() == " ":
            self.pos += 1

    def expect(self, char: str) -> None:
        self.skip_spaces()
        if self.peek() != char:
            raise self.fail(f"expected '{char}'")
        self.pos += 1

    def word(self) -> str:
        self.skip_spaces()
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in "(),[]'\" ":
            self.pos += 1
        return self.text[start : self.pos]

    def conditions(self) -> list[Condition]:
        out = [*self.condition()]
        self.skip_spaces()
        while self.peek() == ",":
            self.pos += 1
            out += self.condition()
            self.skip_spaces()
        return out

    def condition(self) -> list[Condition]:
        name = self.word().lower()
        if not name:
            raise self.fail("expected an operator")
        self.expect("(")
        if name == "and":
            inner = self.conditions()
            self.expect(")")
            return inner
        if name not in OPERATORS:
            raise self.fail(f"unknown operator '{name}'")
        field = self.word()
        if not field:
            raise self.fail("expected a field name")
        self.expect(",")
        value = self.value()
        self.expect(")")
        return [Condition(name, field, value)]

    def value(self) -> Any:
        self.skip_spaces()
        char = self.peek()
        if char in ("'", '"'):
            return self.quoted(char)
        if char == "[":
            self.pos += 1
            items: list[Any] = []
            self.skip_spaces()
            if self.peek() == "]":
                self.pos += 1
                return items
            while True:
                items.append(self.value())
                self.skip_spaces()
                if self.peek() == "]":
                    self.pos += 1
                    return items
                self.expect(",")
        raw = self.word()
        if not raw:
            raise self.fail("expected a value")
        lowered = raw.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        if lowered == "null":
            return None
        try:
            return float(raw)
        except ValueError:
            return raw  # a date-time or a bare word

    def quoted(self, quote: str) -> str:
        self.pos += 1
        out = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\" and self.pos + 1 < len(self.text):
                out.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            if char == quote:
                self.pos += 1
                return "".join(out)
            out.append(char)
            self.pos += 1
        raise self.fail("a quoted value is not closed")


def parse_filter(text: str) -> list[Condition]:
    """Every condition of a ``filter`` (all must hold), or a ``KlaviyoError`` naming the
    place where it cannot be read."""
    parser = _Parser(text.strip())
    if not parser.text:
        return []
    conditions = parser.conditions()
    parser.skip_spaces()
    if parser.pos != len(parser.text):
        raise parser.fail("unexpected text")
    return conditions
