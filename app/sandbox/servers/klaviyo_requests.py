"""What every Klaviyo route of the simulated marketing platform does with a request: the
private API key and ``revision`` header checked, the JSON:API body read, ``page[size]``,
``filter`` and keyset pages (``page[cursor]``), answers in Klaviyo's media type.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.formats import klaviyo as kl
from app.sandbox.servers.clock import format_ts, parse_ts
from app.sandbox.servers.dataset import Record
from app.sandbox.servers.klaviyo_store import KlaviyoStore
from app.sandbox.servers.klaviyo_wire import KlaviyoFault, invalid

LIMITS = {"subscribe": 1000, "unsubscribe": 100, "suppress": 100, "import": 10_000, "members": 1000}


def klaviyo_json(body: Any, status: int = 200) -> Response:
    return JSONResponse(body, status, media_type=kl.MEDIA_TYPE)


class KlaviyoEndpoints:
    """A group of Klaviyo routes over the store: the request basics they share."""

    def __init__(self, store: KlaviyoStore, credentials: Mapping[str, str]) -> None:
        self.store = store
        self.credentials = credentials

    def _guard(self, request: Request) -> None:
        scheme, _sep, key = request.headers.get("authorization", "").partition(" ")
        expected = self.credentials["klaviyo_api_key"]
        if scheme != "Klaviyo-API-Key" or not hmac.compare_digest(key.encode(), expected.encode()):
            raise KlaviyoFault(
                401,
                "not_authenticated",
                "Authentication credentials were not provided.",
                "Missing or invalid private key (Authorization: Klaviyo-API-Key <key>).",
            )
        revision = request.headers.get("revision", "").strip()
        if not revision:
            raise invalid(
                "The revision header is required (e.g. 2026-07-15).", parameter="revision"
            )
        if not kl.REVISION_PATTERN.match(revision):
            raise invalid(
                f"'{revision}' is not a valid revision (YYYY-MM-DD[.suffix]).", parameter="revision"
            )

    async def _body(self, request: Request) -> dict[str, Any]:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in (kl.MEDIA_TYPE, "application/json"):
            raise KlaviyoFault(
                415,
                "unsupported_media_type",
                "Unsupported media type.",
                f"Content-Type must be {kl.MEDIA_TYPE}.",
            )
        raw = await request.body()
        try:
            data = json.loads(raw or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise invalid(f"The request body is not valid JSON: {exc}.") from None
        if not isinstance(data, dict) or "data" not in data:
            raise invalid(
                "The request body must be a JSON:API document with data.", pointer="/data"
            )
        return data

    @staticmethod
    def _root(request: Request) -> str:
        return f"{request.url.scheme}://{request.url.netloc}"

    @staticmethod
    def _size(request: Request, default: int, most: int) -> int:
        raw = request.query_params.get("page[size]", "")
        if not raw:
            return default
        if not raw.isdigit() or not 1 <= int(raw) <= most:
            raise invalid(
                f"page[size] must be an integer from 1 to {most}.", parameter="page[size]"
            )
        return int(raw)

    @staticmethod
    def _subscriptions(request: Request) -> bool:
        fields = request.query_params.get("additional-fields[profile]", "")
        return "subscriptions" in [f.strip() for f in fields.split(",")]

    def _page(
        self,
        request: Request,
        rows: list[dict[str, Any]],
        key: Callable[[dict[str, Any]], list[str]],
        descending: bool,
        size: int,
    ) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """A keyset page (a record changing while a client pages moves, never skips)."""
        ordered = sorted(rows, key=key, reverse=descending)
        cursor = request.query_params.get("page[cursor]", "")
        if cursor:
            after = _decode(cursor)
            ordered = [r for r in ordered if (key(r) < after if descending else key(r) > after)]
        page, more = ordered[:size], len(ordered) > size
        links = {"self": str(request.url)}
        if more and page:
            token = _encode(key(page[-1]))
            links["next"] = str(request.url.include_query_params(**{"page[cursor]": token}))
        return page, links

    def _filtered(
        self,
        request: Request,
        rows: list[Record],
        allowed: Mapping[str, tuple[str, ...]],
        value: Callable[[Record, str], str],
    ) -> list[Record]:
        text = request.query_params.get("filter", "")
        try:
            conditions = kl.parse_filter(text)
        except kl.KlaviyoError as exc:
            raise invalid(str(exc), parameter="filter") from None
        for c in conditions:
            if c.operator not in allowed.get(c.field, ()):
                raise invalid(
                    f"'{c.operator}' is not a valid operator for '{c.field}'.", parameter="filter"
                )
            rows = [r for r in rows if _holds(c, value(r, c.field))]
        return rows


def _holds(c: kl.Condition, value: str) -> bool:
    if c.operator == "equals":
        return value.lower() == str(c.value).lower() if isinstance(c.value, str) else False
    if c.operator == "any":
        wanted = {str(x).lower() for x in c.value} if isinstance(c.value, list) else set()
        return value.lower() in wanted
    moment, stamp = parse_ts(str(c.value)), parse_ts(value)
    if moment is None:
        raise invalid(f"'{c.value}' is not a date-time.", parameter="filter")
    if stamp is None:
        return False
    when, mine = format_ts(moment), format_ts(stamp)
    return mine > when if c.operator == "greater-than" else mine < when


def _encode(key: list[str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode("ascii").rstrip("=")


def _decode(cursor: str) -> list[str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        data = None
    if not (isinstance(data, list) and all(isinstance(x, str) for x in data)):
        raise invalid(
            "page[cursor] is not valid; pass back the one from links.next.",
            parameter="page[cursor]",
        )
    return data
