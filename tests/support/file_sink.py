"""A destination kind for tests whose records live in a JSON file, so a run in a child
process and the test that killed it see the same destination: upsert on external id, and
for each external id how many times it was created (more than once is a duplicate).

With ``ROOFTOP_TEST_SINK_HANG_AFTER=N`` in the environment, the write call after the N-th
writes ``<path>.hanging`` and never returns: the run is then reading and delivering, and
has not committed -- the moment a test kills it."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from app.connectors.base import CheckResult, ConfigField, Connector
from app.connectors.registry import register
from app.connectors.streams import Stream, StreamSource, WriteAction, WriteRecord, WriteResult
from tests.support.memory_connector import SinkStream

HANG_AFTER = "ROOFTOP_TEST_SINK_HANG_AFTER"


def load(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"records": {}, "created": {}, "writes": 0}
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


class FileSinkStream(Stream):
    spec = SinkStream.spec  # the in-memory sink's contacts

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        data = load(self.path)
        hang_after = int(os.environ.get(HANG_AFTER, "0") or 0)
        if hang_after and data["writes"] >= hang_after:
            Path(f"{self.path}.hanging").write_text(str(os.getpid()))
            while True:  # until the test kills this process
                time.sleep(1)
        data["writes"] += 1
        out = []
        for rec in batch:
            known = data["records"].get(rec.key)
            if known is None:
                data["created"][rec.key] = data["created"].get(rec.key, 0) + 1
                action = WriteAction.CREATED
            else:
                action = WriteAction.UNCHANGED if known == rec.payload else WriteAction.UPDATED
            data["records"][rec.key] = dict(rec.payload)
            out.append(WriteResult(action, f"F-{rec.key}"))
        temp = self.path.with_suffix(".tmp")
        temp.write_text(json.dumps(data), "utf-8")
        temp.replace(self.path)
        return out


class FileSinkConnector(Connector, StreamSource):
    kind = "test_file_sink"
    label = "JSON file destination (tests)"
    fields: ClassVar[tuple[ConfigField, ...]] = (ConfigField("path", "File"),)

    def check(self) -> CheckResult:
        return CheckResult(True, "a file")

    def streams(self) -> dict[str, Stream]:
        return {"contacts": FileSinkStream(Path(str(self.settings["path"])))}


register(FileSinkConnector)
