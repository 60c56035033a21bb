"""The simulated digital-retailing tool: shoppers build deals on the demo dealership's
website, and the tool sends each deal jacket (``retailing_deals``) by signed webhook to
the receiver the demo connection names, with the faults real tools have.

Test and demo controls (``/_sandbox``, no credentials, loopback only):

- ``POST /_sandbox/receiver`` ``{"url", "secret", "signature_header"?}``: where to send.
- ``POST /_sandbox/send-deals?count=N[&redeliver=0.5][&existing=0.2]``: N new deals, each
  sent once, and a share of them (``redeliver``, default half) sent again with the same
  event id and body, as a tool does when it missed the first answer; ``existing`` is the
  share of shoppers who are already DMS customers; ``bad_signature`` (default 0) is the
  share of new deals sent signed with a stale secret (one of the tool's nodes missed a
  secret rotation): the receiver refuses them (401), the tool does not retry a refusal,
  and the deal is only in the jacket feed until the tool sends a later version. Answers
  what was sent.
- ``POST /_sandbox/update-deal?deal=KEY`` ``{"changes": {flat field: value}}`` (empty: a
  new down payment): the shopper changed the deal; a new version is sent.
  ``&out_of_order=1`` makes two new versions and sends the newer one first.
- ``POST /_sandbox/credit-decision?deal=KEY&status=AUTHORIZED`` (or DECLINED): the lender
  decided; a new version with the decision reference is sent.
- ``POST /_sandbox/resend?deal=KEY&version=V``: send an old version again (a late retry).

Every jacket version sent is also in the tool's jacket feed, ``GET /deal-jackets?after=
&limit=`` (``X-API-Key``), for a receiver that polls. The tool's own deals answer in STAR
REST under ``/v1/v1_0_0/vehicle-invoices`` (``X-API-KEY`` or ``X-API-Key``, the STAR
headers): ``GET`` lists them, ``PATCH /{key}`` (merge patch) takes the DMS's status of a
deal -- booked, funded, unwound -- which ``/_sandbox/export/deals`` shows. Exports:
``deals``, ``deliveries`` (every POST: deal, version, event id, answer) and ``jackets``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import random
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from app.formats import star
from app.formats.errors import StarError
from app.sandbox.servers.clock import now_ts
from app.sandbox.servers.dataset import Record, table_records
from app.sandbox.servers.errors import ApiError
from app.sandbox.servers.retailing_deals import Deal, bump, jacket_body, new_deal
from app.sandbox.servers.service import SandboxService, json_body
from app.sandbox.servers.star_requests import star_error
from app.sandbox.servers.webhooks import LOOPBACK

ATTEMPTS = 4  # a failed POST is sent again (same event id) this many times in all
STATUS_FIELDS = ("status", "payment_status", "delivery_date")


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), body, "sha256").hexdigest()


class RetailingService(SandboxService):
    name = "retailing"

    def __init__(self, dataset: Any, base: Any, credentials: Mapping[str, str]) -> None:
        self.lock = threading.RLock()
        super().__init__(dataset, base, credentials)

    # -- state ------------------------------------------------------------------------
    def load(self) -> None:
        with self.lock:
            self.rng = random.Random(self.base.seed * 7919 + 29)
            self.boot = secrets.token_hex(2).upper()  # deal ids differ between starts
            self.deals: dict[str, Deal] = {}
            self.feed: list[dict[str, Any]] = []  # every version sent, in order
            self.versions: dict[tuple[str, int], dict[str, Any]] = {}
            self.deliveries: list[dict[str, Any]] = []
            self.receiver: dict[str, str] = {}
            customers = table_records(self.dataset, "dms_customers")
            self.customers = [c for c in customers if c.get("email") and c.get("last_name")]
            units = table_records(self.dataset, "dms_inventory")
            self.units = [u for u in units if u.get("status") == "AVAILABLE" and u.get("vin")]
            self.vehicles_of: dict[str, list[Record]] = {}
            for v in table_records(self.dataset, "dms_vehicles"):
                self.vehicles_of.setdefault(v["customer_id"], []).append(v)

    def exports(self) -> dict[str, Callable[[], list[dict[str, Any]]]]:
        return {
            "deals": lambda: [d.summary() for d in self._all()],
            "deliveries": lambda: list(self.deliveries),
            "jackets": lambda: [dict(j) for j in self.feed],
        }

    def _all(self) -> list[Deal]:
        with self.lock:
            return list(self.deals.values())

    def routes(self) -> list[BaseRoute]:
        base = f"{star.BASE_PATH}/vehicle-invoices"
        return [
            Route("/_sandbox/receiver", self._set_receiver, methods=["POST", "GET"]),
            Route("/_sandbox/send-deals", self._send_deals, methods=["POST"]),
            Route("/_sandbox/update-deal", self._update_deal, methods=["POST"]),
            Route("/_sandbox/credit-decision", self._credit_decision, methods=["POST"]),
            Route("/_sandbox/resend", self._resend, methods=["POST"]),
            Route("/deal-jackets", self._jacket_feed, methods=["GET"]),
            Route(base, self._list_invoices, methods=["GET"]),
            Route(base + "/{key}", self._invoice, methods=["GET", "PATCH"]),
        ]

    def fault_body(self, path: str, status: int, message: str) -> dict[str, Any]:
        if path.startswith(star.BASE_PATH + "/"):
            return star_error(status, message)
        return super().fault_body(path, status, message)

    # -- sending ------------------------------------------------------------------------
    async def _set_receiver(self, request: Request) -> Response:
        if request.method == "POST":
            body = await json_body(request)
            url, secret = body.get("url"), body.get("secret")
            if not isinstance(url, str) or not url.startswith("http"):
                raise ApiError(422, "url: a http:// address is required", field="url")
            host = httpx.URL(url).host
            if host not in LOOPBACK:
                raise ApiError(422, "url: the demo tool only sends to this computer", field="url")
            if not isinstance(secret, str) or not secret:
                raise ApiError(422, "secret: required", field="secret")
            header = body.get("signature_header") or "X-Signature-SHA256"
            with self.lock:
                self.receiver = {"url": url, "secret": secret, "header": str(header)}
        with self.lock:
            return JSONResponse({"url": self.receiver.get("url", "")})

    def _target(self) -> dict[str, str]:
        with self.lock:
            if not self.receiver:
                raise ApiError(
                    409,
                    "no receiver: set up the demo digital-retailing connection (sandbox serve "
                    "does) or POST /_sandbox/receiver",
                )
            return dict(self.receiver)

    def _version_body(self, deal: Deal) -> dict[str, Any]:
        """Freeze the deal's current version as the body every send of it uses."""
        body = jacket_body(deal, f"evt-{uuid.uuid4().hex[:16]}", now_ts())
        with self.lock:
            self.versions[(deal.key, deal.version)] = body
            self.feed.append(body)
        return body

    def deliver(
        self, body: dict[str, Any], *, redelivery: bool = False, stale_secret: bool = False
    ) -> dict[str, Any]:
        """POST one jacket; a failed POST is retried with the same event id and body."""
        target = self._target()
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        secret = target["secret"] + ("-before-rotation" if stale_secret else "")
        headers = {
            "Content-Type": "application/json",
            target["header"]: f"sha256={sign(secret, raw)}",
        }
        invoice = body["vehicle_invoice"]
        entry: dict[str, Any] = {
            "deal": invoice.get("vehicle_invoice_key", ""),
            "version": invoice.get("vehicle_invoice_version", ""),
            "event_id": body.get("event_id", ""),
            "redelivery": redelivery,
            "bad_signature": stale_secret,
        }
        status, answer = 0, ""
        with httpx.Client(timeout=10.0, trust_env=False) as client:
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    response = client.post(target["url"], content=raw, headers=headers)
                    status, answer = response.status_code, response.text[:300]
                except httpx.HTTPError as exc:
                    status, answer = 0, f"{type(exc).__name__}: {exc}"
                if 200 <= status < 300 or status in (400, 401, 413, 422):
                    break
                time.sleep(min(0.2 * 2**attempt, 2.0))
        entry.update(status=status, answer=answer, attempts=attempt, at=now_ts())
        with self.lock:
            self.deliveries.append(entry)
            del self.deliveries[:-5000]
        return entry

    async def _send_deals(self, request: Request) -> Response:
        params = request.query_params
        count = _int(params.get("count", "1"), "count", 1, 500)
        redeliver = _share(params.get("redeliver", "0.5"), "redeliver")
        existing = _share(params.get("existing", "0.2"), "existing")
        bad_signature = _share(params.get("bad_signature", "0"), "bad_signature")
        self._target()
        if not self.units:
            raise ApiError(409, "the demo data set has no AVAILABLE stock to sell")
        made: list[Deal] = []
        with self.lock:
            for _ in range(count):
                number = len(self.deals) + 1
                key = f"DR{self.boot}-{number:05d}"
                deal = new_deal(
                    self.rng,
                    key,
                    number,
                    self.units,
                    self.customers,
                    self.vehicles_of,
                    existing_share=existing,
                    stamp=now_ts(),
                )
                bump(deal, now_ts())
                self.deals[key] = deal
                made.append(deal)
            again = {d.key for d in made if self.rng.random() < redeliver}
            forged = {d.key for d in made if self.rng.random() < bad_signature}
            again -= forged  # a refused deal is not sent again: only the feed has it
        bodies = [(d, self._version_body(d)) for d in made]

        def send_all() -> list[dict[str, Any]]:
            out = []
            for deal, body in bodies:
                out.append(self.deliver(body, stale_secret=deal.key in forged))
                if deal.key in again:
                    out.append(self.deliver(body, redelivery=True))
            return out

        sent = await asyncio.to_thread(send_all)
        return JSONResponse({"deals": [d.key for d in made], "deliveries": sent})

    def _deal(self, key: str) -> Deal:
        with self.lock:
            deal = self.deals.get(key)
        if deal is None:
            raise ApiError(404, f"no deal '{key}' was sent", field="deal")
        return deal

    async def _update_deal(self, request: Request) -> Response:
        deal = self._deal(request.query_params.get("deal", ""))
        raw = await request.body()
        changes = (await json_body(request)).get("changes") if raw.strip() else None
        if changes is not None and not isinstance(changes, dict):
            raise ApiError(422, "changes: an object of flat vehicle-invoice fields")
        if not changes:
            down = float(deal.row.get("down_payment") or 0) + 500
            changes = {"down_payment": f"{down:.2f}"}
        unknown = sorted(set(changes) - set(star.domain("vehicle_invoices").field_names))
        if unknown:
            raise ApiError(422, f"changes: not vehicle-invoice fields: {', '.join(unknown)}")
        out_of_order = request.query_params.get("out_of_order", "") in ("1", "true", "yes")
        with self.lock:
            bump(deal, now_ts(), {k: str(v) for k, v in changes.items()})
            first = self._version_body(deal)
            bodies = [first]
            if out_of_order:  # one more change, sent before the one above
                bump(deal, now_ts(), {"salesperson": deal.row.get("salesperson") or "Web"})
                bodies = [self._version_body(deal), first]
        sent = await asyncio.to_thread(lambda: [self.deliver(b) for b in bodies])
        return JSONResponse({"deal": deal.key, "version": deal.version, "deliveries": sent})

    async def _credit_decision(self, request: Request) -> Response:
        deal = self._deal(request.query_params.get("deal", ""))
        status = request.query_params.get("status", "AUTHORIZED").upper()
        if status not in ("AUTHORIZED", "DECLINED", "PARTIALLY_AUTHORIZED"):
            raise ApiError(422, "status: AUTHORIZED, PARTIALLY_AUTHORIZED or DECLINED")
        if deal.credit is None:
            raise ApiError(409, f"deal {deal.key} has no credit application (a cash deal)")
        with self.lock:
            deal.credit.update(
                status=status,
                auth_number=f"DEC-{self.rng.randint(0, 16**6 - 1):06X}",
                authorized_at=now_ts(),
            )
            bump(deal, now_ts())
            body = self._version_body(deal)
        sent = await asyncio.to_thread(self.deliver, body)
        return JSONResponse({"deal": deal.key, "version": deal.version, "deliveries": [sent]})

    async def _resend(self, request: Request) -> Response:
        deal = self._deal(request.query_params.get("deal", ""))
        version = _int(request.query_params.get("version", "1"), "version", 1, 10_000)
        with self.lock:
            body = self.versions.get((deal.key, version))
        if body is None:
            raise ApiError(404, f"deal {deal.key} has no version {version}")
        sent = await asyncio.to_thread(lambda: self.deliver(body, redelivery=True))
        return JSONResponse({"deal": deal.key, "version": version, "deliveries": [sent]})

    # -- the tool's API ---------------------------------------------------------------
    def _guard(self, request: Request) -> None:
        key = request.headers.get("x-api-key", "")
        wanted = self.credentials.get("api_key", "")
        if not (key and wanted and hmac.compare_digest(key.encode(), wanted.encode())):
            raise ApiError(401, "X-API-Key is missing or wrong", field="X-API-Key")

    async def _jacket_feed(self, request: Request) -> Response:
        self._guard(request)
        after = _int(request.query_params.get("after", "0") or "0", "after", 0, None)
        limit = _int(request.query_params.get("limit", "100") or "100", "limit", 1, 100)
        with self.lock:
            page = self.feed[after : after + limit]
            total = len(self.feed)
        nxt = after + len(page)
        return JSONResponse({"data": page, "has_more": nxt < total, "next_after": str(nxt)})

    def _star_guard(self, request: Request, method: str) -> None:
        try:
            self._guard(request)
        except ApiError as exc:
            raise ApiError(401, exc.message, field="X-API-Key") from None
        problems = star.header_problems("vehicle_invoices", method, request.headers)
        if problems:
            raise ApiError(400, problems[0], field=problems[0].split(" ", 1)[0])

    def _render(self, deal: Deal) -> dict[str, Any]:
        row = {**deal.row, "status": deal.status}
        if deal.payment_status:
            row["payment_status"] = deal.payment_status
        return star.unflatten("vehicle_invoices", row, star.RECORD)

    async def _list_invoices(self, request: Request) -> Response:
        try:
            self._star_guard(request, "GET")
        except ApiError as exc:
            return JSONResponse(star_error(exc.status, exc.message, exc.field), exc.status)
        limit = _int(request.query_params.get("limit", "100") or "100", "limit", 1, 100)
        offset = _int(request.query_params.get("offset", "0") or "0", "offset", 0, None)
        deals = self._all()
        page = deals[offset : offset + limit]
        return JSONResponse(
            {
                "data": [self._render(d) for d in page],
                "has_more": offset + len(page) < len(deals),
                "total_count": len(deals),
            }
        )

    async def _invoice(self, request: Request) -> Response:
        try:
            self._star_guard(request, request.method)
            deal = self._deal(request.path_params["key"])
            if request.method == "PATCH":
                self._patch(deal, await json_body(request))
        except ApiError as exc:
            return JSONResponse(star_error(exc.status, exc.message, exc.field), exc.status)
        return JSONResponse(self._render(deal))

    def _patch(self, deal: Deal, body: Mapping[str, Any]) -> None:
        try:
            flat = star.flatten("vehicle_invoices", body)
        except StarError as exc:
            raise ApiError(422, exc.message) from None
        present = star.fields_present("vehicle_invoices", body)
        changes = {k: flat[k] for k in STATUS_FIELDS if k in present}
        other = sorted(present - set(STATUS_FIELDS))
        if other:
            raise ApiError(
                422, f"the DMS may only report a deal's status here, not {', '.join(other)}"
            )
        with self.lock:
            if changes.get("status"):
                deal.status = changes["status"].upper()
            if "payment_status" in changes:
                deal.payment_status = changes["payment_status"].upper()
            if changes.get("delivery_date"):
                deal.row["delivery_date"] = changes["delivery_date"]
            deal.history.append({**changes, "at": now_ts()})


def _int(raw: str, name: str, low: int, high: int | None) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be a whole number", field=name) from None
    if value < low or (high is not None and value > high):
        raise ApiError(400, f"{name} must be between {low} and {high or 'any'}", field=name)
    return value


def _share(raw: str, name: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be a number from 0 to 1", field=name) from None
    if not 0.0 <= value <= 1.0:
        raise ApiError(400, f"{name} must be from 0 to 1", field=name)
    return value
