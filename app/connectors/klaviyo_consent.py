"""Consent at Klaviyo, as law: what the profiles stream and the connector's own consent
calls send, after deciding per profile and channel (``app.formats.klaviyo.decide``).

- A subscribe goes out only for a channel Klaviyo reports NEVER_SUBSCRIBED, in the
  answer we just had (the upsert's or a lookup's ``subscriptions``). UNSUBSCRIBED,
  SUPPRESSED, an unknown state or no state at all: refused, with the reason, whatever
  the payload said. E-mail and SMS are decided apart.
- Unsubscribes and suppressions (opt-outs) are always allowed; nothing here lifts a
  suppression (the spec's ``profile-suppression-bulk-delete-jobs`` is never called).
- A subscribe whose record says when consent was given (``email_consent_at``, in the
  past) goes in a ``historical_import`` job with ``consented_at`` (the spec allows that
  field nowhere else); one without, in an ordinary job (the list's opt-in process applies).
- Jobs are sent in batches within the spec's limits (subscribe 1000 profiles,
  unsubscribe and suppress 100); a refused batch is sent again one profile at a time so
  the refusal lands on the profile that caused it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from app.connectors.errors import AuthError
from app.connectors.rest.stream import Api
from app.formats import klaviyo as kl
from app.formats.klaviyo.common import parse_time

SUBSCRIBE_MAX = 1000
UNSUBSCRIBE_MAX = 100
SUPPRESS_MAX = 100
PATHS = {
    "subscribe": "/api/profile-subscription-bulk-create-jobs",
    "historical": "/api/profile-subscription-bulk-create-jobs",
    "unsubscribe": "/api/profile-subscription-bulk-delete-jobs",
    "suppress": "/api/profile-suppression-bulk-create-jobs",
}


def send_json(api: Api, method: str, path: str, body: Any, **kwargs: Any) -> httpx.Response:
    """A JSON:API body with its own media type."""
    return api.request(
        method,
        path,
        content=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": kl.MEDIA_TYPE},
        **kwargs,
    )


def refused_words(api: Api, response: httpx.Response, what: str) -> str:
    """A 4xx to a write in words; credentials stop everything."""
    if response.status_code in (401, 403):
        raise AuthError(
            f"Klaviyo refused {what}: {api.describe(response)}.",
            hint="Check the private API key and its scopes (profiles, lists, subscriptions, "
            "data-privacy) in the connection profile.",
        )
    return f"Klaviyo refused {what}: {api.describe(response)}"


@dataclass
class ConsentWork:
    """One profile's consent change: who (e-mail, phone, Klaviyo id), what is asked per
    channel, what Klaviyo reports now; filled in with what was done or refused."""

    email: str = ""
    phone_number: str = ""
    profile_id: str = ""
    desired: dict[str, str] = field(default_factory=dict)  # channel -> wanted state
    consented_at: dict[str, str] = field(default_factory=dict)
    current: dict[str, kl.ChannelConsent] = field(default_factory=dict)
    done: dict[str, str] = field(default_factory=dict)  # channel -> action sent
    skipped: dict[str, str] = field(default_factory=dict)  # channel -> why nothing was sent
    refusals: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def target(self, channels: Sequence[str]) -> kl.ConsentTarget:
        return kl.ConsentTarget(
            email=self.email if "email" in channels else "",
            phone_number=self.phone_number if "sms" in channels else "",
            profile_id=self.profile_id,
            channels={c: self.consented_at.get(c, "") for c in channels},
        )


class ConsentWriter:
    """Decides and sends the consent jobs for a set of profiles."""

    def __init__(self, api: Api, *, list_id: str = "", custom_source: str = "") -> None:
        self.api = api
        self.list_id = list_id
        self.custom_source = custom_source

    def apply(self, works: Sequence[ConsentWork]) -> None:
        """Decide every channel of every profile, then send the jobs."""
        plans: dict[str, list[tuple[ConsentWork, list[str]]]] = {
            "subscribe": [],
            "historical": [],
            "unsubscribe": [],
            "suppress": [],
        }
        for work in works:
            channels: dict[kl.Action, list[str]] = {}
            for channel in kl.CHANNELS:
                desired = work.desired.get(channel, "")
                if not desired:
                    continue
                decision = kl.decide(
                    channel, desired, work.current.get(channel, kl.ChannelConsent())
                )
                if decision.action is kl.Action.REFUSE:
                    work.refusals.append(decision.reason)
                elif decision.action is not kl.Action.NONE:
                    problem = self._missing_identity(work, channel)
                    if problem:  # nothing to hold the consent: said, not an error
                        work.skipped[channel] = problem
                    else:
                        channels.setdefault(decision.action, []).append(channel)
            for action, chosen in channels.items():
                if action is kl.Action.SUBSCRIBE:  # consent given earlier: a historical import
                    past = [c for c in chosen if _in_the_past(work.consented_at.get(c, ""))]
                    now = [c for c in chosen if c not in past]
                    plans["historical"] += [(work, past)] if past else []
                    plans["subscribe"] += [(work, now)] if now else []
                else:
                    plans[action.value].append((work, chosen))
        self._send("subscribe", plans["subscribe"], SUBSCRIBE_MAX, self._subscribe_body)
        self._send("historical", plans["historical"], SUBSCRIBE_MAX, self._historical_body)
        self._send("unsubscribe", plans["unsubscribe"], UNSUBSCRIBE_MAX, self._unsubscribe_body)
        self._send("suppress", plans["suppress"], SUPPRESS_MAX, self._suppress_body)

    @staticmethod
    def _missing_identity(work: ConsentWork, channel: str) -> str:
        if channel == "email" and not work.email:
            return "e-mail consent not sent: the profile has no e-mail address"
        if channel == "sms" and not work.phone_number:
            return "SMS consent not sent: the profile has no phone number"
        return ""

    def _subscribe_body(self, items: Sequence[tuple[ConsentWork, list[str]]]) -> Any:
        targets = [w.target(ch) for w, ch in items]
        return kl.subscribe_job_body(targets, self.list_id, self.custom_source)

    def _historical_body(self, items: Sequence[tuple[ConsentWork, list[str]]]) -> Any:
        targets = [w.target(ch) for w, ch in items]
        return kl.subscribe_job_body(targets, self.list_id, self.custom_source, historical=True)

    @staticmethod
    def _unsubscribe_body(items: Sequence[tuple[ConsentWork, list[str]]]) -> Any:
        targets = [w.target(ch) for w, ch in items]
        for t in targets:
            t.profile_id = ""  # the delete job finds profiles by e-mail / phone only
        return kl.unsubscribe_job_body(targets)

    @staticmethod
    def _suppress_body(items: Sequence[tuple[ConsentWork, list[str]]]) -> Any:
        return kl.suppress_job_body([w.email for w, _ch in items])

    def _send(
        self,
        action: str,
        items: Sequence[tuple[ConsentWork, list[str]]],
        size: int,
        body: Callable[[Sequence[tuple[ConsentWork, list[str]]]], Any],
    ) -> None:
        for start in range(0, len(items), size):
            chunk = items[start : start + size]
            response = send_json(self.api, "POST", PATHS[action], body(chunk))
            if response.status_code < 300:
                self._mark(action, chunk)
                continue
            what = f"the {action} job"
            words = refused_words(self.api, response, what)
            if len(chunk) == 1:
                chunk[0][0].errors.append(words)
                continue
            for one in chunk:  # find the profile that caused it
                alone = send_json(self.api, "POST", PATHS[action], body([one]))
                if alone.status_code < 300:
                    self._mark(action, [one])
                else:
                    one[0].errors.append(refused_words(self.api, alone, what))

    @staticmethod
    def _mark(action: str, items: Sequence[tuple[ConsentWork, list[str]]]) -> None:
        for work, channels in items:
            for channel in channels:
                work.done[channel] = "subscribe" if action == "historical" else action


def _in_the_past(stamp: str) -> bool:
    """A consent time Klaviyo takes as historical (``consented_at`` must be in the past)."""
    moment = parse_time(stamp) if stamp else None
    return moment is not None and moment < datetime.now(UTC)


def lookup_consent(api: Api, works: Sequence[ConsentWork]) -> None:
    """Fill ``current`` from Klaviyo for profiles known only by e-mail or phone (the
    connector's own consent calls): ``GET /api/profiles`` filtered by ``any(email,…)`` /
    ``any(phone_number,…)``. A profile Klaviyo does not have is NEVER_SUBSCRIBED (the
    subscribe job creates it); one found twice keeps the stricter answer."""
    never = kl.ChannelConsent(kl.NEVER_SUBSCRIBED)
    by_key: dict[tuple[str, str], list[ConsentWork]] = {}
    for work in works:
        work.current = {c: never for c in kl.CHANNELS}
        if work.email:
            by_key.setdefault(("email", work.email.strip().lower()), []).append(work)
        elif work.phone_number:
            by_key.setdefault(("phone_number", kl.e164(work.phone_number)), []).append(work)
    for kind in ("email", "phone_number"):
        values = sorted({v for k, v in by_key if k == kind})
        for start in range(0, len(values), 50):
            chunk = values[start : start + 50]
            response = api.request(
                "GET",
                "/api/profiles",
                params={
                    "filter": kl.any_of(kind, chunk),
                    "additional-fields[profile]": "subscriptions",
                    "page[size]": 100,
                },
            )
            api.raise_for_read(response)
            for item in response.json().get("data") or []:
                row = kl.flatten_profile(item)
                value = row["email"].lower() if kind == "email" else kl.e164(row["phone_number"])
                for work in by_key.get((kind, value), []):
                    work.profile_id = work.profile_id or row["profile_id"]
                    for channel in kl.CHANNELS:
                        state = row[f"{channel}_consent"]
                        seen = kl.ChannelConsent(
                            state, row[f"{channel}_consent_at"],
                            row["email_suppression"] if channel == "email" else "",
                        )  # fmt: skip
                        if work.current[channel].state == kl.NEVER_SUBSCRIBED or seen.opted_out:
                            work.current[channel] = seen
