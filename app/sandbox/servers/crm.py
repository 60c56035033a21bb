"""The simulated cloud CRM (generic REST, snake_case JSON).

Auth: ``X-API-Key`` or ``Authorization: Bearer`` from ``POST /oauth/token`` (client
credentials). A token bucket per key answers 429 + ``Retry-After`` when exceeded.
Lists use opaque cursors: ``?cursor=&limit=`` (max 500) and ``updated_since``; answers are
``{"data": [...], "has_more", "next_cursor"}``.

Routes:

- ``GET /contacts`` (``external_id=``, ``email=`` filters; ``archived=true`` lists the
  archived ones), ``GET|PATCH /contacts/{id}`` (410 + ``merged_into`` for a merged-away
  id, 404 + ``archived_at`` for an archived one); ``DELETE /contacts/{id}`` erases the
  contact with its leads, activities and appointments (a privacy erasure, or a delete a
  flow carries out; its deals stay, without the contact); ``POST
  /contacts/{id}/archive`` (the contact leaves the list; its external id is free again)
- ``POST /contacts/batch-upsert`` ``{"idField": "external_id"|"email"|"contact_id",
  "records": [...]}``: max 100 (413), per-record ``created|updated|unchanged|rejected``
  (the ``reject_rate`` fault refuses a seeded share of records: ``rejects``)
- ``POST /contacts/merge`` ``{"winnerId", "loserIds"}``
- ``GET|POST /leads``, ``GET|PATCH /leads/{id}`` (status New|Contacted|Appointment|Sold|Lost)
- ``GET|POST /activities`` (idempotent on ``external_id``: sent again, the body is written
  to the activity it names — 200, batch status ``updated`` or ``unchanged``)
- ``GET /deals``, ``POST /deals/batch-upsert``: deals keyed by ``external_id`` (the DMS deal
  number); a deal names its contact by ``contact_id`` or ``contact_external_id``
- ``GET|POST /appointments`` (idempotent on ``external_id``, as activities)
- ``POST /adf``: an ADF 1.0 XML lead (also accepted by e-mail, see ``smtp_sink``)
- Elead's two APIs under ``/elead-sales-customers`` and ``/elead-sales-opportunities``
  over the same contacts and leads (``elead_routes``)
- ``POST|GET /webhooks``: subscribe to ``lead.created``, ``lead.status_changed``,
  ``contact.merged``; each delivery is signed ``X-Signature: sha256=<hex HMAC-SHA256 of
  the raw body>`` with ``X-Timestamp`` and ``X-Event-Id``
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from app.sandbox.servers import validation as v
from app.sandbox.servers.adf import AdfError, parse_adf
from app.sandbox.servers.clock import now_ts
from app.sandbox.servers.crm_store import (
    APPOINTMENT_COLUMNS,
    CONTACT_WRITABLE,
    DEAL_COLUMNS,
    LEAD_STATUSES,
    CrmStore,
    normaliser,
    validate_contact,
)
from app.sandbox.servers.dataset import Record
from app.sandbox.servers.elead_routes import EleadRoutes, elead_error, is_elead_path
from app.sandbox.servers.errors import ApiError
from app.sandbox.servers.faults import FaultSettings
from app.sandbox.servers.oauth import TokenIssuer, token_endpoint
from app.sandbox.servers.paging import cursor_response, ordered, since_param
from app.sandbox.servers.records import IdempotencyKeys
from app.sandbox.servers.rejects import refuse_merge, refuse_record, refusing
from app.sandbox.servers.service import SandboxService, json_body
from app.sandbox.servers.table import Table
from app.sandbox.servers.webhooks import WebhookDispatcher

Handler = Callable[[Request], Any]
LEAD_FIELDS = (
    "contact_id", "source", "status", "salesperson", "vehicle_of_interest_vin",
    "vehicle_of_interest", "comments",
)  # fmt: skip
ACTIVITY_TYPES = ("call", "email", "sms", "note", "meeting", "visit", "service", "sale", "task")
DEAL_WRITABLE = tuple(c for c in DEAL_COLUMNS if c not in ("deal_id", "created_at", "updated_at"))


def _checked(
    body: Mapping[str, Any], allowed: tuple[str, ...], checks: Mapping[str, v.Check]
) -> Record:
    return v.clean_changes(body, allowed, checks)


class CrmService(SandboxService):
    name = "crm"
    token_paths: ClassVar[frozenset[str]] = frozenset({"/oauth/token"})
    rate_limited = True

    def __init__(self, dataset: Any, base: FaultSettings, credentials: Mapping[str, str]) -> None:
        self.store = CrmStore(self._emit)
        self.issuer = TokenIssuer(
            credentials["client_id"], credentials["client_secret"], base.token_ttl_s
        )
        self._idempotency = IdempotencyKeys()
        self.elead = EleadRoutes(self.store, self.issuer, credentials)
        super().__init__(dataset, base, credentials)
        self.elead.faults = self.faults  # reject_rate refuses Elead customers too

    def make_webhooks(self, base: FaultSettings) -> WebhookDispatcher:
        return WebhookDispatcher(
            "crm",
            _sign,
            _envelope,
            default_secret=self.credentials["webhook_secret"],
            attempts=base.webhook_attempts,
            backoff_s=base.webhook_backoff_s,
        )

    def _emit(self, event_type: str, payload: dict[str, Any]) -> None:
        if self.webhooks is not None:
            self.webhooks.publish(event_type, payload)

    def on_configure(self, settings: FaultSettings) -> None:
        super().on_configure(settings)
        self.issuer.ttl_s = settings.token_ttl_s

    def load(self) -> None:
        self.store.load(self.dataset)
        self.elead.reset()

    def fault_body(self, path: str, status: int, message: str) -> dict[str, Any]:
        if is_elead_path(path):
            return elead_error(status, message)
        return super().fault_body(path, status, message)

    def exports(self) -> dict[str, Callable[[], list[dict[str, Any]]]]:
        return self.store.exports()

    def routes(self) -> list[BaseRoute]:
        s = self.store
        self._list_contacts = self._lister(s.contacts, ("external_id", "email"))
        return [
            Route("/oauth/token", self._token, methods=["POST"]),
            Route("/contacts", self._contacts_list, methods=["GET"]),
            Route("/contacts/batch-upsert", self._upsert_contacts, methods=["POST"]),
            Route("/contacts/merge", self._merge, methods=["POST"]),
            Route("/contacts/{contact_id}", self._contact, methods=["GET", "PATCH", "DELETE"]),
            Route("/contacts/{contact_id}/archive", self._archive, methods=["POST"]),
            Route("/leads", self._lister(s.leads, ("status", "contact_id")), methods=["GET"]),
            Route("/leads", self._create_lead, methods=["POST"]),
            Route("/leads/{lead_id}", self._lead, methods=["GET", "PATCH"]),
            Route("/activities", self._lister(s.activities, ("contact_id",)), methods=["GET"]),
            Route("/activities", self._create_activity, methods=["POST"]),
            Route("/activities/batch", self._create_activities, methods=["POST"]),
            Route("/deals", self._lister(s.deals, ("contact_id", "external_id")), methods=["GET"]),
            Route("/deals/batch-upsert", self._upsert_deals, methods=["POST"]),
            Route("/appointments", self._lister(s.appointments, ("contact_id",)), methods=["GET"]),
            Route("/appointments", self._create_appointment, methods=["POST"]),
            Route("/adf", self._adf, methods=["POST"]),
            Route("/webhooks", self._subscribe, methods=["GET", "POST"]),
            *self.elead.routes(),
        ]

    # -- auth ---------------------------------------------------------------------
    async def _token(self, request: Request) -> Response:
        return await token_endpoint(request, self.issuer)

    def _guard(self, request: Request) -> None:
        key = request.headers.get("x-api-key")
        if key is not None:
            if hmac.compare_digest(key.encode(), self.credentials["api_key"].encode()):
                return
            raise ApiError(401, "invalid API key")
        if not request.headers.get("authorization"):
            raise ApiError(401, "send an X-API-Key header or an OAuth bearer token")
        self.issuer.validate(request.headers["authorization"])

    # -- generic ------------------------------------------------------------------
    def _lister(self, table: Table, filters: tuple[str, ...]) -> Handler:
        async def handler(request: Request) -> Response:
            self._guard(request)
            params = request.query_params
            since = since_param(params, "updated_since")
            if not since and not params.get("ids") and not any(params.get(f) for f in filters):
                return JSONResponse(table.cursor_page(params))  # the whole list, in order
            rows = table.all()
            wanted = {f: params[f] for f in filters if params.get(f)}
            if wanted:
                rows = [r for r in rows if all(r.get(k) == val for k, val in wanted.items())]
            if params.get("ids"):  # ?ids=K1,K2 — fetch several records in one call
                ids = set(params["ids"].split(","))
                rows = [r for r in rows if r[table.key] in ids]
            body = cursor_response(ordered(rows, table.key, since), table.key, params, dict)
            return JSONResponse(body)

        return handler

    async def _contacts_list(self, request: Request) -> Response:
        if request.query_params.get("archived", "").lower() != "true":
            return await self._list_contacts(request)
        self._guard(request)
        rows = ordered(self.store.exports()["archived"](), "contact_id")
        return JSONResponse(cursor_response(rows, "contact_id", request.query_params, dict))

    async def _batch(self, request: Request) -> tuple[str, list[Any]]:
        body = await json_body(request)
        records = body.get("records")
        if not isinstance(records, list):
            raise ApiError(422, "records: expected a list of objects", field="records")
        id_field = body.get("idField", "external_id")
        if not isinstance(id_field, str):
            raise ApiError(422, "idField: expected a field name", field="idField")
        return id_field, records

    @staticmethod
    def _summary(results: list[dict[str, Any]]) -> JSONResponse:
        summary: dict[str, int] = {}
        for r in results:
            summary[r["status"]] = summary.get(r["status"], 0) + 1
        return JSONResponse({"results": results, "summary": summary})

    # -- contacts -----------------------------------------------------------------
    async def _upsert_contacts(self, request: Request) -> Response:
        self._guard(request)
        id_field, records = await self._batch(request)
        allowed = (*CONTACT_WRITABLE, "contact_id")
        validate = refusing(self.faults, id_field, validate_contact)
        if len(records) > 100:  # the table says so (413) before any record is looked at
            return self._summary(
                self.store.contacts.batch_upsert(id_field, records, normaliser(allowed), validate)
            )
        lost = {i for i in range(len(records)) if self._lose(id_field, records[i])}
        kept = [i for i in range(len(records)) if i not in lost]
        stored = self.store.contacts.batch_upsert(
            id_field, [records[i] for i in kept], normaliser(allowed), validate
        )
        results: list[dict[str, Any]] = [{} for _ in records]
        for i, result in zip(kept, stored, strict=True):
            results[i] = {**result, "index": i}
        for i in sorted(lost):
            results[i] = self._claim(i, id_field, records[i])
        return self._summary(results)

    def _lose(self, id_field: str, raw: Any) -> bool:
        """Whether the fault injector loses this record (only one the CRM would match or
        create: a match on an unknown contact id is refused as usual)."""
        if not isinstance(raw, dict):
            return False
        if (
            id_field == "contact_id"
            and self.store.contacts.find("contact_id", str(raw.get("contact_id") or "")) is None
        ):
            return False
        return self.faults.drop_silently()

    def _claim(self, index: int, id_field: str, raw: dict[str, Any]) -> dict[str, Any]:
        """The success answer for a record the CRM lost: the id it matched, or a new id it
        never stores."""
        table = self.store.contacts
        value = str(raw.get(id_field) or "")
        with self.store.lock:
            found = table.find(id_field, value) if value else None
            ident = found or table.ids.next()
            self.store.dropped.append(
                {"external_id": str(raw.get("external_id") or ""), "id": ident,
                 "claimed": "updated" if found else "created"}
            )  # fmt: skip
        return {"index": index, "status": "updated" if found else "created", "id": ident,
                "error": None}  # fmt: skip

    async def _archive(self, request: Request) -> Response:
        self._guard(request)
        return JSONResponse(self.store.archive_contact(request.path_params["contact_id"]))

    async def _contact(self, request: Request) -> Response:
        self._guard(request)
        contact_id = request.path_params["contact_id"]
        if request.method == "PATCH":
            return JSONResponse(self.store.update_contact(contact_id, await json_body(request)))
        if request.method == "DELETE":
            return JSONResponse(self.store.delete_contact(contact_id))
        return JSONResponse(self.store.contact(contact_id))

    async def _merge(self, request: Request) -> Response:
        self._guard(request)
        body = await json_body(request)
        winner, losers = body.get("winnerId"), body.get("loserIds")
        if not isinstance(winner, str) or not winner:
            raise ApiError(422, "winnerId: required", field="winnerId")
        if not isinstance(losers, list) or not all(isinstance(x, str) for x in losers):
            raise ApiError(422, "loserIds: expected a list of contact ids", field="loserIds")
        refuse_merge(self.faults, winner)
        return JSONResponse(self.store.merge(winner, losers))

    # -- leads --------------------------------------------------------------------
    async def _create_lead(self, request: Request) -> Response:
        self._guard(request)
        body = await json_body(request)
        key = request.headers.get("idempotency-key")
        known = self._idempotency.get(key)
        if known is not None:
            return JSONResponse(self.store.leads.get(known), 200)
        contact_body = body.pop("contact", None)
        if contact_body is not None and not isinstance(contact_body, dict):
            raise ApiError(422, "contact: expected an object", field="contact")
        lead = _checked(body, LEAD_FIELDS, {"status": v.one_of(*LEAD_STATUSES)})
        contact = None
        if contact_body:
            try:
                contact = normaliser(CONTACT_WRITABLE)(contact_body)
            except v.FieldError as exc:
                raise ApiError(422, f"contact.{exc}", field=f"contact.{exc.field}") from None
        record, contact_created = self.store.create_lead(lead, contact)
        self._idempotency.remember(key, record["lead_id"])
        return JSONResponse({**record, "contact_created": contact_created}, 201)

    async def _lead(self, request: Request) -> Response:
        self._guard(request)
        lead_id = request.path_params["lead_id"]
        if request.method == "PATCH":
            changes = _checked(
                await json_body(request),
                ("status", "salesperson", "comments"),
                {"status": v.one_of(*LEAD_STATUSES)},
            )
            return JSONResponse(self.store.update_lead(lead_id, changes))
        record = self.store.leads.get(lead_id)
        if record is None:
            raise ApiError(404, f"no lead '{lead_id}'")
        return JSONResponse(record)

    async def _adf(self, request: Request) -> Response:
        self._guard(request)
        try:
            prospects = parse_adf(await request.body())
        except AdfError as exc:
            raise ApiError(exc.status, f"ADF rejected: {exc}") from None
        return JSONResponse({"leads": self.store.ingest_adf(prospects, "http")}, 201)

    # -- activities, deals, appointments -------------------------------------------
    def _activity(self, body: Mapping[str, Any]) -> tuple[Record, str]:
        allowed = ("contact_id", "type", "subject", "body", "occurred_at", "external_id")
        fields = _checked(
            body, allowed, {"type": v.one_of(*ACTIVITY_TYPES), "occurred_at": v.timestamp}
        )
        _require(fields, "contact_id", "type")
        fields.setdefault("occurred_at", now_ts())
        return self.store.create_once(self.store.activities, fields)

    async def _create_activity(self, request: Request) -> Response:
        self._guard(request)
        record, outcome = self._activity(await json_body(request))
        return JSONResponse(record, 201 if outcome == "created" else 200)

    async def _create_activities(self, request: Request) -> Response:
        """Up to 100 activities in one call, created once per external_id, with a result
        per record (``created`` / ``updated`` / ``unchanged`` / ``rejected`` + reason)."""
        self._guard(request)
        _id_field, records = await self._batch(request)
        if len(records) > 100:
            raise ApiError(413, f"records: at most 100 per call, got {len(records)}")
        results: list[dict[str, Any]] = []
        for index, raw in enumerate(records):
            try:
                if not isinstance(raw, dict):
                    raise ApiError(422, "record must be an object")
                refuse_record(self.faults, raw)
                record, outcome = self._activity(raw)
            except ApiError as exc:
                results.append({"index": index, "status": "rejected", "error": exc.message})
                continue
            results.append({"index": index, "status": outcome, "id": record["activity_id"]})
        return self._summary(results)

    async def _create_appointment(self, request: Request) -> Response:
        self._guard(request)
        allowed = tuple(
            c
            for c in APPOINTMENT_COLUMNS
            if c not in ("appointment_id", "created_at", "updated_at")
        )
        statuses = ("scheduled", "confirmed", "completed", "cancelled", "no_show")
        fields = _checked(
            await json_body(request),
            allowed,
            {"scheduled_at": v.timestamp, "status": v.one_of(*statuses), "vin": v.vin},
        )
        _require(fields, "contact_id", "scheduled_at")
        fields.setdefault("status", "scheduled")
        record, outcome = self.store.create_once(self.store.appointments, fields)
        return JSONResponse(record, 201 if outcome == "created" else 200)

    async def _upsert_deals(self, request: Request) -> Response:
        self._guard(request)
        id_field, records = await self._batch(request)
        results = self.store.deals.batch_upsert(
            id_field, records, self._normalise_deal, refusing(self.faults, id_field, _validate_deal)
        )
        return self._summary(results)

    def _normalise_deal(self, raw: Mapping[str, Any]) -> Record:
        fields = normaliser((*DEAL_WRITABLE, "contact_external_id"))(raw)
        external = fields.pop("contact_external_id", "")
        if external:
            found = self.store.contacts.find("external_id", external)
            if not found:
                raise v.FieldError(
                    "contact_external_id", f"no contact with external_id '{external}'"
                )
            fields["contact_id"] = found
        elif fields.get("contact_id"):
            try:
                fields["contact_id"] = self.store.resolve(fields["contact_id"])
            except ApiError:
                raise v.FieldError("contact_id", f"no contact '{fields['contact_id']}'") from None
        return fields

    # -- e-mail intake (called from the SMTP sink's thread) ---------------------------
    def ingest_adf_email(self, document: bytes) -> list[dict[str, Any]]:
        """Leads from an ADF document received by mail; ``AdfError`` if refused."""
        return self.store.ingest_adf(parse_adf(document), "email")

    def journal_email(self, entry: dict[str, Any]) -> None:
        with self.store.lock:
            self.store.emails.append(entry)

    async def _subscribe(self, request: Request) -> Response:
        self._guard(request)
        return await self._webhooks(request)


def _validate_deal(fields: Record, current: Record | None) -> str:
    if current is None:
        if not fields.get("contact_id"):
            return "contact_id or contact_external_id is required"
        if not fields.get("status"):
            return "status is required"
    for name, check in (("sale_price", v.money), ("deal_date", v.date), ("vin", v.vin)):
        reason = check(fields.get(name, ""))
        if reason:
            return f"{name}: {reason}"
    return ""


def _require(fields: Record, *names: str) -> None:
    for name in names:
        if not fields.get(name):
            raise ApiError(422, f"{name}: required", field=name)


def _sign(body: bytes, secret: str, event_id: str) -> dict[str, str]:
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "X-Signature": f"sha256={signature}",
        "X-Timestamp": str(int(time.time())),
        "X-Event-Id": event_id,
    }


def _envelope(event_id: str, event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "event_type": event_type,
        "occurred_at": now_ts(),
        "data": payload,
    }
