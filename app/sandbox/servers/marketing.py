"""The simulated e-mail/SMS marketing platform.

Auth ``X-API-Key``; a token bucket per key (429 + ``Retry-After``). Contacts carry
``email_consent`` and ``sms_consent`` (``subscribed``/``unsubscribed``; '' = never asked).
As on real platforms, the API cannot re-subscribe someone who unsubscribed: such a record
is rejected (only the person can opt in again).

Routes: ``GET /contacts`` (cursor, ``updated_since``, ``email=``, ``segment=``),
``GET /contacts/{id}``, ``POST /contacts/batch`` ``{"idField": "email"|"external_id"|
"subscriber_id", "records": [...]}`` (max 100, per-record results; ``segments`` is a list or
``a;b``), ``GET|POST /lists``, ``GET /lists/{id}``, ``GET|POST /lists/{id}/members``
(``{"subscriber_ids": [...]}`` or ``{"emails": [...]}``, max 100), ``GET /segments``
(names with member counts, from the contacts' ``segments``).

The same contacts and lists also answer as Klaviyo under ``/api`` (``klaviyo_routes``),
with the demo ``klaviyo_api_key``.
"""

from __future__ import annotations

import hmac
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from app.sandbox.schema import TABLES
from app.sandbox.servers import validation as v
from app.sandbox.servers.clock import Clock, now_ts
from app.sandbox.servers.crm_store import text_value
from app.sandbox.servers.dataset import Record, table_records
from app.sandbox.servers.errors import ApiError
from app.sandbox.servers.faults import FaultSettings
from app.sandbox.servers.klaviyo_routes import KlaviyoRoutes
from app.sandbox.servers.klaviyo_store import KlaviyoStore
from app.sandbox.servers.klaviyo_wire import klaviyo_fault_body
from app.sandbox.servers.paging import cursor_response, ordered, since_param
from app.sandbox.servers.service import SandboxService, json_body
from app.sandbox.servers.table import MAX_BATCH, Table

COLUMNS = (*TABLES["marketing_contacts"], "external_id")
WRITABLE = tuple(c for c in COLUMNS if c not in ("subscriber_id", "updated_at"))
CONSENT = ("subscribed", "unsubscribed")


def normalise(raw: Mapping[str, Any]) -> Record:
    out: Record = {}
    for key, value in raw.items():
        if key not in (*WRITABLE, "subscriber_id"):
            raise v.FieldError(key, "unknown field")
        if key == "segments" and isinstance(value, list):
            if not all(isinstance(s, str) for s in value):
                raise v.FieldError("segments", "expected a list of names")
            value = ";".join(s.strip() for s in value if s.strip())
        out[key] = text_value(key, value)
    return out


def validate(fields: Record, current: Record | None) -> str:
    if current is None and not fields.get("email"):
        return "email is required"
    reason = v.email(fields.get("email", ""))
    if reason:
        return f"email: {reason}"
    for name in ("email_consent", "sms_consent"):
        value = fields.get(name, "")
        if value and value not in CONSENT:
            return f"{name}: '{value}' is not subscribed or unsubscribed"
        if current and current.get(name) == "unsubscribed" and value == "subscribed":
            return f"{name}: the contact unsubscribed; only they can opt in again"
    return ""


