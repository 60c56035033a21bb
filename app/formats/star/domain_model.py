"""What a STAR domain is: its flat ``Field``s, their JSON paths and targets, its envelope.

Each ``Field`` names one flat column and the STAR JSON path(s) it lives at (see
``paths`` for the selector syntax). The first path is the one written; the others are
read, in order, when the first is empty (other servers put the same value elsewhere).
``targets`` says which bodies carry the field: ``record`` (the resource as a server
returns it), ``create`` (the POST body) and ``update`` (the PUT/PATCH body), following
each spec's ``<X>Create`` / ``<X>Update`` schema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

RECORD, CREATE, UPDATE = "record", "create", "update"
ALL = frozenset({RECORD, CREATE, UPDATE})
RECORD_CREATE = frozenset({RECORD, CREATE})
READ_ONLY = frozenset({RECORD})

# Required request headers, as each spec's operations list them (``required: true``).
BASE_HEADERS = (
    "Transaction-ID",
    "Standards-Version",
    "Country-Code",
    "Locale",
    "Correlation-ID",
    "Org-Version",
)


@dataclass(frozen=True)
class Field:
    name: str
    paths: tuple[str, ...]
    kind: str = "text"  # text|bool|yn|org|datetime|day|date|int|urls|items
    targets: frozenset[str] = ALL
    consts: tuple[tuple[str, Any], ...] = ()  # written beside the value
    target_paths: tuple[tuple[str, str], ...] = ()  # (target, path) overrides for writing
    note: str = ""

    def write_path(self, target: str) -> str:
        return dict(self.target_paths).get(target, self.paths[0])


@dataclass(frozen=True)
class Envelope:
    """Where a collection answer keeps its records and its paging facts."""

    records: str = "data"
    has_more: str = "has_more"
    total: str = "total_count"
    next_cursor: str = ""  # cursor paging only


@dataclass(frozen=True)
class Domain:
    name: str  # our stream name
    spec_file: str
    schema: str  # the record schema
    create_schema: str
    update_schema: str
    collection: str  # path under the server's base path
    key_field: str  # the flat field whose value goes in the URL (``/{key}``)
    id_field: str  # the system-assigned id
    cursor_field: str  # flat last-modified timestamp
    fields: tuple[Field, ...]
    required_create: tuple[str, ...]
    read_headers: tuple[str, ...]
    write_headers: tuple[str, ...]
    list_envelope: Envelope = Envelope()
    single_wrapper: str = ""  # the single-record answer wraps the record in this key
    paging: str = "offset"  # offset (limit/offset) | cursor (limit/cursor)
    limit_max: int = 100
    date_filter: str = "filter"  # filter (sdate/edate) | from_to
    patch_media_type: str = "application/merge-patch+json"
    finish: Callable[[dict[str, Any], Mapping[str, str], str], None] | None = None
    notes: tuple[str, ...] = ()

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def writable(self, target: str) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if target in f.targets)
