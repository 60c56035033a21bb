"""The streams of a digital-retailing connection.

Read from the connection's inbox (``app.store.retailing_inbox``: the newest version of
each deal jacket, stripped of sensitive data), by the order stored versions arrived
(``received_seq``, the cursor): ``shoppers`` (the customer the DMS needs), ``deals`` (the
STAR vehicle invoice flattened: structure, trade-in, and the credit application's status
and decision reference) and ``credit_applications`` (the STAR credit authorization).

Written to the tool: ``deal_status`` -- the DMS's word on a deal (booked, funded,
unwound) as a STAR merge patch of the tool's vehicle invoice
(``PATCH /vehicle-invoices/{key}``); a deal the tool does not know is refused, never
created there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import quote

import pandas as pd

from app.connectors.errors import ConnectorError
from app.connectors.rest.stream import Api
from app.connectors.rest.writes import answer, checked_payload, refusal, rejected
from app.connectors.rest_helpers import fields
from app.connectors.streams import (
    FieldKind,
    Stream,
    StreamSpec,
    WriteAction,
    WriteRecord,
    WriteResult,
)
from app.formats.errors import StarError
from app.formats.star import codec
from app.formats.star.domain_model import UPDATE
from app.formats.star.invoice_domains import CREDIT_AUTHORIZATIONS, VEHICLE_INVOICES
from app.formats.star.jacket import (
    SHOPPER_COLUMNS,
    Jacket,
    credit_row,
    deal_row,
    parse_jacket,
    shopper_row,
)
from app.store import retailing_inbox

CURSOR = "received_seq"
_MONEY = ("sale_price", "down_payment", "amount_financed", "monthly_payment", "residual",
          "trade_value", "trade_payoff")  # fmt: skip
DEAL_COLUMNS = (
    "deal_id",
    "shopper_id",
    *(
        f
        for f in VEHICLE_INVOICES.field_names
        if f not in ("customer_id", "updated_at", "vehicle_invoice_key")
    ),
    "credit_status",
    "credit_decision_ref",
    "credit_lender",
    "updated_at",
    CURSOR,
)
CREDIT_COLUMNS = (
    "credit_authorization_key",
    "deal_id",
    "shopper_id",
    *(
        f
        for f in CREDIT_AUTHORIZATIONS.field_names
        if f not in ("credit_authorization_key", "customer_id", "updated_at")
    ),
    "updated_at",
    CURSOR,
)
SEQ_WIDTH = 12  # the cursor is compared as text: zero-padded

SHOPPERS = StreamSpec(
    name="shoppers",
    entity="customer",
    fields=fields(
        (*SHOPPER_COLUMNS, CURSOR),
        required=("shopper_id",),
        notes={
            "shopper_id": "The tool's id of the shopper.",
            "deal_id": "The deal the shopper was last seen on.",
            CURSOR: "The order in which the app kept the jacket (the cursor).",
        },
    ),
    primary_key="shopper_id",
    cursor_field=CURSOR,
    description="Shoppers of the deals the tool sent: the customer the DMS needs.",
)
DEALS = StreamSpec(
    name="deals",
    entity="deal",
    fields=fields(
        DEAL_COLUMNS,
        required=("deal_id",),
        kinds={m: FieldKind.NUMBER for m in _MONEY},
        notes={
            "deal_id": "The tool's deal id (the vehicle invoice key).",
            "shopper_id": "The tool's id of the shopper (the invoice's customer party).",
            "status": "STAR InvoiceStatusTypes, as the tool sends it.",
            "credit_status": "The credit application's CreditAuthorizationStatusTypes.",
            "credit_decision_ref": "The lender's decision reference (auth_number).",
            CURSOR: "The order in which the app kept the jacket (the cursor).",
        },
    ),
    primary_key="deal_id",
    cursor_field=CURSOR,
    description="Deals built online (STAR vehicle invoices): structure, trade-in, credit "
    "application status. Only the newest version of each deal.",
)
CREDIT_APPLICATIONS = StreamSpec(
    name="credit_applications",
    entity="credit_application",
    fields=fields(
        CREDIT_COLUMNS,
        required=("credit_authorization_key",),
        notes={
            "credit_authorization_key": "The tool's id of the credit application.",
            "auth_number": "The lender's decision reference.",
            CURSOR: "The order in which the app kept the jacket (the cursor).",
        },
    ),
    primary_key="credit_authorization_key",
    cursor_field=CURSOR,
    description="Credit applications (STAR credit authorizations): status and decision "
    "reference only; social security numbers and credit reports are never kept.",
)
DEAL_STATUS_FIELDS = ("deal_id", "status", "payment_status", "delivery_date")
DEAL_STATUS = StreamSpec(
    name="deal_status",
    entity="deal",
    fields=fields(
        DEAL_STATUS_FIELDS,
        required=("deal_id",),
        notes={
            "deal_id": "The tool's deal id.",
            "status": "STAR InvoiceStatusTypes: PENDING_APPROVAL, ISSUED (booked), CLOSED "
            "(delivered), VOIDED (unwound).",
            "payment_status": "STAR PaymentStatusTypes: PAID or SETTLED when funded.",
        },
    ),
    primary_key="deal_id",
    readable=False,
    writable=True,
    max_batch=50,
    description="The DMS's status of a deal, back to the tool (PATCH of its vehicle invoice).",
)

RowsOf = Callable[[Jacket], list[dict[str, str]]]


def _shoppers(jacket: Jacket) -> list[dict[str, str]]:
    row = shopper_row(jacket)
    return [row] if row["shopper_id"] else []


def _deals(jacket: Jacket) -> list[dict[str, str]]:
    return [deal_row(jacket)]


def _credits(jacket: Jacket) -> list[dict[str, str]]:
    row = credit_row(jacket)
    return [row] if row is not None else []


class InboxStream(Stream):
    """Rows of the kept jackets after the cursor, oldest first; a shopper seen on several
    deals gives the row of the newest."""

    def __init__(self, spec: StreamSpec, store: Any, system: str, rows_of: RowsOf) -> None:
        self.spec = spec
        self.store = store
        self.system = system
        self.rows_of = rows_of

    def _need_store(self) -> None:
        if self.store is None or not self.system:
            raise ConnectorError(
                "The digital-retailing inbox is only read by a saved connection's flows.",
                hint="Save the connection first.",
            )

    def _frame(self, kept: Sequence[retailing_inbox.Kept]) -> pd.DataFrame:
        rows: dict[str, dict[str, str]] = {}
        for item in kept:
            try:
                jacket = parse_jacket(item.body)
            except StarError:
                continue  # kept jackets were checked on the way in
            for row in self.rows_of(jacket):
                row[CURSOR] = str(item.seq).zfill(SEQ_WIDTH)
                key = row.get(self.spec.primary_key, "")
                rows.pop(key, None)  # the newest last
                rows[key] = row
        names = self.spec.field_names()
        data = [{n: str(r.get(n, "") or "") for n in names} for r in rows.values()]
        return pd.DataFrame(data, columns=names, dtype=object)

    def read(self, cursor: str | None = None) -> Iterator[pd.DataFrame]:
        self._need_store()
        after = int(cursor) if cursor and cursor.strip().isdigit() else 0
        while True:
            with self.store.session() as s:
                kept = retailing_inbox.since(s, self.system, after)
            if not kept:
                return
            frame = self._frame(kept)
            if len(frame):
                yield frame
            after = kept[-1].seq

    def fetch(self, keys: Sequence[str]) -> pd.DataFrame:
        self._need_store()
        wanted = set(keys)
        frames = [f[f[self.spec.primary_key].isin(wanted)] for f in self.read(None)]
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame(columns=self.spec.field_names())
        whole = pd.concat(frames, ignore_index=True)
        return whole.drop_duplicates(self.spec.primary_key, keep="last")


class DealStatusStream(Stream):
    """PATCH the tool's vehicle invoice with what the DMS says of the deal."""

    spec = DEAL_STATUS

    def __init__(self, api: Api) -> None:
        self.api = api

    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        return [self._write_one(record) for record in batch]

    def _write_one(self, record: WriteRecord) -> WriteResult:
        payload = checked_payload(self.spec, record.payload, as_text=True)
        if isinstance(payload, WriteResult):
            return payload
        key = record.dest_id or payload.get("deal_id", "")
        if not key:
            return rejected("No deal id of the tool to send the status to.")
        changes = {k: v for k, v in payload.items() if k != "deal_id"}
        try:
            body = codec.unflatten("vehicle_invoices", changes, UPDATE)
        except StarError as exc:
            return rejected(exc.message)
        if not body:
            return WriteResult(WriteAction.UNCHANGED, dest_id=key)
        response = self.api.request(
            "PATCH",
            f"{VEHICLE_INVOICES.collection}/{quote(key, safe='')}",
            content=codec_json(body),
            headers={"Content-Type": VEHICLE_INVOICES.patch_media_type},
        )
        if response.status_code == 404:
            return rejected(f"The digital-retailing tool does not know deal {key}.")
        if response.status_code >= 300:
            return refusal(self.api, response, f"the status of deal {key}")
        return WriteResult(WriteAction.UPDATED, dest_id=key, response=answer(response))


def codec_json(body: Any) -> bytes:
    """A JSON body sent with its own media type (merge patch)."""
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def build_streams(store: Any, system: str, status_api: Api) -> dict[str, Stream]:
    return {
        "shoppers": InboxStream(SHOPPERS, store, system, _shoppers),
        "deals": InboxStream(DEALS, store, system, _deals),
        "credit_applications": InboxStream(CREDIT_APPLICATIONS, store, system, _credits),
        "deal_status": DealStatusStream(status_api),
    }
