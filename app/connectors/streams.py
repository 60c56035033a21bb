"""Streams: one entity in one system. A stream reads DataFrame chunks from a cursor and
writes batches of records, answering per record."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

import pandas as pd

from app.connectors.errors import UnknownStreamError


class FieldKind(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"


@dataclass(frozen=True)
class StreamField:
    name: str
    kind: FieldKind = FieldKind.STRING
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class StreamSpec:
    """What a stream declares: its fields, primary key and (if incremental) cursor field."""

    name: str
    entity: str  # canonical entity used for identity links: customer, vehicle, deal, ...
    fields: tuple[StreamField, ...]
    primary_key: str
    cursor_field: str | None = None
    readable: bool = True
    writable: bool = False
    max_batch: int = 100
    description: str = ""
    # write batches that may be in flight at once: more than 1 only where the
    # destination takes parallel requests (the engine never has one record in two)
    concurrent_writes: int = 1
    # a field the system can hold only beside a value in one of these fields (consent kept
    # per e-mail address or per phone number): with none of them, it holds nothing there
    held_with: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def required_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.required]


class WriteAction(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"  # the destination refused this record (validation): park it
    FAILED = "failed"  # transient: the batch could not be delivered after retries
    REMOVED = "removed"  # archived, marked inactive or deleted (``Stream.remove``)


@dataclass(frozen=True)
class WriteRecord:
    """One record to deliver. ``key`` is the source's business key (it becomes the
    destination's external id); ``dest_id`` is the destination's own id when known.
    ``look_first``: a create that may have reached the destination already with no
    answer kept here (the flow's last run was cut off): a stream whose API cannot upsert
    looks for the record before it creates one."""

    key: str
    golden_id: str
    payload: dict[str, Any]
    dest_id: str | None = None
    idempotency_key: str = ""
    look_first: bool = False


@dataclass(frozen=True)
class WriteResult:
    action: WriteAction
    dest_id: str | None = None
    error: str | None = None
    response: dict[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Lookup:
    """What ``Stream.lookup`` found: the records by id, and ids that now lead elsewhere
    (merged into another record: old id -> the surviving id)."""

    rows: pd.DataFrame
    moved: dict[str, str] = field(default_factory=dict)


class Stream(ABC):
    """Base class of every stream. ``read`` yields DataFrames whose columns are the spec's
    field names (all values as strings, '' for missing), ordered by the cursor field.

    ``lists_all``: ``read(None)`` yields every record the system holds, so reconciliation
    can list the whole system (False: it looks each linked record up by id instead).
    ``removals``: how the stream can take a record away (``"inactive"``: archive or mark
    inactive, ``"delete"``), carried out by ``remove``."""

    spec: StreamSpec
    lists_all: ClassVar[bool] = True
    removals: ClassVar[tuple[str, ...]] = ()

    def read(self, cursor: str | None = None) -> Iterator[pd.DataFrame]:
        raise NotImplementedError(f"{self.spec.name} cannot be read")

    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        """Deliver up to ``spec.max_batch`` records; one result per record, same order.
        Raises ``DeliveryError`` when the whole batch could not be delivered."""
        raise NotImplementedError(f"{self.spec.name} cannot be written")

    def after_commit(self) -> None:  # noqa: B027 — optional hook, most streams need none
        """Called by the engine on the run's source stream once, after the run committed
        (its outcomes, retry-queue entries and cursor are saved) with status succeeded or
        completed with errors (those records are parked, so the input counts as taken).
        Never after a dry run, a re-sync of chosen keys, a replay, or a run that failed,
        was cancelled or died. A source that consumes its input (moves the extract files
        it read to processed/) does it here; the default does nothing. A
        ``ConnectorError`` raised here is logged and leaves the run as it is."""

    def remove(self, batch: Sequence[WriteRecord], how: str) -> list[WriteResult]:
        """Archive / mark inactive (``how="inactive"``) or delete (``"delete"``) the records
        whose ``dest_id`` is given; one result per record (``REMOVED``, ``UNCHANGED`` when
        already gone, ``REJECTED`` with the reason). Only for ``how`` in ``removals``."""
        raise NotImplementedError(f"{self.spec.name} cannot remove records")

    def lookup(self, ids: Sequence[str]) -> Lookup:
        """Records by this stream's own id (``fetch``); a stream that can tell a merged-away
        id says where it went in ``moved``."""
        return Lookup(self.fetch(ids))

    def fetch(self, keys: Sequence[str]) -> pd.DataFrame:
        """Read specific records by primary key (for re-syncing one customer or VIN)."""
        frames = [f for f in self.read(None)]
        if not frames:
            return pd.DataFrame(columns=self.spec.field_names())
        df = pd.concat(frames, ignore_index=True)
        return df[df[self.spec.primary_key].isin(list(keys))]


class StreamSource(ABC):
    """Mixin for connectors that have streams."""

    @abstractmethod
    def streams(self) -> dict[str, Stream]:
        """The connector's streams by name."""


def stream_named(connector: object, name: str, whose: str) -> Stream:
    """The stream ``name`` of ``connector``; ``whose`` names the connection in the error
    ("The source connection (Demo DMS)")."""
    if not isinstance(connector, StreamSource):
        raise UnknownStreamError(f"{whose} has no data streams.")
    streams = connector.streams()
    if name not in streams:
        raise UnknownStreamError(
            f"{whose} has no stream '{name}'.", hint=f"It offers: {', '.join(sorted(streams))}."
        )
    return streams[name]
