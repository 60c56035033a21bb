"""Klaviyo's list routes on the simulated marketing platform: ``GET|POST /api/lists``,
``GET /api/lists/{id}`` and its profiles, ``POST|DELETE
/api/lists/{id}/relationships/profiles`` (membership never changes consent).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.sandbox.servers.klaviyo_requests import LIMITS, KlaviyoEndpoints, klaviyo_json
from app.sandbox.servers.klaviyo_wire import invalid, klaviyo_ts

LIST_FILTERS = {
    "id": ("equals", "any"),
    "name": ("equals", "any"),
    "created": ("greater-than",),
    "updated": ("greater-than",),
}


class KlaviyoListRoutes(KlaviyoEndpoints):
    def routes(self) -> list[BaseRoute]:
        return [
            Route("/api/lists", self._lists, methods=["GET", "POST"]),
            Route("/api/lists/{list_id}", self._list, methods=["GET"]),
            Route("/api/lists/{list_id}/profiles", self._list_profiles, methods=["GET"]),
            Route(
                "/api/lists/{list_id}/relationships/profiles",
                self._members,
                methods=["POST", "DELETE"],
            ),
        ]

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
            return klaviyo_json({"data": self._list_resource(request, entry)}, 201)
        with self.store.lock:
            entries = [
                {k: val for k, val in e.items() if k != "members"}
                for e in self.store.lists.values()
            ]
        names = {"id": "list_id", "name": "name", "created": "created_at", "updated": "updated_at"}
        rows = self._filtered(request, entries, LIST_FILTERS, lambda r, f: str(r.get(names[f], "")))
        size = self._size(request, 10, 10)
        page, links = self._page(request, rows, lambda r: [r["list_id"]], False, size)
        return klaviyo_json(
            {"data": [self._list_resource(request, e) for e in page], "links": links}
        )

    async def _list(self, request: Request) -> Response:
        self._guard(request)
        entry = self.store.the_list(request.path_params["list_id"])
        return klaviyo_json(
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
        return klaviyo_json({"data": data, "links": links})

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