class MarketingService(SandboxService):
    name = "marketing"
    rate_limited = True

    def __init__(self, dataset: Any, base: FaultSettings, credentials: Mapping[str, str]) -> None:
        self._lock = threading.RLock()
        self.clock = Clock()
        self.contacts = Table(
            "subscriber_id",
            COLUMNS,
            id_prefix="S",
            clock=self.clock,
            unique=("email", "external_id"),
            lock=self._lock,
        )
        self.lists: dict[str, dict[str, Any]] = {}
        self.klaviyo = KlaviyoStore(self.contacts, self.lists, self.clock)
        super().__init__(dataset, base, credentials)

    def load(self) -> None:
        rows = table_records(self.dataset, "marketing_contacts")
        for row in rows:
            row["external_id"] = ""
        stamps = [r["updated_at"] for r in rows if r["updated_at"][:1].isdigit()]
        self.clock.advance_to(max(stamps, default=""))
        with self._lock:
            self.contacts.load(rows)
            self.lists.clear()  # the same dict: the Klaviyo routes share it
            self.klaviyo.reset()

    def exports(self) -> dict[str, Callable[[], list[dict[str, Any]]]]:
        return {
            "contacts": self.contacts.all,
            "lists": lambda: [self._list_view(lid, members=True) for lid in list(self.lists)],
            "segments": self._segments,
            **self.klaviyo.exports(lambda: ""),
        }

    def fault_body(self, path: str, status: int, message: str) -> dict[str, Any]:
        if path.startswith("/api/"):
            return klaviyo_fault_body(status, message)
        return super().fault_body(path, status, message)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/contacts", self._list_contacts, methods=["GET"]),
            Route("/contacts/batch", self._batch, methods=["POST"]),
            Route("/contacts/{subscriber_id}", self._contact, methods=["GET"]),
            Route("/lists", self._lists, methods=["GET", "POST"]),
            Route("/lists/{list_id}", self._one_list, methods=["GET"]),
            Route("/lists/{list_id}/members", self._members, methods=["GET", "POST"]),
            Route("/segments", self._segments_route, methods=["GET"]),
            *KlaviyoRoutes(self.klaviyo, self.credentials).routes(),
        ]

    def _guard(self, request: Request) -> None:
        key = request.headers.get("x-api-key", "")
        if not hmac.compare_digest(key.encode(), self.credentials["api_key"].encode()):
            raise ApiError(401, "missing or invalid X-API-Key")

    # -- contacts -----------------------------------------------------------------
    async def _list_contacts(self, request: Request) -> Response:
        self._guard(request)
        params = request.query_params
        rows = self.contacts.all()
        if params.get("email"):
            rows = [r for r in rows if r["email"].lower() == params["email"].lower()]
        if params.get("segment"):
            rows = [r for r in rows if params["segment"] in r["segments"].split(";")]
        since = since_param(params, "updated_since")
        return JSONResponse(
            cursor_response(ordered(rows, "subscriber_id", since), "subscriber_id", params, dict)
        )

    async def _contact(self, request: Request) -> Response:
        self._guard(request)
        row = self.contacts.get(request.path_params["subscriber_id"])
        if row is None:
            raise ApiError(404, "no such contact")
        return JSONResponse(row)

    async def _batch(self, request: Request) -> Response:
        self._guard(request)
        body = await json_body(request)
        records = body.get("records")
        if not isinstance(records, list):
            raise ApiError(422, "records: expected a list of objects", field="records")
        id_field = body.get("idField", "email")
        if not isinstance(id_field, str):
            raise ApiError(422, "idField: expected a field name", field="idField")
        results = self.contacts.batch_upsert(id_field, records, normalise, validate)
        summary = Counter(r["status"] for r in results)
        return JSONResponse({"results": results, "summary": dict(summary)})

    # -- lists and segments ---------------------------------------------------------
    def _list_view(self, list_id: str, *, members: bool = False) -> dict[str, Any]:
        with self._lock:
            entry = self.lists.get(list_id)
            if entry is None:
                raise ApiError(404, f"no list '{list_id}'")
            view = {k: val for k, val in entry.items() if k != "members"}
            view["member_count"] = len(entry["members"])
            if members:
                view["members"] = list(entry["members"])
            return view

    async def _lists(self, request: Request) -> Response:
        self._guard(request)
        if request.method == "GET":
            return JSONResponse({"data": [self._list_view(lid) for lid in list(self.lists)]})
        name = (await json_body(request)).get("name")
        if not isinstance(name, str) or not name.strip():
            raise ApiError(422, "name: required", field="name")
        with self._lock:
            for lid, entry in self.lists.items():
                if entry["name"].lower() == name.strip().lower():
                    raise ApiError(409, f"a list named '{name}' exists", extra={"list_id": lid})
            lid = f"L{len(self.lists) + 1:04d}"
            now = now_ts()
            self.lists[lid] = {
                "list_id": lid,
                "name": name.strip(),
                "created_at": now,
                "updated_at": now,
                "members": {},
            }
        return JSONResponse(self._list_view(lid), 201)

    async def _one_list(self, request: Request) -> Response:
        self._guard(request)
        return JSONResponse(self._list_view(request.path_params["list_id"]))

    async def _members(self, request: Request) -> Response:
        self._guard(request)
        list_id = request.path_params["list_id"]
        self._list_view(list_id)
        if request.method == "GET":
            with self._lock:
                ids = list(self.lists[list_id]["members"])
            rows = [r for r in (self.contacts.get(i) for i in ids) if r is not None]
            params = request.query_params
            return JSONResponse(
                cursor_response(ordered(rows, "subscriber_id"), "subscriber_id", params, dict)
            )
        body = await json_body(request)
        wanted = body.get("subscriber_ids") or body.get("emails") or []
        by_email = "subscriber_ids" not in body
        if not isinstance(wanted, list) or not all(isinstance(x, str) for x in wanted):
            raise ApiError(422, "subscriber_ids or emails: expected a list of strings")
        if len(wanted) > MAX_BATCH:
            raise ApiError(413, f"at most {MAX_BATCH} members per call, got {len(wanted)}")
        added, already, missing = 0, 0, []
        with self._lock:
            members = self.lists[list_id]["members"]
            for item in wanted:
                key = self.contacts.find("email" if by_email else "subscriber_id", item)
                if key is None:
                    missing.append(item)
                elif key in members:
                    already += 1
                else:
                    members[key] = True
                    added += 1
            if added:
                self.lists[list_id]["updated_at"] = now_ts()
        return JSONResponse({"added": added, "already_members": already, "not_found": missing})

    def _segments(self) -> list[dict[str, Any]]:
        counts: Counter[str] = Counter()
        for row in self.contacts.all():
            counts.update(s for s in row["segments"].split(";") if s)
        return [{"name": n, "count": c} for n, c in sorted(counts.items())]

    async def _segments_route(self, request: Request) -> Response:
        self._guard(request)
        return JSONResponse({"data": self._segments()})
