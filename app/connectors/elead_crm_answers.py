"""Reading Elead's answers, shared by the Elead CRM streams.

Elead's search answers say ``pageNumber``/``totalPages`` and link the next page with
``rel: next`` in a list of links; pages are asked by number (a next link on another host,
as the spec's examples have, is never followed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

from app.connectors.errors import ConnectorError
from app.connectors.rest.paging import Page, dig
from app.connectors.rest.stream import Api

SETTLE = timedelta(minutes=5)  # a read's "now" is taken this much earlier (clock skew)
SEARCH_PAGES = 20  # a find-again search looks at this many pages at most
Clock = Callable[[], datetime]


class PageNumbers:
    """``page``/``pageSize``: the next page while the last one was full and the answer's
    ``totalPages`` says there are more."""

    def first(self, page_size: int) -> dict[str, Any]:
        return {"page": 1, "pageSize": page_size}

    def next(self, page: Page) -> tuple[str, dict[str, Any]] | None:
        asked = int(page.query.get("pageSize") or 0)
        number = int(page.query.get("page") or 1)
        total = dig(page.body, "totalPages")
        if not page.records or len(page.records) < asked:
            return None
        if isinstance(total, int) and not isinstance(total, bool) and number >= total:
            return None
        return page.url, {**page.query, "page": number + 1}


def json_of(response: httpx.Response, api: Api) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ConnectorError(
            f"Elead answered {response.request.method} {response.request.url.path} with "
            "something that is not JSON.",
            hint="Check that the API addresses point at the Elead APIs themselves.",
        ) from None


def items_of(body: Any, what: str) -> list[Mapping[str, Any]]:
    items = body.get("items") if isinstance(body, Mapping) else None
    if not isinstance(items, list):
        raise ConnectorError(f"Elead answered the {what} without a list of items.")
    return [i for i in items if isinstance(i, Mapping)]


def text_of(row: Mapping[str, Any], name: str) -> str:
    return str(row.get(name) or "").strip()
