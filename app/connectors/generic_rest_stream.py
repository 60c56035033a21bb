"""A stream of a Generic REST kind (``dms_rest``, ``crm_rest``): the REST base's read loop
driven by the profile's dialect (path, paginator, records, "changed since" parameter),
records renamed to our field names, and one catch-up pass.

The catch-up: offsets and page numbers shift when a record changes while we page (it
moves to the end of the ``updated`` order), which can skip one record. When the answer
says how many records match (``total_at``) and fewer distinct ids arrived, the same range
is read once more and only what was missed is yielded. The "changed since" parameter is
taken as inclusive, so rows stamped exactly at the cursor come again; the engine's
payload hash skips them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pandas as pd

from app.connectors.generic_rest import Dialect
from app.connectors.rest.paging import dig
from app.connectors.rest.stream import Api, RestStream, Row
from app.connectors.rest_helpers import frame
from app.connectors.streams import StreamSpec


class GenericStream(RestStream):
    """One collection at ``path``; one record at ``path``/id."""

    def __init__(
        self,
        spec: StreamSpec,
        api: Api,
        path: str,
        *,
        dialect: Dialect,
        page_size: int,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.dialect = dialect
        self.names = dialect.names(spec.name)
        super().__init__(
            spec,
            api,
            path,
            paginator=dialect.paginator(),
            page_size=page_size,
            records=dialect.records_at,
            since=dialect.since,
            to_row=self._row,
            item_path=f"{path}/{{id}}",
            headers=headers,
            total=dialect.total_at,
        )

    def _row(self, item: Mapping[str, Any]) -> Row:
        return self.transform(self.names.row(item))

    def records_in(self, response: httpx.Response) -> list[Mapping[str, Any]]:
        """The records of a list answer, for calls beside the read loop ([] if none)."""
        try:
            body = response.json()
        except ValueError:
            return []
        items = dig(body, self.records_at) if self.records_at else body
        return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []

    def transform(self, row: Row) -> Row:
        """Per-stream derived fields (overridden where a stream has some)."""
        return row

    def read(self, cursor: str | None = None) -> Iterator[pd.DataFrame]:
        if not self.spec.readable:
            raise NotImplementedError(f"{self.spec.name} cannot be read")
        self.last_cursor = cursor
        seen: dict[str, str] = {}
        yield from self._pass(cursor, seen)
        if self.total is not None and len(seen) < self.total:
            yield from self._pass(cursor, seen)  # records moved while we paged: catch up

    def _pass(self, cursor: str | None, seen: dict[str, str]) -> Iterator[pd.DataFrame]:
        names = self.spec.field_names()
        for rows in self.pages(cursor):
            fresh = self._fresh(rows, seen)
            if fresh:
                yield frame(fresh, names)

    def _fresh(self, rows: list[Row], seen: dict[str, str]) -> list[Row]:
        """Rows not yet yielded with this or a newer stamp; moves ``last_cursor`` on."""
        key, stamp_field = self.spec.primary_key, self.spec.cursor_field
        out = []
        for row in rows:
            ident = str(row.get(key, ""))
            stamp = str(row.get(stamp_field) or "") if stamp_field else ""
            if ident in seen and seen[ident] >= stamp:
                continue
            seen[ident] = stamp
            if stamp and (self.last_cursor is None or stamp > self.last_cursor):
                self.last_cursor = stamp
            out.append(row)
        return out
