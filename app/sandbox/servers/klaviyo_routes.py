"""The simulated marketing platform speaking Klaviyo's API (revision 2026-07-15) over the
same contacts and lists (``klaviyo_store``), under ``/api``:

- ``GET /api/profiles`` (``filter``: equals/any on id, email, phone_number, external_id;
  greater-than/less-than on updated, created; ``sort`` id/updated/created/email, ``-`` for
  descending; ``page[size]`` 1..100, default 20; ``page[cursor]`` from ``links.next``;
  ``additional-fields[profile]=subscriptions``), ``GET /api/profiles/{id}``;
- ``POST /api/profile-import`` (201 created, 200 updated; 400 for an invalid e-mail or a
  phone not in E.164, 409 ``duplicate_profile`` when the identifiers name two people);
- ``POST /api/profile-bulk-import-jobs`` (202, at most 10,000 profiles; each profile is
  imported or gets an import error in Klaviyo's words, pointing at it), ``GET
  …/{job_id}`` (``processing`` for a moment, then ``complete`` with counts), ``GET
  …/{id}/import-errors``, ``GET …/{id}/profiles`` (paged);
- ``POST /api/profile-subscription-bulk-create-jobs`` (≤ 1000) and ``…-delete-jobs``
  (≤ 100): 202, no body; ``POST /api/profile-suppression-bulk-create-jobs`` (≤ 100
  e-mails): 202 with a job, ``GET …/{job_id}``;
- ``GET|POST /api/lists`` (page size ≤ 10), ``GET /api/lists/{id}``, ``GET
  /api/lists/{id}/profiles``, ``POST|DELETE /api/lists/{id}/relationships/profiles``
  (≤ 1000; 204; membership never changes consent);
- ``POST /api/data-privacy-deletion-jobs`` (one identifier; 202; the matching profiles
  are deleted at once, logged in ``/_sandbox/export/klaviyo_deletions``).

Every call needs ``Authorization: Klaviyo-API-Key <klaviyo_api_key>`` (401 otherwise) and
a ``revision`` header (400 when missing or not YYYY-MM-DD[.suffix]); bodies are
``application/vnd.api+json`` (or ``application/json``). Errors, 429s and injected faults
answer Klaviyo's ``{"errors": [...]}``; the marketing server's per-key token bucket
stands in for Klaviyo's burst/steady limits (429 with ``Retry-After``).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from app.formats import klaviyo as kl
from app.sandbox.servers.clock import format_ts, parse_ts
from app.sandbox.servers.dataset import Record
from app.sandbox.servers.klaviyo_profiles import attribute_problems
from app.sandbox.servers.klaviyo_store import KlaviyoStore
from app.sandbox.servers.klaviyo_wire import KlaviyoFault, invalid, klaviyo_ts, new_id

PROFILE_FILTERS = {
    "id": ("equals", "any"),
    "email": ("equals", "any"),
    "phone_number": ("equals", "any"),
    "external_id": ("equals", "any"),
    "updated": ("greater-than", "less-than"),
    "created": ("greater-than", "less-than"),
}
LIST_FILTERS = {
    "id": ("equals", "any"),
    "name": ("equals", "any"),
    "created": ("greater-than",),
    "updated": ("greater-than",),
}
PROFILE_SORTS = ("id", "updated", "created", "email")
LIMITS = {"subscribe": 1000, "unsubscribe": 100, "suppress": 100, "import": 10_000, "members": 1000}
Handler = Callable[[Request], Any]


def _json(body: Any, status: int = 200) -> Response:
    return JSONResponse(body, status, media_type=kl.MEDIA_TYPE)


def _profile_value(row: Record, store: KlaviyoStore, name: str) -> str:
    if name == "id":
        return row["subscriber_id"]
    if name == "phone_number":
        return row["phone"]
    if name == "created":
        return str(store.extra(row)["created"])
    if name == "updated":
        return row["updated_at"]
    return row.get(name, "")


class KlaviyoRoutes:
    def __init__(self, store: KlaviyoStore, credentials: Mapping[str, str]) -> None:
        self.store = store
        self.credentials = credentials

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/api/profiles", self._profiles, methods=["GET"]),
            Route("/api/profiles/{pid}", self._profile, methods=["GET"]),
            Route("/api/profile-import", self._import_one, methods=["POST"]),
            Route("/api/profile-bulk-import-jobs", self._import_job, methods=["POST"]),
            Route("/api/profile-bulk-import-jobs/{job_id}", self._job, methods=["GET"]),
            Route(
                "/api/profile-bulk-import-jobs/{job_id}/import-errors",
                self._job_errors,
                methods=["GET"],
            ),
            Route(
                "/api/profile-bulk-import-jobs/{job_id}/profiles",
                self._job_profiles,
                methods=["GET"],
            ),
            Route("/api/profile-subscription-bulk-create-jobs", self._subscribe, methods=["POST"]),
            Route(
                "/api/profile-subscription-bulk-delete-jobs", self._unsubscribe, methods=["POST"]
            ),
            Route("/api/profile-suppression-bulk-create-jobs", self._suppress, methods=["POST"]),
            Route(
                "/api/profile-suppression-bulk-create-jobs/{job_id}",
                self._suppression_job,
                methods=["GET"],
            ),
            Route("/api/lists", self._lists, methods=["GET", "POST"]),
            Route("/api/lists/{list_id}", self._list, methods=["GET"]),
            Route("/api/lists/{list_id}/profiles", self._list_profiles, methods=["GET"]),
            Route(
                "/api/lists/{list_id}/relationships/profiles",
                self._members,
                methods=["POST", "DELETE"],
            ),
            Route("/api/data-privacy-deletion-jobs", self._delete, methods=["POST"]),
        ]

    # -- request basics ---------------------------------------------------------------
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

    # -- profiles ---------------------------------------------------------------------
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

    async def _profiles(self, request: Request) -> Response:
        self._guard(request)
        store = self.store
        rows = self._filtered(
            request, store.rows(), PROFILE_FILTERS, lambda r, f: _profile_value(r, store, f)
        )
        sort = request.query_params.get("sort", "id")
        name = sort.lstrip("-")
        if name not in PROFILE_SORTS:
            raise invalid(f"'{sort}' is not a valid sort.", parameter="sort")
        size = self._size(request, 20, 100)
        page, links = self._page(
            request,
            rows,
            lambda r: [_profile_value(r, store, name), r["subscriber_id"]],
            sort.startswith("-"),
            size,
        )
        root, subs = self._root(request), self._subscriptions(request)
        return _json({"data": [store.resource(r, root, subs) for r in page], "links": links})

    async def _profile(self, request: Request) -> Response:
        self._guard(request)
        row = self.store.get(request.path_params["pid"])
        if row is None:
            raise KlaviyoFault(
                404, "not_found", "Not found.", "A profile with this id does not exist."
            )
        resource = self.store.resource(row, self._root(request), self._subscriptions(request))
        return _json({"data": resource, "links": {"self": str(request.url)}})

    async def _import_one(self, request: Request) -> Response:
        self._guard(request)
        data = (await self._body(request))["data"]
        if not isinstance(data, Mapping) or data.get("type") != "profile":
            raise invalid("data.type must be 'profile'.", pointer="/data/type")
        row, created = self.store.upsert(data)
        resource = self.store.resource(row, self._root(request), self._subscriptions(request))
        return _json(
            {"data": resource, "links": {"self": str(request.url)}}, 201 if created else 200
        )

    # -- the bulk import job ----------------------------------------------------------
    def _job_resource(self, request: Request, job: Mapping[str, Any], status: str = "") -> Any:
        done = time.monotonic() >= job["ready_at"]
        failed = len(job["errors"])
        attrs = {
            "status": status or ("complete" if done else "processing"),
            "created_at": klaviyo_ts(job["created_at"]),
            "total_count": job["total"],
            "completed_count": job["total"] - failed if done else 0,
            "failed_count": failed if done else 0,
            "started_at": klaviyo_ts(job["created_at"]),
            "completed_at": klaviyo_ts(job["completed_at"]) if done else None,
            "expires_at": None,
        }
        root = self._root(request)
        url = f"{root}/api/profile-bulk-import-jobs/{job['id']}/"
        return {
            "data": {
                "type": "profile-bulk-import-job",
                "id": job["id"],
                "attributes": attrs,
                "relationships": {
                    "lists": {"data": [{"type": "list", "id": i} for i in job["lists"]]},
                },
                "links": {"self": url},
            },
            "links": {"self": url},
        }

    def _the_job(self, request: Request) -> dict[str, Any]:
        job = self.store.import_jobs.get(request.path_params["job_id"])
        if job is None:
            raise KlaviyoFault(404, "not_found", "Not found.", "No bulk import job with this id.")
        return job

    async def _import_job(self, request: Request) -> Response:
        self._guard(request)
        data = (await self._body(request))["data"]
        attrs = data.get("attributes") if isinstance(data, Mapping) else None
        if not isinstance(data, Mapping) or data.get("type") != "profile-bulk-import-job":
            raise invalid("data.type must be 'profile-bulk-import-job'.", pointer="/data/type")
        items = (
            (attrs or {}).get("profiles", {}).get("data") if isinstance(attrs, Mapping) else None
        )
        if not isinstance(items, list) or not items:
            raise invalid(
                "profiles.data must be a non-empty list.", pointer="/data/attributes/profiles/data"
            )
        if len(items) > LIMITS["import"]:
            raise invalid(
                f"At most {LIMITS['import']} profiles per job.",
                pointer="/data/attributes/profiles/data",
            )
        lists = (data.get("relationships") or {}).get("lists", {}).get("data") or []
        list_ids = [str(x.get("id")) for x in lists if isinstance(x, Mapping)]
        job = self.store.run_import(items, list_ids)
        return _json(self._job_resource(request, job, status="queued"), 202)

    async def _job(self, request: Request) -> Response:
        self._guard(request)
        return _json(self._job_resource(request, self._the_job(request)))

    async def _job_errors(self, request: Request) -> Response:
        self._guard(request)
        job = self._the_job(request)
        size = self._size(request, 20, 100)
        in_order = [{"seq": f"{n:06d}", "error": e} for n, e in enumerate(job["errors"])]
        page, links = self._page(request, in_order, lambda e: [e["seq"]], False, size)
        return _json({"data": [e["error"] for e in page], "links": links})

    async def _job_profiles(self, request: Request) -> Response:
        self._guard(request)
        job = self._the_job(request)
        rows = [r for r in (self.store.get(p) for p in job["profiles"]) if r is not None]
        size = self._size(request, 20, 100)
        page, links = self._page(request, rows, lambda r: [r["subscriber_id"]], False, size)
        root, subs = self._root(request), self._subscriptions(request)
        return _json({"data": [self.store.resource(r, root, subs) for r in page], "links": links})

    # -- consent jobs -----------------------------------------------------------------
    async def _job_profiles_in(
        self, request: Request, kind: str, action: str
    ) -> tuple[Any, list[Any]]:
        data = (await self._body(request))["data"]
        if not isinstance(data, Mapping) or data.get("type") != kind:
            raise invalid(f"data.type must be '{kind}'.", pointer="/data/type")
        attrs = data.get("attributes")
        items = attrs.get("profiles", {}).get("data") if isinstance(attrs, Mapping) else None
        if not isinstance(items, list) or not items:
            raise invalid(
                "profiles.data must be a non-empty list.", pointer="/data/attributes/profiles/data"
            )
        if len(items) > LIMITS[action]:
            raise invalid(
                f"At most {LIMITS[action]} profiles per call.",
                pointer="/data/attributes/profiles/data",
            )
        return data, items

    @staticmethod
    def _channels(item: Any, index: int, action: str) -> tuple[Mapping[str, Any], dict[str, Any]]:
        """A profile of a subscription job: its identifiers and channel -> consented_at."""
        where = f"/data/attributes/profiles/data/{index}/attributes"
        attrs = item.get("attributes") if isinstance(item, Mapping) else None
        if not isinstance(attrs, Mapping):
            raise invalid("attributes: expected an object", pointer=where)
        subs = attrs.get("subscriptions")
        if not isinstance(subs, Mapping) or not subs:
            raise invalid("subscriptions is required.", pointer=f"{where}/subscriptions")
        wanted = "SUBSCRIBED" if action == "subscribe" else "UNSUBSCRIBED"
        channels: dict[str, Any] = {}
        for channel in ("email", "sms"):
            marketing = (
                (subs.get(channel) or {}).get("marketing")
                if isinstance(subs.get(channel), Mapping)
                else None
            )
            if marketing is None:
                continue
            if not isinstance(marketing, Mapping) or marketing.get("consent") != wanted:
                raise invalid(
                    f"{channel}.marketing.consent must be {wanted}.",
                    pointer=f"{where}/subscriptions/{channel}/marketing/consent",
                )
            channels[channel] = marketing.get("consented_at")
        email, phone = attrs.get("email"), attrs.get("phone_number")
        if "email" in channels and not (isinstance(email, str) and email.strip()):
            raise invalid("email is required to change e-mail consent.", pointer=f"{where}/email")
        if "sms" in channels and not (isinstance(phone, str) and phone.strip()):
            raise invalid(
                "phone_number is required to change SMS consent.", pointer=f"{where}/phone_number"
            )
        for name, detail in _identity_problems(attrs):
            raise invalid(detail, pointer=f"{where}/{name}")
        return attrs, channels

    async def _subscribe(self, request: Request) -> Response:
        self._guard(request)
        data, items = await self._job_profiles_in(
            request, "profile-subscription-bulk-create-job", "subscribe"
        )
        rel = ((data.get("relationships") or {}).get("list") or {}).get("data") or {}
        list_id = str(rel.get("id") or "") if isinstance(rel, Mapping) else ""
        if list_id:
            self.store.the_list(list_id)
        source = str((data.get("attributes") or {}).get("custom_source") or "")
        historical = (data.get("attributes") or {}).get("historical_import") is True
        parsed = [self._channels(item, i, "subscribe") for i, item in enumerate(items)]
        for index, (_attrs, channels) in enumerate(parsed):
            for channel, at in channels.items():
                where = f"/data/attributes/profiles/data/{index}/attributes/subscriptions/{channel}"
                moment = parse_ts(at) if isinstance(at, str) else None
                if not historical and at is not None:
                    raise invalid(
                        "consented_at may only be given with historical_import.",
                        pointer=f"{where}/marketing/consented_at",
                    )
                if historical and (moment is None or format_ts(moment) > self.store.clock.now()):
                    raise invalid(
                        "A historical import needs consented_at in the past.",
                        pointer=f"{where}/marketing/consented_at",
                    )
        for item, (attrs, channels) in zip(items, parsed, strict=True):
            if channels:
                self.store.subscribe(attrs, str(item.get("id") or ""), channels, list_id, source)
        return Response(status_code=202)

    async def _unsubscribe(self, request: Request) -> Response:
        self._guard(request)
        _data, items = await self._job_profiles_in(
            request, "profile-subscription-bulk-delete-job", "unsubscribe"
        )
        parsed = [self._channels(item, i, "unsubscribe") for i, item in enumerate(items)]
        for attrs, channels in parsed:
            if channels:
                self.store.unsubscribe(attrs, channels)
        return Response(status_code=202)

    async def _suppress(self, request: Request) -> Response:
        self._guard(request)
        data, items = await self._job_profiles_in(
            request, "profile-suppression-bulk-create-job", "suppress"
        )
        if data.get("relationships"):
            raise invalid(
                "The sandbox suppresses profiles given by e-mail only.",
                pointer="/data/relationships",
            )
        emails = []
        for index, item in enumerate(items):
            email = (
                ((item or {}).get("attributes") or {}).get("email")
                if isinstance(item, Mapping)
                else None
            )
            if not isinstance(email, str) or _identity_problems({"email": email}):
                raise invalid(
                    "Invalid email address",
                    pointer=f"/data/attributes/profiles/data/{index}/attributes/email",
                )
            emails.append(email.strip())
        done = [self.store.suppress(e) for e in emails]
        now = self.store.clock.now()
        job: dict[str, Any] = {
            "id": new_id(),
            "created_at": now,
            "total": len(emails),
            "completed": sum(done),
            "skipped": len(done) - sum(done),
        }
        self.store.suppression_jobs[job["id"]] = job
        return _json(self._suppression_resource(request, job), 202)

    def _suppression_resource(self, request: Request, job: Mapping[str, Any]) -> Any:
        url = f"{self._root(request)}/api/profile-suppression-bulk-create-jobs/{job['id']}/"
        return {
            "data": {
                "type": "profile-suppression-bulk-create-job",
                "id": job["id"],
                "attributes": {
                    "status": "complete",
                    "created_at": klaviyo_ts(job["created_at"]),
                    "total_count": job["total"],
                    "completed_count": job["completed"],
                    "completed_at": klaviyo_ts(job["created_at"]),
                    "skipped_count": job["skipped"],
                },
                "links": {"self": url},
            },
            "links": {"self": url},
        }

    async def _suppression_job(self, request: Request) -> Response:
        self._guard(request)
        job = self.store.suppression_jobs.get(request.path_params["job_id"])
        if job is None:
            raise KlaviyoFault(404, "not_found", "Not found.", "No suppression job with this id.")
        return _json(self._suppression_resource(request, job))

    # -- lists ------------------------------------------------------------------------
    def _list_resource(self, request: Request, entry: Mapping[str, Any]) -> Any:
        url = f"{self._root(request)}/api/lists/{entry['list_id']}/"
        return {
            "type": "list",
            "id": entry["list_id"],
            "attributes": {
                "name": entry["name"],
                "created": klaviyo_ts(entry["created_at"]),
                "updated": klaviyo_ts(entry["updated_at"]),
                "opt_in_process": entry.get("opt_in_process") or "single_opt_in",
            },
            "links": {"self": url},
        }

    async def _lists(self, request: Request) -> Response:
        self._guard(request)
        if request.method == "POST":
            data = (await self._body(request))["data"]
            attrs = data.get("attributes") if isinstance(data, Mapping) else None
            name = attrs.get("name") if isinstance(attrs, Mapping) else None
            if not isinstance(name, str) or not name.strip():
                raise invalid("name is required.", pointer="/data/attributes/name")
            opt_in = str(attrs.get("opt_in_process") or "single_opt_in")  # type: ignore[union-attr]
            if opt_in not in ("single_opt_in", "double_opt_in"):
                raise invalid(
                    "opt_in_process must be single_opt_in or double_opt_in.",
                    pointer="/data/attributes/opt_in_process",
                )
            entry = self.store.create_list(name.strip(), opt_in)
            return _json({"data": self._list_resource(request, entry)}, 201)
        with self.store.lock:
            entries = [
                {k: val for k, val in e.items() if k != "members"}
                for e in self.store.lists.values()
            ]
        names = {"id": "list_id", "name": "name", "created": "created_at", "updated": "updated_at"}
        rows = self._filtered(request, entries, LIST_FILTERS, lambda r, f: str(r.get(names[f], "")))
        size = self._size(request, 10, 10)
        page, links = self._page(request, rows, lambda r: [r["list_id"]], False, size)
        return _json({"data": [self._list_resource(request, e) for e in page], "links": links})

    async def _list(self, request: Request) -> Response:
        self._guard(request)
        entry = self.store.the_list(request.path_params["list_id"])
        return _json(
            {"data": self._list_resource(request, entry), "links": {"self": str(request.url)}}
        )

    async def _list_profiles(self, request: Request) -> Response:
        self._guard(request)
        with self.store.lock:
            entry = self.store.the_list(request.path_params["list_id"])
            joined = {
                pid: when if isinstance(when, str) else entry["created_at"]
                for pid, when in entry["members"].items()
            }
        rows = [r for r in (self.store.get(i) for i in joined) if r is not None]
        size = self._size(request, 20, 100)
        page, links = self._page(request, rows, lambda r: [r["subscriber_id"]], False, size)
        root, subs = self._root(request), self._subscriptions(request)
        data = []
        for row in page:
            resource = self.store.resource(row, root, subs)
            resource["attributes"]["joined_group_at"] = klaviyo_ts(joined[row["subscriber_id"]])
            data.append(resource)
        return _json({"data": data, "links": links})

    async def _members(self, request: Request) -> Response:
        self._guard(request)
        list_id = request.path_params["list_id"]
        self.store.the_list(list_id)
        data = (await self._body(request))["data"]
        if not isinstance(data, list) or not data:
            raise invalid("data must be a non-empty list of profiles.", pointer="/data")
        if len(data) > LIMITS["members"]:
            raise invalid(f"At most {LIMITS['members']} profiles per call.", pointer="/data")
        ids = []
        for index, item in enumerate(data):
            pid = item.get("id") if isinstance(item, Mapping) else None
            if not isinstance(pid, str) or self.store.get(pid) is None:
                raise invalid(f"Profile '{pid}' does not exist.", pointer=f"/data/{index}/id")
            ids.append(pid)
        if request.method == "POST":
            self.store.add_members(list_id, ids)
        else:
            self.store.remove_members(list_id, ids)
        return Response(status_code=204)

    # -- data privacy -----------------------------------------------------------------
    async def _delete(self, request: Request) -> Response:
        self._guard(request)
        data = (await self._body(request))["data"]
        if not isinstance(data, Mapping) or data.get("type") != "data-privacy-deletion-job":
            raise invalid("data.type must be 'data-privacy-deletion-job'.", pointer="/data/type")
        profile = (((data.get("attributes") or {}).get("profile") or {}).get("data")) or {}
        if not isinstance(profile, Mapping):
            raise invalid(
                "profile.data must be an object.", pointer="/data/attributes/profile/data"
            )
        raw = profile.get("attributes")
        attrs: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        given = [k for k in ("email", "phone_number") if attrs.get(k)]
        given += ["id"] if profile.get("id") else []
        if len(given) != 1:
            raise invalid(
                "Provide exactly one of email, phone_number or id.",
                pointer="/data/attributes/profile/data",
            )
        self.store.delete(attrs, str(profile.get("id") or ""))
        return Response(status_code=202)


def _identity_problems(attrs: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(n, d) for n, d in attribute_problems(attrs) if n]


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
