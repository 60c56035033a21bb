"""Klaviyo's consent job routes on the simulated marketing platform: the subscription
bulk create and delete jobs (202, no body) and the suppression bulk create job (and
``GET`` of it); the store applies consent as Klaviyo documents it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.sandbox.servers.clock import format_ts, parse_ts
from app.sandbox.servers.klaviyo_profiles import attribute_problems
from app.sandbox.servers.klaviyo_requests import LIMITS, KlaviyoEndpoints, klaviyo_json
from app.sandbox.servers.klaviyo_wire import KlaviyoFault, invalid, klaviyo_ts, new_id


class KlaviyoConsentRoutes(KlaviyoEndpoints):
    def routes(self) -> list[BaseRoute]:
        return [
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
        ]

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
        return klaviyo_json(self._suppression_resource(request, job), 202)

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
        return klaviyo_json(self._suppression_resource(request, job))


def _identity_problems(attrs: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(n, d) for n, d in attribute_problems(attrs) if n]
