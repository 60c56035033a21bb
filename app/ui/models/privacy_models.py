"""Table models of the Privacy and Retention screens: plain rows of text, each column
sortable by a key of its own (numbers as numbers, times as times)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from app.services.retention_areas import AreaUsage
from app.sync.search import SearchHit
from app.ui.formatting import full_time
from app.ui.models.rows_model import Column, RowsTableModel


def _rows(
    columns: Sequence[tuple[str, Callable[[Any], Any], Callable[[Any], Any]]],
    numbers: Sequence[str] = (),
) -> RowsTableModel[Any]:
    """Plain text columns (header, text, sort key); the text is also the tooltip (cells
    elide); ``numbers`` are right-aligned."""
    return RowsTableModel(
        [Column(h, text, sort=key, tip=text, right=h in numbers) for h, text, key in columns]
    )  # fmt: skip


def _text(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Person:
    """One person as the search index knows them: their records in every system, shown
    once (grouped by golden id)."""

    name: str
    email: str
    phone: str
    customer_number: str  # the first record's key (the DMS customer number, usually)
    key: str  # what the privacy service finds them by: the golden id, else the record key
    systems: tuple[str, ...]


def people(hits: Sequence[SearchHit], systems: dict[str, str]) -> list[Person]:
    """``hits`` grouped per person, in the order found; the first non-empty value of each
    field wins (the source system's record usually comes first)."""
    groups: dict[str, list[SearchHit]] = {}
    for hit in hits:
        groups.setdefault(hit.golden_id or f"{hit.system}|{hit.record_key}", []).append(hit)

    def first(group: list[SearchHit], attr: str) -> str:
        return next((str(v) for h in group if (v := getattr(h, attr))), "")

    return [
        Person(
            name=first(group, "name"),
            email=first(group, "email"),
            phone=first(group, "phone"),
            customer_number=group[0].record_key,
            key=group[0].golden_id or group[0].record_key,
            systems=tuple(dict.fromkeys(systems.get(h.system, h.system) for h in group)),
        )
        for group in groups.values()
    ]


def people_model() -> RowsTableModel[Any]:
    """People found (``people``)."""
    return _rows(
        [
            ("Name", lambda p: p.name, lambda p: p.name.casefold()),
            ("E-mail", lambda p: p.email, lambda p: p.email),
            ("Phone", lambda p: p.phone, lambda p: p.phone),
            ("Customer no.", lambda p: p.customer_number, lambda p: p.customer_number),
            ("Systems", lambda p: ", ".join(p.systems), lambda p: ", ".join(p.systems)),
        ]
    )


def held_model() -> RowsTableModel[Any]:
    """Where a person's records are (system, kind of record, its id there)."""
    return _rows(
        [
            ("System", lambda r: r.system, lambda r: r.system),
            ("Record", lambda r: r.entity.replace("_", " "), lambda r: r.entity),
            ("Id there", lambda r: r.key, lambda r: r.key),
        ]
    )


REQUEST_WORDS = {
    "erased": "Erased",
    "partly": "Partly erased",
    "not_found": "Not found",
    "exported": "Exported",
}


def requests_model() -> RowsTableModel[Any]:
    """The register: (reference, action, status, by whom, when)."""
    return _rows(
        [
            ("Reference", lambda r: r[0], lambda r: r[0]),
            ("Request", lambda r: "Erasure" if r[1] == "erase" else "Access export",
             lambda r: r[1]),
            ("Result", lambda r: REQUEST_WORDS.get(r[2], r[2]), lambda r: r[2]),
            ("By", lambda r: r[3], lambda r: r[3]),
            ("When", lambda r: full_time(r[4]), lambda r: r[4].timestamp()),
        ]
    )  # fmt: skip


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{n:,} bytes"


def usage_model() -> RowsTableModel[Any]:
    """What each place holds and how long it is kept (the Retention screen)."""
    return _rows(
        [
            ("Place", lambda a: a.area, lambda a: a.area),
            ("What it holds", lambda a: a.holds, lambda a: a.holds),
            ("Kept", lambda a: a.kept, lambda a: a.kept),
            ("Rows / files", lambda a: f"{a.rows:,}", lambda a: a.rows),
            ("Size", lambda a: human_bytes(a.bytes), lambda a: a.bytes),
        ],
        numbers=("Rows / files", "Size"),
    )


__all__ = ["AreaUsage", "Person", "people"]
