"""The ``filter`` query parameter of STAR list operations: ``sdate:YYYY-MM-DD,edate:YYYY-MM-DD``.

The five specs that have it define it identically (``FilterQuery``): ``in: query``,
``description: Filter parameters``, ``schema: {type: string, minLength: 0, maxLength: 100,
example: "sdate:2026-02-09,edate:2026-02-09"}``, no pattern. So the format is that example:
comma-separated ``key:value`` pairs, dates without a time. We send ``sdate`` (the date of
our cursor, in UTC) and ``edate`` only when an upper bound is asked for; a server treats
both as inclusive calendar days. appointment.yaml has no ``filter``: it takes ``from`` /
``to`` date-times (``from_to_params``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from app.formats.errors import StarError

MAX_LENGTH = 100  # FilterQuery.schema.maxLength


def _day(value: datetime | date | str, name: str) -> date:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value.strip():
        raise StarError(f"{name}: expected a date or timestamp, got {value!r}.")
    text = value.strip()
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    else:
        stamp = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
        try:
            return _day(datetime.fromisoformat(stamp), name)
        except ValueError:
            pass
    raise StarError(f"{name}: '{value}' is not a date (YYYY-MM-DD) or ISO 8601 timestamp.")


def sdate_edate_filter(
    since: datetime | date | str, until: datetime | date | str | None = None
) -> str:
    """``sdate:<since's UTC date>[,edate:<until's UTC date>]`` for the ``filter`` parameter."""
    start = _day(since, "since")
    text = f"sdate:{start.isoformat()}"
    if until is not None:
        end = _day(until, "until")
        if end < start:
            raise StarError(f"until ({end}) is before since ({start}).")
        text += f",edate:{end.isoformat()}"
    return text


@dataclass(frozen=True)
class DateFilter:
    """A parsed ``filter``: inclusive calendar days (None = open)."""

    sdate: date | None = None
    edate: date | None = None

    def bounds(self) -> tuple[str, str]:
        """(lowest, first-excluded) UTC timestamps in ``YYYY-MM-DDTHH:MM:SSZ`` ('' = open),
        for comparing with stored timestamps as strings."""
        low = f"{self.sdate.isoformat()}T00:00:00Z" if self.sdate else ""
        high = ""
        if self.edate:
            high = f"{date.fromordinal(self.edate.toordinal() + 1).isoformat()}T00:00:00Z"
        return low, high


def parse_filter(text: str) -> DateFilter:
    """Read a ``filter`` value (server side); ``StarError`` says what is wrong."""
    if len(text) > MAX_LENGTH:
        raise StarError(f"filter is longer than {MAX_LENGTH} characters.")
    found: dict[str, date] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key, sep, value = part.partition(":")
        key = key.strip().lower()
        if not sep or key not in ("sdate", "edate"):
            raise StarError(
                f"filter: '{part}' is not understood; use sdate:YYYY-MM-DD,edate:YYYY-MM-DD."
            )
        if key in found:
            raise StarError(f"filter: {key} is given twice.")
        try:
            found[key] = date.fromisoformat(value.strip())
        except ValueError:
            raise StarError(f"filter: {key} '{value.strip()}' is not a YYYY-MM-DD date.") from None
    result = DateFilter(found.get("sdate"), found.get("edate"))
    if result.sdate and result.edate and result.edate < result.sdate:
        raise StarError("filter: edate is before sdate.")
    return result


def from_to_params(since: datetime | str, until: datetime | str | None = None) -> dict[str, str]:
    """``from``/``to`` query parameters (date-time) of appointment.yaml."""

    def stamp(value: datetime | str, name: str) -> str:
        if isinstance(value, datetime):
            moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        else:
            text = value.strip()
            text = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                raise StarError(f"{name}: '{value}' is not an ISO 8601 timestamp.") from None
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    params = {"from": stamp(since, "since")}
    if until is not None:
        params["to"] = stamp(until, "until")
    return params
