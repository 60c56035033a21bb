"""Klaviyo's streams: ``profiles`` (read by ``updated``, written with consent as law) and
``lists`` (read).

Profiles are read from ``GET /api/profiles`` with ``additional-fields[profile]=
subscriptions`` (the per-channel consent), ``sort=updated``, ``page[size]`` (≤ 100) and
the cursor of ``links.next``; incrementally with ``filter=greater-than(updated,…)``.

A batch of profile writes goes, per record, through ``POST /api/profile-import`` (create
or update; its answer carries the profile's consent now), or — from ``bulk_threshold``
records on — through one bulk import job: create it, poll it until it is complete, then
read its import errors (each becomes that record's refusal, in Klaviyo's words) and its
profiles (ids and consent of the others). Then consent (``klaviyo_consent``): what a
record asks for per channel is decided against what Klaviyo reported — never a
re-subscribe — and sent as subscription / suppression jobs. Then list membership: with
the ``list_id`` setting, written profiles are added to that list, or removed where the
record's ``list_member`` is N (membership never changes consent).

Per record: CREATED / UPDATED with Klaviyo's profile id; REJECTED with Klaviyo's reason,
or with the consent refusal (the profile's other fields were saved); FAILED when a job
did not account for it (the engine sends it again on its own).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.connectors.errors import DeliveryError
from app.connectors.klaviyo_consent import ConsentWork, ConsentWriter, refused_words, send_json
from app.connectors.rest.paging import LinkCursor, Page
from app.connectors.rest.stream import Api, RestStream
from app.connectors.rest.writes import checked_payload, rejected
from app.connectors.rest_helpers import fields
from app.connectors.streams import FieldKind, StreamSpec, WriteAction, WriteRecord, WriteResult
from app.formats import klaviyo as kl
from app.formats.klaviyo.jobs import CANCELLED

STREAMS = ("profiles", "lists")
APIS = ("profiles", "lists", "data_privacy")  # each may have its own address
PROFILE_PAGE_MAX = 100
LIST_PAGE_MAX = 10
MEMBERS_MAX = 1000
BULK_MAX = 10_000
SUBSCRIPTIONS = {"additional-fields[profile]": "subscriptions"}

_NOTES = {
    "profile_id": "Klaviyo's profile id.",
    "external_id": "Our id for the person (e.g. the DMS customer number); also kept in "
    f"properties.{kl.EXTERNAL_ID_PROPERTY}.",
    "phone_number": "E.164 (+13135550101); other US/Canada forms are converted.",
    "properties": "Other custom properties, as a JSON object.",
    "email_consent": "subscribed | unsubscribed | suppressed | never_subscribed ('' = not "
    "reported). Writing 'subscribed' never re-subscribes an unsubscribed or suppressed "
    "profile: such a record is refused.",
    "email_consent_at": "When the e-mail consent (or suppression) was recorded. On a write: "
    "when the person consented; a subscribe with a past time goes in a historical import "
    "(consented_at, no double opt-in), one without through the list's opt-in process.",
    "email_suppression": "Klaviyo's suppression reasons (HARD_BOUNCE, SPAM_COMPLAINT, "
    "UNSUBSCRIBE, USER_SUPPRESSED, INVALID_EMAIL).",
    "sms_consent": "subscribed | unsubscribed | never_subscribed, apart from e-mail.",
    "list_member": "Write only, with the List setting: N removes the profile from that "
    "list; Y or empty adds it.",
    "updated": "When Klaviyo last changed the profile (the read cursor).",
}
PROFILES = StreamSpec(
    name="profiles",
    entity="customer",
    fields=fields(
        (*kl.PROFILE_FIELDS, "list_member"),
        kinds={"created": FieldKind.DATETIME, "updated": FieldKind.DATETIME},
        notes=_NOTES,
    ),
    primary_key="profile_id",
    cursor_field="updated",
    writable=True,
    max_batch=1000,
    description="Klaviyo profiles with per-channel consent (e-mail and SMS apart). Written "
    "with profile-import (or a bulk import job for big batches); consent through "
    "subscription jobs, never re-subscribing an opt-out.",
)
LISTS = StreamSpec(
    name="lists",
    entity="marketing_list",
    fields=fields(
        kl.LIST_FIELDS, kinds={"created": FieldKind.DATETIME, "updated": FieldKind.DATETIME}
    ),
    primary_key="list_id",
    cursor_field="updated",
    description="Klaviyo lists (read only; membership follows the profiles' List setting).",
)


@dataclass
class WriteOptions:
    list_id: str = ""
    bulk_threshold: int = 100
    poll_s: float = 1.0
    job_timeout_s: float = 600.0
    custom_source: str = "Rooftop Sync"


@dataclass
class _Pending:
    """One record on its way: what was sent, what Klaviyo said."""

    index: int
    record: WriteRecord
    row: dict[str, str]
    work: ConsentWork
    member: bool | None = None
    known_id: str = ""  # Klaviyo's id from an earlier delivery
    profile_id: str = ""
    created: bool = False
    error: str = ""
    failed: str = ""
    notes: dict[str, Any] = field(default_factory=dict)


def _member(value: str) -> bool | None:
    raw = value.strip().upper()[:1]
    return {"Y": True, "N": False}.get(raw) if raw else None


class ProfilesStream(RestStream):
    """``lists_api``: where list membership is written (the lists API's address)."""

    def __init__(
        self, api: Api, page_size: int, options: WriteOptions, lists_api: Api | None = None
    ) -> None:
        super().__init__(
            PROFILES,
            api,
            "/api/profiles",
            paginator=LinkCursor(),
            page_size=min(page_size, PROFILE_PAGE_MAX),
            records="data",
            since=lambda cursor: {"filter": kl.changed_since(cursor)},
            to_row=kl.flatten_profile,
            item_path="/api/profiles/{id}",
            item_record="data",
            params={**SUBSCRIPTIONS, "sort": "updated"},
        )
        self.options = options
        self.lists_api = lists_api or api
        self.consent = ConsentWriter(
            api, list_id=options.list_id, custom_source=options.custom_source
        )

    def fetch(self, keys: Sequence[str]) -> Any:
        saved, self.params = self.params, dict(SUBSCRIPTIONS)  # no sort on a single profile
        try:
            return super().fetch(keys)
        finally:
            self.params = saved

    # -- writing ------------------------------------------------------------------
    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        results: list[WriteResult | None] = [None] * len(batch)
        pending: list[_Pending] = []
        for index, record in enumerate(batch):
            prepared = self._prepare(index, record)
            if isinstance(prepared, WriteResult):
                results[index] = prepared
            else:
                pending.append(prepared)
        if len(pending) >= max(2, self.options.bulk_threshold):
            self._bulk(pending)
        else:
            for p in pending:
                self._upsert(p)
        saved = [p for p in pending if p.profile_id and not (p.error or p.failed)]
        self.consent.apply([p.work for p in saved])
        self._membership(saved)
        for p in pending:
            results[p.index] = self._result(p)
        return [r if r is not None else rejected("not written") for r in results]

    def _prepare(self, index: int, record: WriteRecord) -> _Pending | WriteResult:
        payload = checked_payload(self.spec, record.payload, as_text=True)
        if isinstance(payload, WriteResult):
            return payload
        try:
            desired = {c: kl.wanted(c, payload.get(f"{c}_consent")) for c in kl.CHANNELS}
            attrs = kl.profile_attributes(payload)
        except kl.KlaviyoError as exc:
            return rejected(str(exc))
        member = _member(payload.get("list_member", ""))
        if member is not None and not self.options.list_id:
            return rejected("list_member needs the connection's List setting (a Klaviyo list id).")
        work = ConsentWork(
            email=str(attrs.get("email") or ""),
            phone_number=str(attrs.get("phone_number") or ""),
            desired=desired,
            consented_at={c: payload.get(f"{c}_consent_at", "") for c in kl.CHANNELS},
        )
        known = record.dest_id or payload.get("profile_id", "")
        return _Pending(index, record, payload, work, member, known_id=known)

    def _upsert(self, p: _Pending) -> None:
        """``POST /api/profile-import``: 201 created, 200 updated, with the consent now."""
        known = p.known_id
        response = send_json(
            self.api,
            "POST",
            "/api/profile-import",
            kl.upsert_body(p.row, profile_id=known),
            params=SUBSCRIPTIONS,
        )
        if response.status_code == 404 and known:  # merged or deleted at Klaviyo: find it anew
            response = send_json(
                self.api, "POST", "/api/profile-import", kl.upsert_body(p.row), params=SUBSCRIPTIONS
            )
        if response.status_code >= 300:
            p.error = refused_words(self.api, response, "the profile")
            return
        self._saw(p, response.json().get("data"))
        p.created = response.status_code == 201

    def _saw(self, p: _Pending, resource: Any) -> None:
        row = kl.flatten_profile(resource)
        p.profile_id = row["profile_id"] or p.profile_id
        p.work.profile_id = p.profile_id
        p.work.current = {
            c: kl.ChannelConsent(
                row[f"{c}_consent"],
                row[f"{c}_consent_at"],
                row["email_suppression"] if c == "email" else "",
            )
            for c in kl.CHANNELS
        }
        if not p.profile_id:
            p.failed = "Klaviyo answered without the profile's id; it will be sent again."

    # -- the bulk import job --------------------------------------------------------
    def _bulk(self, pending: list[_Pending]) -> None:
        for start in range(0, len(pending), BULK_MAX):
            self._bulk_job(pending[start : start + BULK_MAX])

    def _bulk_job(self, pending: list[_Pending]) -> None:
        body = kl.bulk_import_body([p.row for p in pending])
        response = send_json(self.api, "POST", "/api/profile-bulk-import-jobs", body)
        if response.status_code >= 300:
            refused_words(self.api, response, "the import job")  # credentials stop here
            for p in pending:  # the job as a whole was refused: each record on its own
                self._upsert(p)
            return
        job = self._wait(kl.job_state(response.json()))
        for p in pending:
            p.notes = {"import_job": job.id}
        if job.status == CANCELLED:
            for p in pending:
                p.failed = f"Klaviyo cancelled import job {job.id}; it will be sent again."
            return
        keyed = _by_identity(pending)
        for problem in self._problems(job):
            target = _owner(problem, pending, keyed)
            if target is not None and not target.error:
                target.error = (
                    f"Klaviyo refused the profile (import job {job.id}): {problem.words()}"
                )
        for resource in self._pages(
            f"/api/profile-bulk-import-jobs/{job.id}/profiles", SUBSCRIPTIONS
        ):
            attrs = dict(resource.get("attributes") or {}) if isinstance(resource, Mapping) else {}
            for key in kl.identity_keys(attrs):
                target = keyed.get(key)
                if target is not None and not target.error:
                    self._saw(target, resource)
                    made = kl.timestamp(attrs.get("created"))
                    target.created = bool(made and job.created_at and made >= job.created_at)
                    break
        for p in pending:
            if not (p.error or p.profile_id):
                p.failed = (
                    f"Klaviyo's import job {job.id} did not account for this profile; "
                    "it will be sent again."
                )

    def _wait(self, job: kl.JobState) -> kl.JobState:
        """Poll ``GET /api/profile-bulk-import-jobs/{id}`` until it is complete."""
        if not job.id:
            raise DeliveryError("Klaviyo accepted the import job but did not say its id.")
        deadline = time.monotonic() + self.options.job_timeout_s
        while not job.finished:
            if time.monotonic() > deadline:
                raise DeliveryError(
                    f"Klaviyo's import job {job.id} was still {job.status or 'running'} after "
                    f"{self.options.job_timeout_s:.0f} s; the records will be sent again."
                )
            self.api.client.sleep(self.options.poll_s)
            response = self.api.request("GET", f"/api/profile-bulk-import-jobs/{job.id}")
            self.api.raise_for_read(response)
            job = dataclasses.replace(kl.job_state(response.json()), id=job.id)
        return job

    def _problems(self, job: kl.JobState) -> Iterator[kl.ImportProblem]:
        if not job.failed:
            return
        path = f"/api/profile-bulk-import-jobs/{job.id}/import-errors"
        for body in self._raw_pages(path, {}):
            yield from kl.import_problems(body)

    def _pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Any]:
        for body in self._raw_pages(path, params):
            yield from (body.get("data") or []) if isinstance(body, Mapping) else []

    def _raw_pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Any]:
        paginator = LinkCursor()
        query: dict[str, Any] = {**params, **paginator.first(PROFILE_PAGE_MAX)}
        url = path
        while True:
            response = self.api.request("GET", url, params=query)
            self.api.raise_for_read(response)
            body = response.json()
            yield body
            here = url if "://" in url else f"{self.api.url}{url}"
            following = paginator.next(Page(here, query, body, []))
            if following is None:
                return
            url, query = following

    # -- list membership --------------------------------------------------------------
    def _membership(self, saved: Sequence[_Pending]) -> None:
        list_id = self.options.list_id
        if not list_id:
            return
        adds = [p for p in saved if p.member is not False]
        removes = [p for p in saved if p.member is False]
        path = f"/api/lists/{list_id}/relationships/profiles"
        for method, group in (("POST", adds), ("DELETE", removes)):
            for start in range(0, len(group), MEMBERS_MAX):
                chunk = group[start : start + MEMBERS_MAX]
                body = kl.members_body([p.profile_id for p in chunk])
                response = send_json(self.lists_api, method, path, body)
                what = f"{'adding to' if method == 'POST' else 'removing from'} list {list_id}"
                if response.status_code >= 300:
                    words = refused_words(self.lists_api, response, what)
                    for p in chunk:
                        p.work.errors.append(words)
                else:
                    for p in chunk:
                        p.notes["list"] = "added" if method == "POST" else "removed"

    # -- answers ----------------------------------------------------------------------
    def _result(self, p: _Pending) -> WriteResult:
        if p.error:
            return rejected(p.error)
        if p.failed:
            return WriteResult(WriteAction.FAILED, dest_id=p.profile_id or None, error=p.failed)
        later = [*p.work.refusals, *p.work.errors]
        if later:  # the profile was saved; its consent or list change was not
            return WriteResult(
                WriteAction.REJECTED,
                dest_id=p.profile_id,
                error=" ".join(later) + " (The profile's other fields were saved.)",
                response=self._summary(p),
            )
        action = WriteAction.CREATED if p.created else WriteAction.UPDATED
        return WriteResult(action, dest_id=p.profile_id, response=self._summary(p))

    @staticmethod
    def _summary(p: _Pending) -> dict[str, Any]:
        out: dict[str, Any] = {"profile_id": p.profile_id, **p.notes}
        if p.work.done:
            out["consent"] = dict(p.work.done)
        if p.work.skipped:
            out["consent_not_sent"] = dict(p.work.skipped)
        if p.work.refusals:
            out["consent_refused"] = list(p.work.refusals)
        return out


