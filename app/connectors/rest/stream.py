"""A stream over one collection of one API: the read loop (pages, incremental query,
records to rows, the cursor to store), fetch by id, preview, and the request every
call of the stream goes through (the API's address, per-call headers, error words)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pandas as pd

from app.connectors.errors import (
    AuthError,
    ConnectorError,
    NotFilterableError,
    ServerRefusedError,
)
from app.connectors.rest.client import ResilientClient
from app.connectors.rest.paging import Page, Paginator, dig
from app.connectors.rest_helpers import error_text, frame, response_json
from app.connectors.streams import Stream, StreamSpec

Row = dict[str, Any]


@dataclass
class Api:
    """One API of a connector as its streams call it: the shared client, this API's
    address, the headers every call carries, and how the vendor words an error."""

    client: ResilientClient
    url: str  # base URL of the API, without a trailing slash
    system: str  # "DMS", "CRM"… in messages
    headers: Callable[[], dict[str, str]] = field(default=lambda: {})
    describe: Callable[[httpx.Response], str] = error_text

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """``path`` as the spec writes it (or an absolute URL from a next link)."""
        headers = {**self.headers(), **(kwargs.pop("headers", None) or {})}
        target = path if "://" in path else f"{self.url}{path}"
        if "json" in kwargs:
            body = _encoded(kwargs["json"])
            if body is not None:
                del kwargs["json"]
                kwargs["content"] = body
                if not any(k.lower() == "content-type" for k in headers):
                    headers["Content-Type"] = "application/json"
        return self.client.request(method, target, headers=headers, **kwargs)

    def raise_for_read(self, response: httpx.Response) -> None:
        """A failed read in plain words (auth problems become ``AuthError``)."""
        code = response.status_code
        if code < 400:
            return
        if code in (401, 403):
            raise AuthError(
                f"The {self.system} refused access: {self.describe(response)}.",
                hint="Check the credentials in the connection profile.",
            )
        raise ServerRefusedError(
            f"The {self.system} could not answer the read: {self.describe(response)}."
        )


class RestStream(Stream):
    """Reads ``path`` page by page. Declared per stream: where the records are in an
    answer (``records``), the paging style, the query that asks for changes since a
    cursor (``since``), how an item becomes a row (``to_row``), query parameters every
    read carries (``params``) and, for fetch, the path of one record (``item_path`` with
    ``{id}``). Optional: headers the list calls carry (``headers``) and where an answer
    says how many records match (``total``; the last read's count is kept in
    ``self.total``)."""

    def __init__(
        self,
        spec: StreamSpec,
        api: Api,
        path: str,
        *,
        paginator: Paginator,
        page_size: int,
        records: str = "items",
        since: Callable[[str], Mapping[str, Any]] | None = None,
        to_row: Callable[[Mapping[str, Any]], Row] | None = None,
        item_path: str | None = None,
        item_record: str = "",
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        total: str | None = None,
    ) -> None:
        self.spec = spec
        self.api = api
        self.path = path
        self.paginator = paginator
        self.page_size = page_size
        self.records_at = records
        self.since = since
        self.to_row = to_row or (lambda item: dict(item))
        self.item_path = item_path
        self.item_record = item_record
        self.params = dict(params or {})
        self.headers = dict(headers or {})
        self.total_at = total
        self.total: int | None = None  # how many records the last answer said match
        self.last_cursor: str | None = None  # the highest cursor value the last read yielded

    @property
    def incremental(self) -> bool:
        return self.since is not None and self.spec.cursor_field is not None

    # -- reading ------------------------------------------------------------------
    def pages(self, cursor: str | None = None) -> Iterator[list[Row]]:
        """Rows page by page from ``cursor`` on (everything when None)."""
        query: dict[str, Any] = {**self.params, **self.paginator.first(self.page_size)}
        if cursor and self.since is not None:
            query.update(self.since(cursor))
        url = self.path
        self.total = None
        while True:
            response = self.api.request(
                "GET", url, params=query or None, headers=dict(self.headers)
            )
            self.api.raise_for_read(response)
            body = _json(response, self.api.system)
            count = dig(body, self.total_at) if self.total_at else None
            if isinstance(count, int) and not isinstance(count, bool):
                self.total = count
            items = dig(body, self.records_at) if self.records_at else body
            if not isinstance(items, list):
                raise ConnectorError(
                    f"The {self.api.system} answered {self.path} without a list of records"
                    + (f" at '{self.records_at}'." if self.records_at else ".")
                )
            records = [i for i in items if isinstance(i, Mapping)]
            yield [self.to_row(r) for r in records]
            # the full address: a next link is judged against the server we asked
            here = url if "://" in url else f"{self.api.url}{url}"
            following = self.paginator.next(Page(here, query, body, records))
            if following is None:
                return
            url, query = following

    def read(self, cursor: str | None = None) -> Iterator[pd.DataFrame]:
        if not self.spec.readable:
            raise NotImplementedError(f"{self.spec.name} cannot be read")
        self.last_cursor = cursor
        names = self.spec.field_names()
        for rows in self.pages(cursor):
            self._advance(rows)
            if rows:
                yield frame(rows, names)

    def _advance(self, rows: Sequence[Row]) -> None:
        top_field = self.spec.cursor_field
        if not top_field:
            return
        stamps = [str(r.get(top_field) or "") for r in rows]
        top = max(stamps, default="")
        if top and (self.last_cursor is None or top > self.last_cursor):
            self.last_cursor = top

    def preview(self, limit: int, since: str | None = None) -> pd.DataFrame:
        """Up to ``limit`` records, from ``since`` when given (one or a few pages)."""
        if since is not None and not self.incremental:
            raise NotFilterableError(
                f"The {self.spec.name} stream cannot be filtered by time.",
                hint="Leave --since out to see the first records.",
            )
        rows: list[Row] = []
        saved, self.page_size = self.page_size, max(1, min(self.page_size, limit))
        try:
            for page in self.pages(since):
                rows += page
                if len(rows) >= limit:
                    break
        finally:
            self.page_size = saved
        return frame(rows[:limit], self.spec.field_names())

    def fetch(self, keys: Sequence[str]) -> pd.DataFrame:
        """Specific records by id, one GET each (for "re-sync this customer / VIN")."""
        if self.item_path is None:
            return super().fetch(keys)
        rows = []
        for key in keys:
            response = self.api.request(
                "GET", self.item_path.format(id=quote(key, safe="")), params=self.params or None
            )
            if response.status_code == 404:
                continue
            self.api.raise_for_read(response)
            body = _json(response, self.api.system)
            item = dig(body, self.item_record) if self.item_record else body
            if isinstance(item, Mapping):
                rows.append(self.to_row(item))
        return frame(rows, self.spec.field_names())


def _encoded(value: Any) -> bytes | None:
    """A request body as compact UTF-8 JSON, the text ``httpx`` would write, by orjson
    (a batch of a hundred records is encoded several times faster); None for a value only
    the standard library takes, which ``httpx`` then encodes as before."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return None


def _json(response: httpx.Response, system: str) -> Any:
    try:
        return response_json(response)
    except ValueError:
        raise ConnectorError(
            f"The {system} answered {response.request.method} {response.request.url.path} "
            "with something that is not JSON.",
            hint="Check that the base URL points at the API itself.",
        ) from None
