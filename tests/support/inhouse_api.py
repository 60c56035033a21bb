"""A small real HTTP API on 127.0.0.1 shaped unlike the sandbox: a rooftop's in-house
system for the Generic REST kinds' non-default settings.

Each collection has its own path, JSON field names, list envelope, paging parameters
(limit/offset or page number) and "changed since" parameter. One record is at
``<path>/<id>`` (GET with an ``ETag``; PATCH with ``If-Match``); ``POST <path>`` creates;
``POST <path>/batch-upsert`` takes ``{"idField", "records"}`` and answers ``results`` (the
Generic REST CRM's envelope). Lists are ordered by (change time, id), so a record changed
while a client pages moves to the end, as on a real server. Every request is recorded;
``after_list`` runs after each list answer (to change records mid-read)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

TOKEN = "in-house-token-42"
Record = dict[str, Any]


@dataclass
class Collection:
    key: str  # the JSON key of the id
    stamp: str  # the JSON key of the change time
    records: list[Record]
    paging: str = "limit_offset"  # or "page_number"
    size_param: str = "limit"
    offset_param: str = "skip"  # limit_offset
    page_param: str = "page"  # page_number
    since_param: str = "modified_after"
    records_at: str = "results"
    total_at: str = "count"  # dotted: "meta.total" nests it

    def find(self, ident: str) -> Record | None:
        return next((r for r in self.records if str(r[self.key]) == ident), None)


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any = None


@dataclass
class InHouseApi:
    collections: dict[str, Collection]
    url: str = ""
    requests: list[Seen] = field(default_factory=list)
    after_list: Callable[[InHouseApi, str, int], None] | None = None  # (api, path, list no.)
    clock: int = 0  # change times are 2026-03-01T00:00:<clock>Z and on
    lock: threading.Lock = field(default_factory=threading.Lock)

    def stamp(self) -> str:
        self.clock += 1
        minutes, seconds = divmod(self.clock, 60)
        return f"2026-03-02T00:{minutes:02d}:{seconds:02d}Z"

    def touch(self, path: str, ident: str, changes: Record) -> Record:
        """Change a record as a user of the system would (it moves to the end)."""
        coll = self.collections[path]
        record = coll.find(ident)
        assert record is not None
        record.update(changes)
        record[coll.stamp] = self.stamp()
        record["_version"] = int(record.get("_version", 1)) + 1
        return record

    def seen(self, method: str, path: str | None = None) -> list[Seen]:
        return [r for r in self.requests if r.method == method and path in (None, r.path)]

    # -- answering -------------------------------------------------------------------
    def answer(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        if seen.headers.get("authorization") != f"Bearer {TOKEN}":
            return 401, {"message": "unknown token"}, {}
        with self.lock:
            for path, coll in self.collections.items():
                if seen.path == path:
                    if seen.method == "GET":
                        return 200, self._list(path, coll, seen.query), {}
                    if seen.method == "POST":
                        return self._create(coll, seen.body)
                if seen.path == f"{path}/batch-upsert" and seen.method == "POST":
                    return 200, self._upsert(coll, seen.body), {}
                if seen.path.startswith(path + "/"):
                    return self._one(path, coll, unquote(seen.path[len(path) + 1 :]), seen)
        return 404, {"message": f"no route {seen.method} {seen.path}"}, {}

    def _list(self, path: str, coll: Collection, query: dict[str, str]) -> Any:
        since = query.get(coll.since_param, "")
        rows = sorted(
            (r for r in coll.records if not since or r[coll.stamp] >= since),
            key=lambda r: (r[coll.stamp], str(r[coll.key])),
        )
        size = int(query.get(coll.size_param) or 10)
        if coll.paging == "page_number":
            start = (int(query.get(coll.page_param) or 1) - 1) * size
        else:
            start = int(query.get(coll.offset_param) or 0)
        chunk = [_public(r) for r in rows[start : start + size]]
        body: dict[str, Any] = {}
        _put(body, coll.records_at, chunk)
        _put(body, coll.total_at, len(rows))
        lists = sum(1 for r in self.requests if r.method == "GET" and r.path == path)
        if self.after_list is not None:
            self.after_list(self, path, lists)
        return body

    def _one(self, path: str, coll: Collection, ident: str, seen: Seen) -> Any:
        record = coll.find(ident)
        if record is None:
            return 404, {"message": f"no record {ident}"}, {}
        if seen.method == "PATCH":
            if seen.headers.get("if-match") != _etag(record):
                return 412, {"message": "the record changed"}, {}
            unknown = sorted(k for k in seen.body if k not in record)
            if unknown:
                return 422, {"message": f"unknown fields: {', '.join(unknown)}"}, {}
            changed = {k: v for k, v in seen.body.items() if record.get(k) != v}
            if changed:
                record.update(changed)
                record[coll.stamp] = self.stamp()
                record["_version"] = int(record.get("_version", 1)) + 1
        elif seen.method != "GET":
            return 405, {"message": "not allowed"}, {}
        return 200, _public(record), {"ETag": _etag(record)}

    def _create(self, coll: Collection, body: Any) -> tuple[int, Any, dict[str, str]]:
        record = {**body, coll.key: f"N{len(coll.records) + 1:04d}", coll.stamp: self.stamp()}
        coll.records.append(record)
        return 201, _public(record), {"ETag": _etag(record)}

    def _upsert(self, coll: Collection, body: Any) -> Any:
        id_field, results = body["idField"], []
        for index, item in enumerate(body["records"]):
            known = next((r for r in coll.records if r.get(id_field) == item.get(id_field)), None)
            if known is None:
                known = {**item, coll.key: f"N{len(coll.records) + 1:04d}"}
                known[coll.stamp] = self.stamp()
                coll.records.append(known)
                status = "created"
            elif all(known.get(k) == v for k, v in item.items()):
                status = "unchanged"
            else:
                known.update(item)
                known[coll.stamp] = self.stamp()
                status = "updated"
            results.append({"index": index, "status": status, "id": known[coll.key]})
        return {"results": results}


def _public(record: Record) -> Record:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def _etag(record: Record) -> str:
    return f'"v{record.get("_version", 1)}"'


def _put(body: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        body = body.setdefault(part, {})
    body[last] = value


@contextmanager
def serving(api: InHouseApi) -> Iterator[InHouseApi]:
    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            seen = Seen(
                self.command,
                parts.path,
                {k: v[-1] for k, v in parse_qs(parts.query).items()},
                {k.lower(): v for k, v in self.headers.items()},
                json.loads(raw) if raw else None,
            )
            api.requests.append(seen)
            code, body, headers = api.answer(seen)
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _handle

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
