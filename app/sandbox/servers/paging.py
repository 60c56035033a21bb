"""The two pagination styles the simulated systems speak.

- Page numbers (Fortellis): ``page``/``pageSize``, ``totalItems``/``totalPages`` and
  ``links.nextPage`` that is absent on the last page. As in the CDK spec, a page past the
  end answers the last page, so clients must follow ``nextPage`` rather than count.
- Opaque cursors (cloud CRM, marketing): keyset on ``(updated_at, id)``, so a record
  updated while a client pages moves behind the cursor and is still seen once more.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from starlette.datastructures import URL

from app.sandbox.servers.clock import normalise_query_ts
from app.sandbox.servers.dataset import Record
from app.sandbox.servers.errors import ApiError


def _int_param(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be a whole number", field=name) from None
    if value < 1:
        raise ApiError(400, f"{name} must be 1 or more", field=name)
    return value


def ordered(records: Iterable[Record], id_key: str, since: str = "") -> list[Record]:
    """Records with ``updated_at >= since``, sorted by (updated_at, id)."""
    selected = [r for r in records if not since or r.get("updated_at", "") >= since]
    selected.sort(key=lambda r: (r.get("updated_at", ""), r.get(id_key, "")))
    return selected


def since_param(params: Mapping[str, str], name: str) -> str:
    raw = params.get(name, "")
    return normalise_query_ts(raw, name) if raw else ""


def page_number_response(
    records: list[Record],
    url: URL,
    params: Mapping[str, str],
    render: Callable[[Record], dict[str, Any]],
    *,
    max_size: int = 1000,
    default_size: int = 100,
) -> dict[str, Any]:
    size = min(_int_param(params, "pageSize", default_size), max_size)
    total = len(records)
    pages = max(1, math.ceil(total / size))
    page = min(_int_param(params, "page", 1), pages)
    chunk = records[(page - 1) * size : page * size]

    def link(number: int, title: str) -> dict[str, str]:
        href = str(url.include_query_params(page=number, pageSize=size))
        return {"href": href, "method": "GET", "title": title}

    links = {"self": link(page, "This page"), "firstPage": link(1, "First page")}
    if page < pages:
        links["nextPage"] = link(page + 1, "Next page")
    if page > 1:
        links["prevPage"] = link(page - 1, "Previous page")
    return {
        "items": [render(r) for r in chunk],
        "totalItems": total,
        "totalPages": pages,
        "page": page,
        "pageSize": size,
        "links": links,
    }


def encode_cursor(record: Record, id_key: str) -> str:
    raw = json.dumps([record.get("updated_at", ""), record.get(id_key, "")])
    return base64.urlsafe_b64encode(raw.encode()).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ApiError(
            400, "cursor is not valid; pass back next_cursor as is", field="cursor"
        ) from None
    if not (isinstance(data, list) and len(data) == 2 and all(isinstance(x, str) for x in data)):
        raise ApiError(400, "cursor is not valid; pass back next_cursor as is", field="cursor")
    return data[0], data[1]


def cursor_response(
    records: list[Record],
    id_key: str,
    params: Mapping[str, str],
    render: Callable[[Record], dict[str, Any]],
    *,
    max_limit: int = 500,
    default_limit: int = 100,
) -> dict[str, Any]:
    """One page of already ``ordered`` records after ``cursor``."""
    limit = min(_int_param(params, "limit", default_limit), max_limit)
    cursor = params.get("cursor", "")
    if cursor:
        after = decode_cursor(cursor)
        records = [r for r in records if (r.get("updated_at", ""), r.get(id_key, "")) > after]
    chunk = records[:limit]
    has_more = len(records) > limit
    return {
        "data": [render(r) for r in chunk],
        "has_more": has_more,
        "next_cursor": encode_cursor(chunk[-1], id_key) if has_more else None,
    }


def cursor_page(
    records: list[Record],
    keys: list[tuple[str, str]],
    id_key: str,
    params: Mapping[str, str],
    render: Callable[[Record], dict[str, Any]],
    *,
    max_limit: int = 500,
    default_limit: int = 100,
) -> dict[str, Any]:
    """``cursor_response`` over records already in (updated_at, id) order with those
    pairs in ``keys``: the page after the cursor is found by bisection, so paging through
    a large table costs a page per call, not a pass over the whole table."""
    limit = min(_int_param(params, "limit", default_limit), max_limit)
    cursor = params.get("cursor", "")
    start = bisect.bisect_right(keys, decode_cursor(cursor)) if cursor else 0
    chunk = records[start : start + limit]
    has_more = start + limit < len(records)
    return {
        "data": [render(r) for r in chunk],
        "has_more": has_more,
        "next_cursor": encode_cursor(chunk[-1], id_key) if has_more else None,
    }