def _by_identity(pending: Sequence[_Pending]) -> dict[tuple[str, str], _Pending]:
    keyed: dict[tuple[str, str], _Pending] = {}
    for p in pending:
        for key in kl.identity_keys(kl.profile_attributes(p.row)):
            keyed.setdefault(key, p)
    return keyed


def _owner(
    problem: kl.ImportProblem,
    pending: Sequence[_Pending],
    keyed: Mapping[tuple[str, str], _Pending],
) -> _Pending | None:
    """The record an import error is about: its place in the job, else its payload."""
    if problem.index is not None and 0 <= problem.index < len(pending):
        return pending[problem.index]
    for key in kl.identity_keys(problem.payload):
        if key in keyed:
            return keyed[key]
    return None


class ListsStream(RestStream):
    def __init__(self, api: Api, page_size: int) -> None:
        super().__init__(
            LISTS,
            api,
            "/api/lists",
            paginator=LinkCursor(),
            page_size=min(page_size, LIST_PAGE_MAX),
            records="data",
            since=lambda cursor: {"filter": kl.changed_since(cursor)},
            to_row=kl.flatten_list,
            item_path="/api/lists/{id}",
            item_record="data",
        )


def build_streams(
    apis: Mapping[str, Api], page_size: int, options: WriteOptions
) -> dict[str, RestStream]:
    return {
        "profiles": ProfilesStream(apis["profiles"], page_size, options, apis["lists"]),
        "lists": ListsStream(apis["lists"], page_size),
    }
