"""The simulated marketing platform's contacts as Klaviyo profiles.

A profile is a marketing contact (``subscriber_id`` is its id; ``email``, ``phone``,
``first_name``, ``last_name``, ``zip``, ``external_id``, ``updated_at``, and the consent
columns ``email_consent`` / ``sms_consent``: subscribed, unsubscribed, '' = never) plus
what only Klaviyo has, kept beside it here: location, organization, title, locale,
custom properties, consent timestamps and the e-mail suppression list. A contact the
data set marks unsubscribed carries Klaviyo's UNSUBSCRIBE suppression, as on Klaviyo.

Consent follows Klaviyo's documented behaviour, not our connector's rules: the
subscribe job DOES re-subscribe an unsubscribed profile (lifting UNSUBSCRIBE, SPAM_REPORT
and USER_SUPPRESSED suppressions; a HARD_BOUNCE or INVALID_EMAIL one stays), so a client
that fails to refuse is caught by the tests. Every consent change moves ``updated``.

A profile's attributes and its resource as Klaviyo answers it: ``klaviyo_profiles``;
Klaviyo's error answers, date-times and ids: ``klaviyo_wire``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from app.formats import klaviyo as kl
from app.sandbox.servers.clock import Clock
from app.sandbox.servers.dataset import Record
from app.sandbox.servers.klaviyo_profiles import (
    attribute_problems,
    profile_resource,
    split_attributes,
)
from app.sandbox.servers.klaviyo_wire import KlaviyoFault, invalid, new_id
from app.sandbox.servers.table import Table

LIFTED_BY_SUBSCRIBE = frozenset({"UNSUBSCRIBE", "SPAM_REPORT", "SPAM_COMPLAINT", "USER_SUPPRESSED"})


class KlaviyoStore:
    """Profiles, list membership, consent and jobs over the marketing tables."""

    def __init__(self, contacts: Table, lists: dict[str, dict[str, Any]], clock: Clock) -> None:
        self.contacts = contacts
        self.lists = lists
        self.clock = clock
        self.lock = contacts.lock
        self.extras: dict[str, dict[str, Any]] = {}
        self.import_jobs: dict[str, dict[str, Any]] = {}
        self.suppression_jobs: dict[str, dict[str, Any]] = {}
        self.deletions: list[dict[str, Any]] = []
        self.job_delay_s = 0.2  # how long an import job reads "processing"

    def reset(self) -> None:
        with self.lock:
            self.extras.clear()
            self.import_jobs.clear()
            self.suppression_jobs.clear()
            self.deletions.clear()

    # -- profiles -----------------------------------------------------------------
    def extra(self, row: Record) -> dict[str, Any]:
        """The Klaviyo-only values of a profile (made on first use)."""
        pid = row["subscriber_id"]
        found = self.extras.get(pid)
        if found is None:
            found = {"created": row["updated_at"], "properties": {}, "suppression": []}
            if row["email_consent"] == "unsubscribed":
                found["suppression"] = [{"reason": "UNSUBSCRIBE", "timestamp": row["updated_at"]}]
            self.extras[pid] = found
        return found

    def rows(self) -> list[Record]:
        return self.contacts.all()

    def get(self, pid: str) -> Record | None:
        return self.contacts.get(pid)

    def resource(self, row: Record, root: str, subscriptions: bool) -> dict[str, Any]:
        """A profile resource as Klaviyo answers it."""
        with self.lock:
            extra = dict(self.extra(row))
        return profile_resource(row, extra, root, subscriptions)

    def find(self, attrs: Mapping[str, Any], profile_id: str = "") -> str | None:
        """The profile these identifiers point to; a 409 when they point to two."""
        if profile_id:
            if self.contacts.get(profile_id) is None:
                raise KlaviyoFault(
                    404,
                    "not_found",
                    "Not found.",
                    f"A profile with id {profile_id} does not exist.",
                )
            return profile_id

        def given(name: str) -> str:
            value = attrs.get(name)
            return value.strip() if isinstance(value, str) else ""

        external, email, phone = given("external_id"), given("email"), given("phone_number")
        by_external = self.contacts.find("external_id", external) if external else None
        by_email = self.contacts.find("email", email) if email else None
        other = None
        if by_external and by_email and by_external != by_email:
            other = by_email
        elif by_email and external and not by_external:
            held = (self.contacts.get(by_email) or {}).get("external_id", "")
            other = by_email if held and held != external else None  # another person's e-mail
        if other:
            raise KlaviyoFault(
                409,
                "duplicate_profile",
                "Conflict.",
                "A profile already exists with one of these identifiers.",
                meta={"duplicate_profile_id": other},
            )
        found = by_external or by_email
        if found is None and phone:
            found = next(
                (r["subscriber_id"] for r in self.contacts.all() if r["phone"] == phone), None
            )
            held = (self.contacts.get(found) or {}).get("external_id", "") if found else ""
            if found and external and held and held != external:  # another person's phone
                raise KlaviyoFault(
                    409,
                    "duplicate_profile",
                    "Conflict.",
                    "A profile already exists with one of these identifiers.",
                    meta={"duplicate_profile_id": found},
                )
        return found

    def upsert(self, data: Mapping[str, Any]) -> tuple[Record, bool]:
        """Create or update from a ``profile`` resource (profile-import semantics:
        absent fields are left alone, null clears). Raises ``KlaviyoFault``."""
        attrs = data.get("attributes")
        if not isinstance(attrs, Mapping):
            raise invalid("attributes: expected an object", pointer="/data/attributes")
        for name, detail in attribute_problems(attrs):
            raise invalid(detail, pointer=f"/data/attributes/{name}" if name else "/data")
        with self.lock:
            pid = self.find(attrs, str(data.get("id") or ""))
            base, extra = split_attributes(attrs)
            if pid is None:
                row = self.contacts.insert(base)
                self.extra(row).update(extra, created=row["updated_at"])
                self._merge_properties(row, attrs)
                return self.contacts.get(row["subscriber_id"]) or row, True
            before = self.contacts.get(pid) or {}
            mine = self.extra(before)
            changed = any(mine.get(k) != value for k, value in extra.items())
            mine.update(extra)
            if self._merge_properties(before, attrs) or changed:
                base = {**base, "updated_at": self.clock.now()}
            _b, after = self.contacts.apply(pid, base)
            return after, False

    def _merge_properties(self, row: Record, attrs: Mapping[str, Any]) -> bool:
        props = attrs.get("properties")
        if not isinstance(props, Mapping) or not props:
            return False
        mine = self.extra(row)["properties"]
        before = dict(mine)
        mine.update(props)
        return before != mine

    # -- consent ------------------------------------------------------------------
    def _profile_for(self, attrs: Mapping[str, Any], profile_id: str = "") -> str:
        """Find a profile by id, e-mail or phone, or make one (as the jobs do)."""
        try:
            pid = self.find(attrs, profile_id) if profile_id else None
        except KlaviyoFault:
            pid = None
        if pid is None:
            pid = self.find({k: attrs.get(k) for k in ("email", "phone_number")})
        if pid is None:
            base, _extra = split_attributes(
                {k: attrs[k] for k in ("email", "phone_number") if k in attrs}
            )
            pid = self.contacts.insert(base)["subscriber_id"]
        return pid

    def subscribe(
        self,
        attrs: Mapping[str, Any],
        profile_id: str,
        channels: Mapping[str, Any],
        list_id: str,
        source: str,
    ) -> None:
        with self.lock:
            pid = self._profile_for(attrs, profile_id)
            row = self.contacts.get(pid) or {}
            extra = self.extra(row)
            now = self.clock.now()
            changes: dict[str, str] = {"updated_at": now}
            if "email" in channels:
                extra["suppression"] = [
                    s for s in extra["suppression"] if s["reason"] not in LIFTED_BY_SUBSCRIBE
                ]
                changes["email_consent"] = "subscribed"
                extra.update(
                    email_at=_consented(channels["email"], now),
                    email_method="API",
                    email_source=source or None,
                )
            if "sms" in channels:
                changes["sms_consent"] = "subscribed"
                extra.update(sms_at=_consented(channels["sms"], now), sms_method="API")
            self.contacts.apply(pid, changes)
            if list_id:
                self.add_members(list_id, [pid])

    def unsubscribe(self, attrs: Mapping[str, Any], channels: Mapping[str, Any]) -> None:
        with self.lock:
            pid = self._profile_for(attrs)
            row = self.contacts.get(pid) or {}
            extra = self.extra(row)
            now = self.clock.now()
            changes = {"updated_at": now}
            if "email" in channels:
                changes["email_consent"] = "unsubscribed"
                extra["email_at"] = now
                if not any(s["reason"] == "UNSUBSCRIBE" for s in extra["suppression"]):
                    extra["suppression"].append({"reason": "UNSUBSCRIBE", "timestamp": now})
            if "sms" in channels:
                changes["sms_consent"] = "unsubscribed"
                extra["sms_at"] = now
            self.contacts.apply(pid, changes)

    def suppress(self, email: str) -> bool:
        """USER_SUPPRESSED; False when the address was suppressed already (skipped)."""
        with self.lock:
            pid = self._profile_for({"email": email})
            row = self.contacts.get(pid) or {}
            extra = self.extra(row)
            if any(s["reason"] == "USER_SUPPRESSED" for s in extra["suppression"]):
                return False
            now = self.clock.now()
            extra["suppression"].append({"reason": "USER_SUPPRESSED", "timestamp": now})
            self.contacts.apply(pid, {"updated_at": now})
            return True

    # -- lists ----------------------------------------------------------------------
    def the_list(self, list_id: str) -> dict[str, Any]:
        entry = self.lists.get(list_id)
        if entry is None:
            raise KlaviyoFault(
                404, "not_found", "Not found.", f"A list with id {list_id} does not exist."
            )
        return entry

    def add_members(self, list_id: str, pids: list[str]) -> None:
        with self.lock:
            entry = self.the_list(list_id)
            new = [p for p in pids if p not in entry["members"]]
            now = self.clock.now()
            for pid in new:
                entry["members"][pid] = now  # when they joined (the other API keeps True)
            if new:
                entry["updated_at"] = now

    def remove_members(self, list_id: str, pids: list[str]) -> None:
        with self.lock:
            entry = self.the_list(list_id)
            gone = [p for p in pids if entry["members"].pop(p, None)]
            if gone:
                entry["updated_at"] = self.clock.now()

    def create_list(self, name: str, opt_in: str) -> dict[str, Any]:
        with self.lock:
            lid = f"L{len(self.lists) + 1:04d}"
            now = self.clock.now()
            self.lists[lid] = {
                "list_id": lid,
                "name": name,
                "created_at": now,
                "updated_at": now,
                "members": {},
                "opt_in_process": opt_in,
            }
            return self.lists[lid]

    # -- jobs and deletion ------------------------------------------------------------
    def run_import(self, items: list[Any], list_ids: list[str]) -> dict[str, Any]:
        """Import every profile now; the job reads as processing for ``job_delay_s``."""
        for lid in list_ids:
            self.the_list(lid)
        job: dict[str, Any] = {
            "id": new_id(),
            "created_at": self.clock.now(),
            "ready_at": time.monotonic() + self.job_delay_s,
            "total": len(items),
            "errors": [],
            "profiles": [],
            "lists": list(list_ids),
        }
        for index, item in enumerate(items):
            attrs = item.get("attributes") if isinstance(item, Mapping) else None
            attrs = attrs if isinstance(attrs, Mapping) else {}
            where = f"/data/attributes/profiles/data/{index}/attributes"
            problems = attribute_problems(attrs)
            if problems:
                name, detail = problems[0]
                job["errors"].append(
                    _import_error(detail, f"{where}/{name}" if name else where, attrs)
                )
                continue
            try:
                row, _created = self.upsert({"attributes": attrs})
            except KlaviyoFault as exc:
                first = exc.error["errors"][0]
                job["errors"].append(_import_error(first["detail"], where, attrs, first["code"]))
                continue
            job["profiles"].append(row["subscriber_id"])
            for lid in list_ids:
                self.add_members(lid, [row["subscriber_id"]])
        job["completed_at"] = self.clock.now()
        with self.lock:
            self.import_jobs[job["id"]] = job
        return job

    def delete(self, attrs: Mapping[str, Any], profile_id: str) -> list[str]:
        """Data-privacy deletion: every profile matching the one identifier."""
        with self.lock:
            if profile_id:
                pids = [profile_id] if self.contacts.get(profile_id) else []
            elif attrs.get("email"):
                email = str(attrs["email"]).strip().lower()
                pids = [
                    r["subscriber_id"] for r in self.contacts.all() if r["email"].lower() == email
                ]
            else:
                phone = str(attrs.get("phone_number") or "")
                pids = [r["subscriber_id"] for r in self.contacts.all() if r["phone"] == phone]
            for pid in pids:
                self.contacts.delete(pid)
                self.extras.pop(pid, None)
                for entry in self.lists.values():
                    entry["members"].pop(pid, None)
            self.deletions.append(
                {
                    "requested_at": self.clock.now(),
                    "profile_ids": pids,
                    "identifier": profile_id or attrs.get("email") or attrs.get("phone_number"),
                }
            )
            return pids

    def exports(self, root: Callable[[], str]) -> dict[str, Callable[[], list[dict[str, Any]]]]:
        return {
            "klaviyo_profiles": lambda: [
                kl.flatten_profile(self.resource(r, root(), True)) for r in self.rows()
            ],
            "klaviyo_import_jobs": lambda: [
                {k: val for k, val in j.items() if k != "ready_at"}
                for j in self.import_jobs.values()
            ],
            "klaviyo_deletions": lambda: list(self.deletions),
        }


def _consented(value: Any, now: str) -> str:
    stamp = kl.timestamp(value) if isinstance(value, str) else ""
    return stamp or now


def _import_error(
    detail: str, pointer: str, attrs: Mapping[str, Any], code: str = "invalid"
) -> dict[str, Any]:
    return {
        "type": "import-error",
        "id": str(uuid.uuid4()),
        "attributes": {
            "code": code,
            "title": "Conflict." if code == "duplicate_profile" else "Invalid input.",
            "detail": detail,
            "source": {"pointer": pointer},
            "original_payload": dict(attrs),
        },
    }
