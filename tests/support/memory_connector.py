"""An in-memory connector kind for tests: a 'source' table and a 'sink' table
with an upsert on external id, where a test can inject per-record rejects and failures."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import pandas as pd

from app.connectors.base import CheckResult, ConfigField, Connector
from app.connectors.errors import DeliveryError
from app.connectors.registry import register
from app.connectors.streams import (
    Stream,
    StreamField,
    StreamSource,
    StreamSpec,
    WriteAction,
    WriteRecord,
    WriteResult,
)

FIELDS = ("customer_id", "first_name", "last_name", "email", "mobile_phone", "updated_at")


class World:
    """State shared by every instance (the 'systems')."""

    source: ClassVar[list[dict[str, str]]] = []
    sink: ClassVar[dict[str, dict[str, Any]]] = {}  # sink id -> record
    by_external: ClassVar[dict[str, str]] = {}
    reject_if: ClassVar[dict[str, str]] = {}  # field value -> reason
    fail_batches: ClassVar[int] = 0  # next N write calls raise DeliveryError
    writes: ClassVar[list[int]] = []  # batch sizes seen
    page_size: ClassVar[int] = 3

    @classmethod
    def reset(cls) -> None:
        cls.source, cls.sink, cls.by_external = [], {}, {}
        cls.reject_if, cls.fail_batches, cls.writes, cls.page_size = {}, 0, [], 3


class SourceStream(Stream):
    spec = StreamSpec(
        "customers",
        "customer",
        tuple(StreamField(f) for f in FIELDS),
        "customer_id",
        "updated_at",
    )

    def read(self, cursor: str | None = None) -> Iterator[pd.DataFrame]:
        rows = sorted(World.source, key=lambda r: (r["updated_at"], r["customer_id"]))
        rows = [r for r in rows if cursor is None or r["updated_at"] >= cursor]
        for i in range(0, len(rows), World.page_size):
            yield pd.DataFrame(rows[i : i + World.page_size], columns=list(FIELDS))


class SinkStream(Stream):
    spec = StreamSpec(
        "contacts",
        "customer",
        (StreamField("external_id", required=True), StreamField("first_name"),
         StreamField("last_name", required=True), StreamField("email"), StreamField("phone")),
        "id",
        writable=True,
        max_batch=2,
    )  # fmt: skip

    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        World.writes.append(len(batch))
        if World.fail_batches > 0:
            World.fail_batches -= 1
            raise DeliveryError("sink unreachable (injected)")
        out = []
        for rec in batch:
            bad = next((r for v, r in World.reject_if.items() if v in rec.payload.values()), None)
            if bad:
                out.append(WriteResult(WriteAction.REJECTED, error=bad))
                continue
            sink_id = rec.dest_id or World.by_external.get(rec.key)
            if sink_id is None:
                sink_id = f"S{len(World.sink) + 1}"
                World.by_external[rec.key] = sink_id
                World.sink[sink_id] = dict(rec.payload)
                out.append(WriteResult(WriteAction.CREATED, sink_id))
            elif all(World.sink[sink_id].get(k) == v for k, v in rec.payload.items()):
                out.append(WriteResult(WriteAction.UNCHANGED, sink_id))
            else:
                World.sink[sink_id].update(rec.payload)
                out.append(WriteResult(WriteAction.UPDATED, sink_id))
        return out


class MemoryConnector(Connector, StreamSource):
    kind = "test_memory"
    label = "In-memory test system"
    fields: ClassVar[tuple[ConfigField, ...]] = (ConfigField("name", "Name"),)

    def check(self) -> CheckResult:
        return CheckResult(True, "in memory")

    def streams(self) -> dict[str, Stream]:
        return {"customers": SourceStream(), "contacts": SinkStream()}


register(MemoryConnector)
