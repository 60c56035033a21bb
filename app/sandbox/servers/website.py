"""The website / ad-channel feed receiver: full inventory feeds in, current listings out.

``PUT|POST /feeds/{channel}`` (channel ``website``, ``google`` or ``meta``; ``X-API-Key``)
takes a complete CSV or TSV feed (by ``Content-Type`` ``text/csv`` /
``text/tab-separated-values``, else sniffed from the header line; UTF-8, BOM or cp1252)
and replaces the channel's listings with its valid rows. Answer:
``{"accepted": N, "rejected": [{"row", "vin", "reason"}], "format"}`` where ``row`` is the
1-based data row (header not counted). Rows are rejected for a missing required field
(``REQUIRED``), a duplicate VIN (or Meta ``vehicle_id``), a bad VIN, price or year. A feed
whose header lacks a required column is refused whole (422) and the old listings stay.
``GET /listings?channel=website[&vin=]`` lists the current units; ``GET /feeds/{channel}``
summarises the last upload (``received_at`` null before the first). Header names are
matched case-insensitively.
"""

from __future__ import annotations

import csv
import functools
import hmac
import io
import re
import threading
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from app.sandbox.servers import validation as v
from app.sandbox.servers.clock import now_ts
from app.sandbox.servers.errors import ApiError
from app.sandbox.servers.faults import FaultSettings
from app.sandbox.servers.service import SandboxService

CHANNELS = ("website", "google", "meta")
REQUIRED: dict[str, tuple[str, ...]] = {
    "website": ("vin", "price", "make", "model", "year"),
    "google": ("vin", "price", "condition"),
    "meta": ("vehicle_id", "make", "model", "year", "price"),
}
MAX_FEED_BYTES = 50 * 1024 * 1024
_PRICE = re.compile(r"^\$?\s*([0-9][0-9,]*(?:\.[0-9]{1,2})?)\s*(?:[A-Z]{3})?$")


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _delimiter(content_type: str, first_line: str) -> tuple[str, str]:
    kind = content_type.split(";")[0].strip().lower()
    if kind in ("text/tab-separated-values", "text/tsv"):
        return "\t", "tsv"
    if kind in ("text/csv", "application/csv"):
        return ",", "csv"
    if first_line.count("\t") > first_line.count(","):
        return "\t", "tsv"
    return ",", "csv"


def _price_reason(value: str) -> str:
    m = _PRICE.match(value.strip())
    if not m:
        return f"price '{value}' is not an amount like 10499 or 10499 USD"
    try:
        Decimal(m.group(1).replace(",", ""))
    except InvalidOperation:
        return f"price '{value}' is not a number"
    return ""


def check_row(channel: str, row: Mapping[str, str]) -> str:
    """Why a feed row is unusable, or ''."""
    missing = [c for c in REQUIRED[channel] if not row.get(c, "").strip()]
    if missing:
        return f"missing required field(s): {', '.join(missing)}"
    if row.get("vin") and v.vin(row["vin"].strip()):
        return v.vin(row["vin"].strip())
    if row.get("price") and _price_reason(row["price"]):
        return _price_reason(row["price"])
    year = row.get("year", "").strip()
    if year and not (year.isdigit() and 1900 <= int(year) <= 2100):
        return f"year '{year}' is not a model year"
    return ""


def parse_feed(channel: str, raw: bytes, content_type: str) -> dict[str, Any]:
    """Valid rows and rejections of one feed; ApiError when the feed is unusable whole."""
    text = _decode(raw)
    if not text.strip():
        raise ApiError(400, "the feed is empty")
    delimiter, fmt = _delimiter(content_type, text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower().replace(" ", "_") for h in next(reader)]
    absent = [c for c in REQUIRED[channel] if c not in header]
    if absent:
        raise ApiError(
            422,
            f"the {channel} feed has no column(s) {', '.join(absent)}; listings kept",
            field=absent[0],
        )
    rows: list[dict[str, str]] = []
    rejected: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(reader, start=1):
        if not any(c.strip() for c in cells):
            continue
        row = {h: c.strip() for h, c in zip(header, cells, strict=False)}
        vin = row.get("vin", "").upper()
        reason = "row has more fields than the header" if len(cells) > len(header) else ""
        reason = reason or check_row(channel, row)
        keys = [k for k in (vin, row.get("vehicle_id", "")) if k]
        first = next((seen[k] for k in keys if k in seen), None)
        if not reason and first is not None:
            reason = f"duplicate vin (first in row {first})"
        if reason:
            rejected.append({"row": number, "vin": vin, "reason": reason})
            continue
        for k in keys:
            seen[k] = number
        rows.append(row)
    return {"rows": rows, "rejected": rejected, "format": fmt}


class WebsiteService(SandboxService):
    name = "website"

    def __init__(self, dataset: Any, base: FaultSettings, credentials: Mapping[str, str]) -> None:
        self._lock = threading.Lock()
        self.listings: dict[str, list[dict[str, str]]] = {}
        self.uploads: list[dict[str, Any]] = []
        super().__init__(dataset, base, credentials)

    def load(self) -> None:
        # Channels start empty: the app's first feed publishes the inventory.
        with self._lock:
            self.listings = {c: [] for c in CHANNELS}
            self.uploads = []

    def exports(self) -> dict[str, Callable[[], list[dict[str, Any]]]]:
        out: dict[str, Callable[[], list[dict[str, Any]]]] = {
            c: functools.partial(self.current, c) for c in CHANNELS
        }
        out["uploads"] = lambda: list(self.uploads)
        return out

    def current(self, channel: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self.listings.get(channel, [])]

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/feeds/{channel}", self._feed, methods=["GET", "PUT", "POST"]),
            Route("/listings", self._listings, methods=["GET"]),
        ]

    def _guard(self, request: Request) -> None:
        key = request.headers.get("x-api-key", "")
        if not hmac.compare_digest(key.encode(), self.credentials["api_key"].encode()):
            raise ApiError(401, "missing or invalid X-API-Key")

    @staticmethod
    def _channel(value: str) -> str:
        if value not in CHANNELS:
            raise ApiError(404, f"unknown channel '{value}'; use {', '.join(CHANNELS)}")
        return value

    async def _feed(self, request: Request) -> Response:
        self._guard(request)
        channel = self._channel(request.path_params["channel"])
        if request.method == "GET":
            mine = [u for u in self.uploads if u["channel"] == channel]
            if not mine:  # the address is right; nothing was uploaded to it yet
                return JSONResponse({"channel": channel, "received_at": None, "accepted": 0})
            return JSONResponse(mine[-1])
        raw = await request.body()
        if len(raw) > MAX_FEED_BYTES:
            raise ApiError(413, f"feeds are limited to {MAX_FEED_BYTES} bytes")
        parsed = parse_feed(channel, raw, request.headers.get("content-type", ""))
        summary = {
            "channel": channel,
            "received_at": now_ts(),
            "format": parsed["format"],
            "accepted": len(parsed["rows"]),
            "rejected": parsed["rejected"],
        }
        with self._lock:
            self.listings[channel] = parsed["rows"]
            self.uploads.append(summary)
            del self.uploads[:-100]  # bounded history
        return JSONResponse(summary)

    async def _listings(self, request: Request) -> Response:
        self._guard(request)
        channel = self._channel(request.query_params.get("channel", "website"))
        items = self.current(channel)
        vin = request.query_params.get("vin", "").upper()
        if vin:
            items = [r for r in items if r.get("vin", "").upper() == vin]
        return JSONResponse({"channel": channel, "total": len(items), "items": items})
