"""The CRM's in-memory records: contacts, leads, activities, deals, appointments.

Contacts and leads are keyed by UUIDs (``app.sandbox.ids``), the same through the CRM's
generic routes and its Elead routes; a new one continues the generator's sequence.

Merged-away contacts are remembered (``merged``), so their ids and external ids lead to
the winner; reading a merged-away id answers 410 with ``merged_into``. An archived contact
(``archive``) leaves the list and its external id is free again; it is kept in
``archived`` and reading it answers 404 with ``archived_at``. A deleted contact is gone
(``deleted`` remembers when, for the exports). Writes the fault injector chose to lose
silently are kept in ``dropped`` (what the CRM claimed, not what it stored).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from app.sandbox.ids import CONTACT_PREFIX, CONTACT_WIDTH, LEAD_PREFIX, LEAD_WIDTH, UuidSequence
from app.sandbox.schema import TABLES
from app.sandbox.servers import validation as v
from app.sandbox.servers.adf import AdfProspect
from app.sandbox.servers.clock import Clock
from app.sandbox.servers.dataset import DatasetLike, Record, table_records
from app.sandbox.servers.errors import ApiError
from app.sandbox.servers.table import IdFactory, Table

CONTACT_WRITABLE = tuple(
    c for c in TABLES["crm_contacts"] if c not in ("contact_id", "created_at", "updated_at")
)
BOOLEAN_FIELDS = ("email_opt_out", "sms_opt_out")
LEAD_STATUSES = ("New", "Contacted", "Appointment", "Sold", "Lost")
ACTIVITY_COLUMNS = (
    "activity_id", "contact_id", "type", "subject", "body", "occurred_at", "external_id",
    "created_at", "updated_at",
)  # fmt: skip
DEAL_COLUMNS = (
    "deal_id", "external_id", "contact_id", "vin", "stock_number", "status", "sale_price",
    "deal_date", "salesperson", "vehicle_description", "payment_method", "trade_vin",
    "trade_description", "trade_value", "trade_payoff", "created_at", "updated_at",
)  # fmt: skip
APPOINTMENT_COLUMNS = (
    "appointment_id", "contact_id", "external_id", "scheduled_at", "service_requested", "vin",
    "status", "created_at", "updated_at",
)  # fmt: skip
EventSink = Callable[[str, dict[str, Any]], None]


def text_value(name: str, value: Any) -> str:
    """A JSON value as stored text; ``FieldError`` for other shapes."""
    if name in BOOLEAN_FIELDS:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str) and value.strip().lower() in ("true", "false", ""):
            return value.strip().lower()
        raise v.FieldError(name, "expected true or false")
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise v.FieldError(name, "expected a string")
    return str(value).strip()


def normaliser(allowed: tuple[str, ...]) -> Callable[[Mapping[str, Any]], Record]:
    def normalise(raw: Mapping[str, Any]) -> Record:
        out: Record = {}
        for key, value in raw.items():
            if key not in allowed:
                raise v.FieldError(key, "unknown field")
            out[key] = text_value(key, value)
        return out

    return normalise


def validate_contact(fields: Record, current: Record | None) -> str:
    if (current is None or "last_name" in fields) and not fields.get("last_name"):
        return "last_name is required"
    reason = v.email(fields.get("email", ""))
    return f"email: {reason}" if reason else ""


class CrmStore:
    """All CRM records; one lock shared by the tables keeps merges atomic."""

    def __init__(self, on_event: EventSink) -> None:
        self._on_event = on_event
        self.lock = threading.RLock()
        self.clock = Clock()
        ext = ("external_id",)
        self.contacts = self._table(
            "contact_id",
            TABLES["crm_contacts"],
            CONTACT_PREFIX,
            ("external_id", "email"),
            new_ids=lambda keys: UuidSequence(keys, CONTACT_PREFIX, CONTACT_WIDTH),
        )
        self.leads = self._table(
            "lead_id",
            TABLES["crm_leads"],
            LEAD_PREFIX,
            (),
            new_ids=lambda keys: UuidSequence(keys, LEAD_PREFIX, LEAD_WIDTH),
        )
        self.activities = self._table("activity_id", ACTIVITY_COLUMNS, "ACT", ext)
        self.deals = self._table("deal_id", DEAL_COLUMNS, "DL", ext)
        self.appointments = self._table("appointment_id", APPOINTMENT_COLUMNS, "AP", ext)
        self.merged: dict[str, str] = {}
        self.archived: dict[str, Record] = {}
        self.deleted: dict[str, str] = {}  # contact id -> when
        self.dropped: list[dict[str, Any]] = []
        self.emails: list[dict[str, Any]] = []

    def _table(
        self,
        key: str,
        columns: tuple[str, ...],
        prefix: str,
        unique: tuple[str, ...],
        new_ids: IdFactory | None = None,
    ) -> Table:
        return Table(
            key,
            columns,
            id_prefix=prefix,
            clock=self.clock,
            unique=unique,
            lock=self.lock,
            new_ids=new_ids,
        )

    def load(self, dataset: DatasetLike) -> None:
        with self.lock:
            contacts = table_records(dataset, "crm_contacts")
            leads = table_records(dataset, "crm_leads")
            stamps = [r["updated_at"] for r in contacts + leads if r["updated_at"][:1].isdigit()]
            self.clock.advance_to(max(stamps, default=""))
            self.contacts.load(contacts)
            self.leads.load(leads)
            for table in (self.activities, self.deals, self.appointments):
                table.load([])
            self.merged = {}
            self.archived, self.deleted, self.dropped = {}, {}, []
            self.emails = []

    # -- contacts -----------------------------------------------------------------
    def resolve(self, contact_id: str, field: str = "contact_id") -> str:
        """The live contact behind ``contact_id`` (following merges), or a 422."""
        with self.lock:
            for _ in range(100):  # merge chains are short; bound the walk anyway
                if contact_id not in self.merged:
                    break
                contact_id = self.merged[contact_id]
            if contact_id not in self.contacts.rows:
                raise ApiError(422, f"{field}: no contact '{contact_id}'", field=field)
            return contact_id

    def contact(self, contact_id: str) -> Record:
        with self.lock:
            if contact_id in self.merged:
                winner = self.resolve(contact_id)
                raise ApiError(
                    410,
                    f"contact {contact_id} was merged into {winner}",
                    extra={"merged_into": winner},
                )
            row = self.contacts.get(contact_id)
            archived = self.archived.get(contact_id)
        if archived is not None:
            raise ApiError(
                404,
                f"contact {contact_id} is archived",
                extra={"archived_at": archived["archived_at"]},
            )
        if row is None:
            raise ApiError(404, f"no contact '{contact_id}'")
        return row

    def archive_contact(self, contact_id: str) -> Record:
        """Take a contact off the list (its external id is free again); kept in
        ``archived``. Archiving an archived contact answers it again."""
        with self.lock:
            if contact_id in self.archived:
                return dict(self.archived[contact_id])
            self.contact(contact_id)
            row = self.contacts.delete(contact_id)
            row["archived_at"] = self.clock.now()
            self.archived[contact_id] = row
            return dict(row)

    def update_contact(self, contact_id: str, body: Mapping[str, Any]) -> Record:
        self.contact(contact_id)
        try:
            fields = normaliser(CONTACT_WRITABLE)(body)
        except v.FieldError as exc:
            raise ApiError(422, str(exc), field=exc.field) from None
        with self.lock:
            reason = validate_contact(fields, self.contacts.rows[contact_id])
            if reason:
                raise ApiError(422, reason, field=v.field_of(reason))
            return self.contacts.apply(contact_id, fields)[1]

    def find_or_create_contact(self, fields: Record, *, strict: bool) -> tuple[str, bool]:
        """Match on e-mail, else create. ``strict`` applies the upsert validation."""
        with self.lock:
            if fields.get("email"):
                found = self.contacts.find("email", fields["email"])
                if found:
                    return found, False
            if strict:
                reason = validate_contact(fields, None)
                if reason:
                    raise ApiError(
                        422,
                        f"contact.{reason}",
                        field=f"contact.{v.field_of(reason)}",
                    )
            return self.contacts.insert(fields)["contact_id"], True

    def merge(self, winner: str, losers: list[str]) -> Record:
        with self.lock:
            self.contact(winner)
            if winner in losers or len(set(losers)) != len(losers) or not losers:
                raise ApiError(
                    422, "loserIds: give distinct ids, not including winnerId", field="loserIds"
                )
            for loser in losers:
                self.contact(loser)
            for loser in losers:
                gone = self.contacts.delete(loser)
                fill = {
                    c: gone[c]
                    for c in CONTACT_WRITABLE
                    if gone[c] and not self.contacts.rows[winner][c]
                }
                self.contacts.apply(winner, fill)
                for column in ("external_id", "email"):
                    self.contacts.point(column, gone[column], winner)
                self.merged[loser] = winner
                for table in (self.leads, self.activities, self.deals, self.appointments):
                    for key, row in list(table.rows.items()):
                        if row["contact_id"] == loser:
                            table.apply(key, {"contact_id": winner})
            self.contacts.rows[winner]["updated_at"] = self.clock.now()
            self.contacts.changed()
            result = dict(self.contacts.rows[winner])
        self._on_event("contact.merged", {"winner_id": winner, "loser_ids": losers})
        return result

    def delete_contact(self, contact_id: str) -> dict[str, Any]:
        """Erase a contact (GDPR/CCPA): the contact, its leads, activities and
        appointments, the merged-away contacts that point at it; its deals stay,
        without the contact. 404 when there is no such contact. An archived contact is
        deleted for good too; ``deleted`` remembers when (for the exports)."""
        with self.lock:
            if contact_id in self.archived:
                del self.archived[contact_id]
                self.deleted[contact_id] = self.clock.now()
                return {"deleted": contact_id, "removed": {"contacts": 1}}
            if contact_id in self.merged:
                contact_id = self.resolve(contact_id)
            if contact_id not in self.contacts.rows:
                raise ApiError(404, f"no contact '{contact_id}'")
            gone = self.contacts.delete(contact_id)
            for index in self.contacts.index.values():  # merged-away values pointed here too
                for value in [v for v, k in index.items() if k == contact_id]:
                    del index[value]
            removed = {"contacts": 1}
            for name, table in (
                ("leads", self.leads),
                ("activities", self.activities),
                ("appointments", self.appointments),
            ):
                keys = [k for k, r in table.rows.items() if r.get("contact_id") == contact_id]
                for key in keys:
                    table.delete(key)
                removed[name] = len(keys)
            for key, row in list(self.deals.rows.items()):
                if row.get("contact_id") == contact_id:
                    self.deals.apply(key, {"contact_id": ""})
            self.merged = {k: w for k, w in self.merged.items() if w != contact_id}
            self.emails = [
                e for e in self.emails if gone["email"] not in str(e) or not gone["email"]
            ]
            self.deleted[contact_id] = self.clock.now()
        return {"deleted": contact_id, "removed": removed}

    # -- leads --------------------------------------------------------------------
    def create_lead(self, lead: Record, contact: Record | None) -> tuple[Record, bool]:
        with self.lock:
            created = False
            if lead.get("contact_id"):
                lead["contact_id"] = self.resolve(lead["contact_id"])
            elif contact:
                lead["contact_id"], created = self.find_or_create_contact(contact, strict=True)
            else:
                raise ApiError(422, "contact_id or contact: required", field="contact_id")
            lead.setdefault("status", "New")
            record = self.leads.insert(lead)
            contact_row = dict(self.contacts.rows[record["contact_id"]])
        self._on_event("lead.created", {"lead": record, "contact": contact_row})
        return record, created

    def update_lead(self, lead_id: str, changes: Record) -> Record:
        with self.lock:
            if lead_id not in self.leads.rows:
                raise ApiError(404, f"no lead '{lead_id}'")
            before, after = self.leads.apply(lead_id, changes)
        if before["status"] != after["status"]:
            self._on_event(
                "lead.status_changed", {"lead": after, "previous_status": before["status"]}
            )
        return after

    def ingest_adf(self, prospects: list[AdfProspect], channel: str) -> list[dict[str, Any]]:
        """Each prospect becomes a lead on an e-mail-matched or new contact."""
        results = []
        for prospect in prospects:
            contact = {k: val for k, val in prospect.contact.items() if val}
            with self.lock:
                contact_id, created = self.find_or_create_contact(contact, strict=False)
            lead = {**prospect.lead, "contact_id": contact_id}
            if prospect.ids:
                lead["comments"] = " | ".join(
                    filter(None, [lead["comments"], f"ADF id {prospect.ids[0]}"])
                )
            record, _ = self.create_lead(lead, None)
            results.append(
                {
                    "lead_id": record["lead_id"],
                    "contact_id": contact_id,
                    "contact_created": created,
                    "channel": channel,
                }
            )
        return results

    # -- the rest -----------------------------------------------------------------
    def create_once(self, table: Table, fields: Record) -> tuple[Record, str]:
        """Insert, unless a row with the same ``external_id`` exists: then the body's
        fields are written to it. ``created``, ``updated`` or ``unchanged`` says which (a
        changed body sent again is applied and said so, never answered "unchanged")."""
        with self.lock:
            if fields.get("contact_id"):
                fields["contact_id"] = self.resolve(fields["contact_id"])
            existing = (
                table.find("external_id", fields["external_id"])
                if fields.get("external_id")
                else None
            )
            if existing is None:
                return table.insert(fields), "created"
            before, after = table.apply(existing, fields)
            return after, "unchanged" if before == after else "updated"

    def exports(self) -> dict[str, Callable[[], list[dict[str, Any]]]]:
        return {
            "contacts": self.contacts.all,
            "leads": self.leads.all,
            "activities": self.activities.all,
            "deals": self.deals.all,
            "appointments": self.appointments.all,
            "merges": lambda: [{"loser_id": k, "winner_id": w} for k, w in self.merged.items()],
            "archived": lambda: [dict(r) for r in self.archived.values()],
            "deleted": lambda: [
                {"contact_id": k, "deleted_at": w} for k, w in self.deleted.items()
            ],
            "dropped": lambda: [dict(d) for d in self.dropped],
            "emails": lambda: list(self.emails),
        }
