"""Klaviyo's profile routes on the simulated marketing platform: ``GET /api/profiles``
(filtered, sorted, paged) and ``/api/profiles/{id}``, ``POST /api/profile-import``, the
bulk import job (``/api/profile-bulk-import-jobs``: the job, its import errors, its
profiles) and the data-privacy deletion job.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.sandbox.servers.dataset import Record
from app.sandbox.servers.klaviyo_requests import LIMITS, KlaviyoEndpoints, klaviyo_json
from app.sandbox.servers.klaviyo_store import KlaviyoStore
from app.sandbox.servers.klaviyo_wire import KlaviyoFault, invalid, klaviyo_ts

PROFILE_FILTERS = {
    "id": ("equals", "any"),
    "email": ("equals", "any"),
    "phone_number": ("equals", "any"),
    "external_id": ("equals", "any"),
    "updated": ("greater-than", "less-than"),
    "created": ("greater-than", "less-than"),
}
PROFILE_SORTS = ("id", "updated", "created", "email")


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


class KlaviyoProfileRoutes(KlaviyoEndpoints):
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
            Route("/api/data-privacy-deletion-jobs", self._delete, methods=["POST"]),
        ]

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
        return klaviyo_json({"data": [store.resource(r, root, subs) for r in page], "links": links})

    async def _profile(self, request: Request) -> Response:
        self._guard(request)
        row = self.store.get(request.path_params["pid"])
        if row is None:
            raise KlaviyoFault(
                404, "not_found", "Not found.", "A profile with this id does not exist."
            )
        resource = self.store.resource(row, self._root(request), self._subscriptions(request))
        return klaviyo_json({"data": resource, "links": {"self": str(request.url)}})

    async def _import_one(self, request: Request) -> Response:
        self._guard(request)
        data = (await self._body(request))["data"]
        if not isinstance(data, Mapping) or data.get("type") != "profile":
            raise invalid("data.type must be 'profile'.", pointer="/data/type")
        row, created = self.store.upsert(data)
        resource = self.store.resource(row, self._root(request), self._subscriptions(request))
        return klaviyo_json(
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
        return klaviyo_json(self._job_resource(request, job, status="queued"), 202)

    async def _job(self, request: Request) -> Response:
        self._guard(request)
        return klaviyo_json(self._job_resource(request, self._the_job(request)))

    async def _job_errors(self, request: Request) -> Response:
        self._guard(request)
        job = self._the_job(request)
        size = self._size(request, 20, 100)
        in_order = [{"seq": f"{n:06d}", "error": e} for n, e in enumerate(job["errors"])]
        page, links = self._page(request, in_order, lambda e: [e["seq"]], False, size)
        return klaviyo_json({"data": [e["error"] for e in page], "links": links})

    async def _job_profiles(self, request: Request) -> Response:
        self._guard(request)
        job = self._the_job(request)
        rows = [r for r in (self.store.get(p) for p in job["profiles"]) if r is not None]
        size = self._size(request, 20, 100)
        page, links = self._page(request, rows, lambda r: [r["subscriber_id"]], False, size)
        root, subs = self._root(request), self._subscriptions(request)
        return klaviyo_json(
            {"data": [self.store.resource(r, root, subs) for r in page], "links": links}
        )

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
