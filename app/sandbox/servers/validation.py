"""Field checks shared by the simulated systems; each returns a readable reason or ''.

Deliberately simple (regex-level): the servers must reject what a real system would
reject, not re-implement the app's normalisers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from app.sandbox.servers.clock import parse_ts
from app.sandbox.servers.errors import ApiError

Check = Callable[[str], str]


class FieldError(ValueError):
    """One field of an incoming record is unusable; the message starts with its name."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


def field_of(reason: str) -> str:
    """The field a ``"name: reason"`` / ``"name is required"`` message is about."""
    return reason.split(" ", 1)[0].rstrip(":")


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_STATE = re.compile(r"^[A-Za-z]{2}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


def email(value: str) -> str:
    return "" if not value or _EMAIL.match(value) else f"'{value}' is not a valid email address"


def phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if not value or len(digits) == 10 or (len(digits) == 11 and digits.startswith("1")):
        return ""
    return f"'{value}' is not a 10-digit phone number"


def zip_code(value: str) -> str:
    return "" if not value or _ZIP.match(value) else f"'{value}' is not a ZIP or ZIP+4"


def state(value: str) -> str:
    return "" if not value or _STATE.match(value) else f"'{value}' is not a 2-letter state"


def date(value: str) -> str:
    if not value:
        return ""
    return "" if _DATE.match(value) and parse_ts(value) else f"'{value}' is not a YYYY-MM-DD date"


def timestamp(value: str) -> str:
    return "" if not value or parse_ts(value) else f"'{value}' is not an ISO 8601 timestamp"


def money(value: str) -> str:
    if not value:
        return ""
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return f"'{value}' is not an amount like 12345.00"
    return "" if amount.is_finite() and amount >= 0 else f"'{value}' is not an amount >= 0"


def vin(value: str) -> str:
    if not value or _VIN.match(value.upper()):
        return ""
    return f"'{value}' is not a 17-character VIN (no I, O or Q)"


def one_of(*allowed: str, case: bool = True) -> Check:
    def check(value: str) -> str:
        ok = value in allowed if case else value.lower() in {a.lower() for a in allowed}
        return "" if not value or ok else f"'{value}' is not one of {', '.join(allowed)}"

    return check


def as_text(name: str, value: Any) -> str:
    """A JSON value as the stored string, or a 422 for objects, lists and booleans."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ApiError(422, f"{name}: expected a string", field=name)
    return str(value).strip()


def clean_changes(
    body: Mapping[str, Any],
    writable: Iterable[str],
    checks: Mapping[str, Check],
    *,
    to_column: Callable[[str], str] = lambda k: k,
    to_name: Callable[[str], str] = lambda k: k,
) -> dict[str, str]:
    """Validate a JSON object of field changes; 422 naming the first bad field."""
    allowed = set(writable)
    out: dict[str, str] = {}
    for key, raw in body.items():
        column = to_column(key)
        if column not in allowed:
            raise ApiError(422, f"{key}: unknown or read-only field", field=key)
        value = as_text(key, raw)
        reason = checks.get(column, _ok)(value)
        if reason:
            raise ApiError(422, f"{key}: {reason}", field=to_name(column))
        out[column] = value
    return out


def _ok(_value: str) -> str:
    return ""
