"""Paging styles: how a stream asks for the first page and finds the next one.

Each paginator answers ``first(page_size)`` (the query of the first request) and
``next(page)`` (the next request's URL and query, or None after the last page). A next
link may only point at the server we started on: our credentials never follow a link
to another host, and a link seen twice stops the read instead of looping."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from app.connectors.errors import ConnectorError

Query = dict[str, Any]


def dig(body: Any, path: str) -> Any:
    """``body["a"]["b"]`` for ``path`` "a.b" (None where anything is missing)."""
    node = body
    for part in path.split(".") if path else []:
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


@dataclass
class Page:
    """One answer of a list call."""

    url: str
    query: Query
    body: Any
    records: list[Mapping[str, Any]]


class Paginator(Protocol):
    def first(self, page_size: int) -> Query: ...

    def next(self, page: Page) -> tuple[str, Query] | None: ...


@dataclass
class LimitOffset:
    """``limit``/``offset``: the next page starts after what came; fewer records than
    asked for (or the total reached) ends it."""

    limit: str = "limit"
    offset: str = "offset"
    total: str | None = None  # where the body says how many there are, if it does

    def first(self, page_size: int) -> Query:
        return {self.limit: page_size, self.offset: 0}

    def next(self, page: Page) -> tuple[str, Query] | None:
        asked = int(page.query.get(self.limit) or 0)
        start = int(page.query.get(self.offset) or 0) + len(page.records)
        total = dig(page.body, self.total) if self.total else None
        if not page.records or len(page.records) < asked:
            return None
        if isinstance(total, int) and start >= total:
            return None
        return page.url, {**page.query, self.offset: start}


@dataclass
class PageNumber:
    """``page``/``pageSize``, following the body's next-page link where it gives one.
    Without a link, a short page ends it, or the total the body gives (an API that
    answers a page past the end with the last page again never ends otherwise)."""

    page: str = "page"
    size: str = "pageSize"
    first_page: int = 1
    link: str | None = None  # e.g. "links.nextPage.href"
    total: str | None = None  # where the body says how many there are, if it does
    _seen: set[str] = field(default_factory=set)

    def first(self, page_size: int) -> Query:
        self._seen = set()
        return {self.size: page_size}

    def next(self, page: Page) -> tuple[str, Query] | None:
        if self.link is not None:
            href = dig(page.body, self.link)
            if not isinstance(href, str) or not href:
                return None
            return same_server(page.url, href, self._seen), {}
        asked = int(page.query.get(self.size) or 0)
        if not page.records or len(page.records) < asked:
            return None
        number = int(page.query.get(self.page) or self.first_page)
        total = dig(page.body, self.total) if self.total else None
        if isinstance(total, int) and (number - self.first_page + 1) * asked >= total:
            return None
        return page.url, {**page.query, self.page: number + 1}


@dataclass
class CursorToken:
    """An opaque cursor from the body, sent back as a query parameter. A body that has
    no "more" flag at all leaves it to the cursor: the read ends when none comes."""

    param: str = "cursor"
    cursor: str = "next_cursor"
    more: str | None = "has_more"
    limit: str = "limit"

    def first(self, page_size: int) -> Query:
        return {self.limit: page_size}

    def next(self, page: Page) -> tuple[str, Query] | None:
        token = dig(page.body, self.cursor)
        more = dig(page.body, self.more) if self.more else None
        if (more is not None and not more) or not token:
            return None
        if token == page.query.get(self.param):
            raise ConnectorError(f"The server sent the same page cursor twice for {page.url}.")
        return page.url, {**page.query, self.param: token}


@dataclass
class NextLink:
    """The body (JSON:API ``links.next``, for one) names the next page's full URL."""

    link: str = "links.next"
    limit: str | None = None
    _seen: set[str] = field(default_factory=set)

    def first(self, page_size: int) -> Query:
        self._seen = set()
        return {self.limit: page_size} if self.limit else {}

    def next(self, page: Page) -> tuple[str, Query] | None:
        href = dig(page.body, self.link)
        if not isinstance(href, str) or not href:
            return None
        return same_server(page.url, href, self._seen), {}


@dataclass
class LinkCursor:
    """JSON:API cursor paging (Klaviyo): the body's next link (``links.next``) carries an
    opaque cursor in ``param``; it goes back to the address we asked, with our own query.
    The link's host is never called, so a link to elsewhere cannot take our credentials
    there; no cursor in it ends the read, the same cursor twice is an error."""

    link: str = "links.next"
    param: str = "page[cursor]"
    size: str | None = "page[size]"

    def first(self, page_size: int) -> Query:
        return {self.size: page_size} if self.size else {}

    def next(self, page: Page) -> tuple[str, Query] | None:
        href = dig(page.body, self.link)
        if not isinstance(href, str) or not href:
            return None
        token = (parse_qs(urlsplit(href).query).get(self.param) or [""])[0]
        if not token:
            return None
        if token == page.query.get(self.param):
            raise ConnectorError(f"The server sent the same page cursor twice for {page.url}.")
        return page.url, {**page.query, self.param: token}


def same_server(current: str, href: str, seen: set[str]) -> str:
    """``href`` (absolute or relative to ``current``'s server), refused when it points
    elsewhere or comes twice."""
    ours, theirs = urlsplit(current), urlsplit(href)
    if theirs.netloc and (theirs.scheme, theirs.netloc) != (ours.scheme, ours.netloc):
        raise ConnectorError(f"The server sent a next-page link to another server: {href}")
    if href in seen:
        raise ConnectorError(f"The server sent the same next-page link twice: {href}")
    seen.add(href)
    if not theirs.netloc:
        return f"{ours.scheme}://{ours.netloc}{href if href.startswith('/') else '/' + href}"
    return href
