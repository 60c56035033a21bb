"""Write-only streams of what is added to Elead opportunities.

- ``opportunity_trade_ins`` / ``opportunity_vehicles_sought``: ``Opportunities_AddTradeIn``
  / ``Opportunities_AddVehicleSought`` (never twice: after an unclear answer the
  opportunity is looked at first), replaced on change (``Opportunities_DeleteTradeIn`` /
  ``Opportunities_DeleteVehicleSought``, then add).
- ``opportunity_comments``: ``Opportunities_AddComment``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import pandas as pd

from app.connectors import elead_crm_specs as specs
from app.connectors.elead_crm_answers import SETTLE, PageNumbers, text_of
from app.connectors.elead_crm_opportunities import OpportunityStream
from app.connectors.errors import AmbiguousRequestError, ConnectorError
from app.connectors.rest.stream import Api, RestStream
from app.connectors.rest.writes import answer, checked_payload, create_once, refusal, rejected
from app.connectors.streams import StreamSpec, WriteAction, WriteRecord, WriteResult
from app.formats.elead import opportunities
from app.formats.elead.common import EleadFormatError


class SubStream(RestStream):
    """A write-only stream of things added to opportunities (trade-ins, vehicles sought):
    added once (after an unclear answer the opportunity is looked at first), replaced
    (removed, then added) when they change."""

    collection = ""  # "/tradein"
    item_key = ""  # "tradeIns" in an Opportunity
    label = ""

    def make_body(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The add request's body from a row (``EleadFormatError`` when it cannot be)."""
        raise NotImplementedError

    def __init__(self, spec: StreamSpec, api: Api, owner: OpportunityStream) -> None:
        super().__init__(spec, api, self.collection, paginator=PageNumbers(), page_size=1)
        self.owner = owner

    def read(self, cursor: str | None = None) -> Iterator[pd.DataFrame]:
        raise ConnectorError(
            f"Elead's {self.label}s are read with their opportunity (the opportunities "
            f"stream), not on their own."
        )

    def preview(self, limit: int, since: str | None = None) -> pd.DataFrame:
        raise ConnectorError(f"The {self.spec.name} stream can only be written.")

    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        return [self._write_one(record) for record in batch]

    def _write_one(self, record: WriteRecord) -> WriteResult:
        payload = checked_payload(self.spec, record.payload)
        if isinstance(payload, WriteResult):
            return payload
        row = {k: v for k, v in payload.items() if k != self.spec.primary_key}
        try:
            body = self.make_body(row)
        except EleadFormatError as exc:
            return rejected(f"Cannot add the {self.label}: {exc}")
        old = record.dest_id or text_of(payload, self.spec.primary_key)
        if old:
            gone = self.api.request("DELETE", f"{self.collection}/{quote(old, safe='')}")
            if gone.status_code >= 300 and gone.status_code != 404:
                return refusal(self.api, gone, f"the removal of {self.label} {old}")
        sent_at = self.owner.clock()
        result = create_once(
            self.api,
            f"the {self.label}",
            lambda: self.api.request("POST", self.collection, json=body, retry_ambiguous=False),
            lambda: self._find(body, sent_at),
            lambda r: str(answer(r).get("id") or ""),
        )
        if old and result.action is WriteAction.CREATED:
            return WriteResult(WriteAction.UPDATED, result.dest_id, response=result.response)
        return result

    def _find(self, body: Mapping[str, Any], sent_at: datetime) -> str | None:
        """The opportunity's item that has what was sent (by VIN when there is one)."""
        found = self.owner.opportunity(body["opportunityId"], sent_at - SETTLE)
        if found is None:
            return None
        sent = {k: v for k, v in body.items() if k != "opportunityId"}
        keys = ("vin",) if sent.get("vin") else tuple(sent)
        for item in found.get(self.item_key) or []:
            if isinstance(item, Mapping) and all(item.get(k) == sent.get(k) for k in keys):
                return str(item.get("id") or "") or None
        return None


class TradeInStream(SubStream):
    collection = "/tradein"
    item_key = "tradeIns"
    label = "trade-in"

    def make_body(self, row: Mapping[str, Any]) -> dict[str, Any]:
        return opportunities.trade_in_body(row)


class VehicleSoughtStream(SubStream):
    collection = "/vehicleSought"
    item_key = "soughtVehicles"
    label = "vehicle sought"

    def make_body(self, row: Mapping[str, Any]) -> dict[str, Any]:
        return opportunities.vehicle_sought_body(row)


class CommentStream(RestStream):
    """Comments added to opportunities: Elead gives them no id and cannot show them, so
    an unclear answer is parked, never resent blindly."""

    def __init__(self, api: Api) -> None:
        super().__init__(specs.COMMENTS, api, "/comment", paginator=PageNumbers(), page_size=1)

    def read(self, cursor: str | None = None) -> Iterator[pd.DataFrame]:
        raise ConnectorError("Elead does not show an opportunity's comments.")

    def preview(self, limit: int, since: str | None = None) -> pd.DataFrame:
        raise ConnectorError("The opportunity_comments stream can only be written.")

    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        return [self._write_one(record) for record in batch]

    def _write_one(self, record: WriteRecord) -> WriteResult:
        payload = checked_payload(self.spec, record.payload)
        if isinstance(payload, WriteResult):
            return payload
        try:
            body = opportunities.comment_body(
                text_of(payload, "opportunity_id"), str(payload.get("comment") or "")
            )
        except EleadFormatError as exc:
            return rejected(f"Cannot add the comment: {exc}")
        what = f"the comment on opportunity {body['opportunityId']}"
        try:
            response = self.api.request("POST", "/comment", json=body, retry_ambiguous=False)
        except AmbiguousRequestError as exc:
            return rejected(
                f"Elead did not confirm {what} ({exc}). Elead cannot show comments, so it "
                "was not sent again: check the opportunity in Elead and replay this record "
                "if the comment is missing."
            )
        if response.status_code >= 300:
            return refusal(self.api, response, what)
        return WriteResult(WriteAction.CREATED, None, response={"added": body["comment"]})
