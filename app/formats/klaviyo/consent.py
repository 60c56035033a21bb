"""Consent, per channel, as Klaviyo reports it and as we carry it.

Klaviyo keeps e-mail and SMS marketing consent apart
(``attributes.subscriptions.email.marketing`` / ``.sms.marketing``, asked for with
``additional-fields[profile]=subscriptions``): ``consent`` (SUBSCRIBED, UNSUBSCRIBED,
NEVER_SUBSCRIBED — the specs type it as a free string with the example SUBSCRIBED),
``consent_timestamp``, and for e-mail a global ``suppression`` list (reason HARD_BOUNCE,
INVALID_EMAIL, SPAM_COMPLAINT, UNSUBSCRIBE, USER_SUPPRESSED, with a timestamp). A
suppressed address receives no e-mail marketing "independent of their consent status".

Flat, one state per channel (``email_consent``, ``sms_consent``):

- ``unsubscribed``: consent UNSUBSCRIBED (an unsubscribe usually also adds an
  UNSUBSCRIBE suppression; it stays "unsubscribed");
- ``suppressed``: e-mail only, any suppression while the consent is not UNSUBSCRIBED;
- ``subscribed``: SUBSCRIBED and not suppressed;
- ``never_subscribed``: NEVER_SUBSCRIBED;
- '' when the answer says nothing (no ``subscriptions``, no ``consent``): unknown;
- anything else Klaviyo may report is passed through in lower case and treated as an
  opt-out where it matters (never subscribed over, N as an opt-in).

Writing (``decide``): a sync may subscribe a channel only from ``never_subscribed``;
from ``unsubscribed``, ``suppressed``, an unknown state or none reported it is REFUSED — the
subscribe API would lift UNSUBSCRIBE and USER_SUPPRESSED suppressions, so the refusal must
be ours. An unsubscribe is sent only to a channel that is subscribed (a never-asked
person is not turned into an explicit opt-out by a DMS "N"); a suppression only to an
e-mail that is not suppressed yet. Nothing here ever lifts a suppression.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.formats.errors import KlaviyoError
from app.formats.klaviyo.common import dig, klaviyo_time, obj, text, timestamp
from app.mapping.model import Step

SUBSCRIBED = "subscribed"
UNSUBSCRIBED = "unsubscribed"
SUPPRESSED = "suppressed"
NEVER_SUBSCRIBED = "never_subscribed"
STATES = (SUBSCRIBED, UNSUBSCRIBED, SUPPRESSED, NEVER_SUBSCRIBED)
CHANNELS = ("email", "sms")
LABEL = {"email": "E-mail", "sms": "SMS"}
# Klaviyo's words -> ours
_FROM_KLAVIYO = {
    "SUBSCRIBED": SUBSCRIBED,
    "UNSUBSCRIBED": UNSUBSCRIBED,
    "NEVER_SUBSCRIBED": NEVER_SUBSCRIBED,
}


@dataclass(frozen=True)
class ChannelConsent:
    """One channel's consent: ``state`` (see the module doc), when it was recorded, and
    for a suppressed e-mail Klaviyo's reason (HARD_BOUNCE…)."""

    state: str = ""
    at: str = ""
    reason: str = ""

    @property
    def opted_out(self) -> bool:
        return self.state not in (SUBSCRIBED, NEVER_SUBSCRIBED, "")


def channel_consent(subscriptions: Any, channel: str) -> ChannelConsent:
    """The consent of ``channel`` (email | sms) in ``attributes.subscriptions``."""
    marketing = obj(dig(subscriptions, channel, "marketing"))
    raw = text(marketing.get("consent")).strip().upper()
    at = timestamp(marketing.get("consent_timestamp")) or timestamp(marketing.get("last_updated"))
    suppressions = (
        [obj(s) for s in (marketing.get("suppression") or []) if isinstance(s, Mapping)]
        if channel == "email" and isinstance(marketing.get("suppression"), list)
        else []
    )
    state = _FROM_KLAVIYO.get(raw, raw.lower())
    if state == UNSUBSCRIBED:
        return ChannelConsent(UNSUBSCRIBED, at or _latest(suppressions), _reasons(suppressions))
    if suppressions:
        return ChannelConsent(SUPPRESSED, _latest(suppressions) or at, _reasons(suppressions))
    return ChannelConsent(state, at)


def _latest(suppressions: Sequence[Mapping[str, Any]]) -> str:
    return max((timestamp(s.get("timestamp")) for s in suppressions), default="")


def _reasons(suppressions: Sequence[Mapping[str, Any]]) -> str:
    return ";".join(dict.fromkeys(text(s.get("reason")) for s in suppressions if s.get("reason")))


# -- Y/N opt-ins (the DMS's and CRM's preference fields) ----------------------------------

OPT_IN_TABLE: dict[str, str] = {
    SUBSCRIBED: "Y",
    UNSUBSCRIBED: "N",
    SUPPRESSED: "N",
    NEVER_SUBSCRIBED: "N",
}
CONSENT_TABLE: dict[str, str] = {"Y": SUBSCRIBED, "N": UNSUBSCRIBED}


def opt_in(state: str, never_subscribed: str = "N") -> str:
    """A channel state as a Y/N opt-in: subscribed Y; unsubscribed and suppressed N;
    never_subscribed ``never_subscribed`` (N: the person has not opted in); '' stays ''.
    Any other state is N (an opt-out where unsure)."""
    value = state.strip().lower()
    if not value:
        return ""
    if value == NEVER_SUBSCRIBED:
        return never_subscribed
    return OPT_IN_TABLE.get(value, "N")


def consent_for(opt_in_value: str) -> str:
    """A Y/N opt-in as the consent a write asks for: Y subscribed, N unsubscribed."""
    value = opt_in_value.strip().upper()[:1]
    return CONSENT_TABLE.get(value, "")


def opt_in_step(never_subscribed: str = "N") -> Step:
    """The mapping step that turns ``email_consent`` / ``sms_consent`` into the DMS's or
    CRM's Y/N opt-in (``opt_in`` as a ``lookup``: an unknown state is N, '' stays '')::

        rule("opt_in_email", "email_consent", steps=[opt_in_step()])

    N for never_subscribed by default: the Y/N fields have no "unknown", and a blank
    would erase the other system's value just the same."""
    table = {**OPT_IN_TABLE, NEVER_SUBSCRIBED: never_subscribed}
    return Step("lookup", {"table": table, "default": "N"})


def opt_out_step(opt_out: str = "N") -> Step:
    """The step of a flow that only lowers consent (Klaviyo -> DMS or CRM): a channel the
    person opted out of (unsubscribed, suppressed, or any state that is not an opt-in)
    becomes ``opt_out`` — N for a Y/N opt-in, ``true`` for a do-not-email flag —;
    subscribed, never_subscribed and an unreported state become blank. In a flow with
    the ``omit_blank`` option a blank is not sent, so an opt-in collected at the desk
    (which Klaviyo may not have yet) is never overwritten::

        rule("opt_in_email", "email_consent", steps=[opt_out_step()])
        rule("email_opt_out", "email_consent", steps=[opt_out_step("true")])"""
    keep = {SUBSCRIBED: "", NEVER_SUBSCRIBED: "", "": ""}
    return Step("lookup", {"table": keep, "default": opt_out})


def consent_step() -> Step:
    """The other way: a Y/N opt-in as the consent a Klaviyo write asks for (Y subscribed,
    N unsubscribed, anything else left alone)::

        rule("email_consent", "opt_in_email", steps=[consent_step()])"""
    return Step("lookup", {"table": dict(CONSENT_TABLE), "default": ""})


# -- decisions ----------------------------------------------------------------------------


class Action(StrEnum):
    NONE = "none"
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    SUPPRESS = "suppress"
    REFUSE = "refuse"


@dataclass(frozen=True)
class Decision:
    channel: str
    action: Action
    reason: str = ""


def wanted(channel: str, value: Any) -> str:
    """A write's asked-for state of ``channel``: one of ``STATES`` or '' (leave it)."""
    raw = text(value).strip().lower()
    if raw in ("", *STATES):
        return raw
    raise KlaviyoError(
        f"{channel}_consent: '{text(value)}' is not one of {', '.join(STATES)} (or empty)."
    )


def decide(channel: str, desired: str, current: ChannelConsent) -> Decision:
    """What to send for ``channel`` so it reads ``desired`` — never a re-subscribe."""
    state = current.state
    if desired == SUBSCRIBED:
        if state == SUBSCRIBED:
            return Decision(channel, Action.NONE)
        if state == NEVER_SUBSCRIBED:
            return Decision(channel, Action.SUBSCRIBE)
        return Decision(channel, Action.REFUSE, refusal(channel, current))
    if desired == SUPPRESSED and channel == "email":
        if state == SUPPRESSED:
            return Decision(channel, Action.NONE)
        return Decision(channel, Action.SUPPRESS)
    if desired in (UNSUBSCRIBED, SUPPRESSED) and state == SUBSCRIBED:
        return Decision(channel, Action.UNSUBSCRIBE)  # SMS cannot be suppressed: unsubscribe
    return Decision(channel, Action.NONE)


def refusal(channel: str, current: ChannelConsent) -> str:
    """Why a subscribe was not sent, for the sync log."""
    if not current.state:
        return (
            f"{LABEL.get(channel, channel)} not subscribed: Klaviyo did not report this "
            "profile's consent, and a sync subscribes only a profile Klaviyo reports "
            "NEVER_SUBSCRIBED. It will be tried again on the next run."
        )
    since = f" since {current.at}" if current.at else ""
    why = f", reason {current.reason}" if current.reason else ""
    return (
        f"{LABEL.get(channel, channel)} not re-subscribed: Klaviyo reports this profile "
        f"{current.state.upper()}{since}{why}. A sync never subscribes a channel the person "
        f"opted out of; only they can opt in again (e.g. a Klaviyo sign-up form). Set the "
        f"source's {LABEL.get(channel, channel).replace('E-mail', 'e-mail')} opt-in to N."
    )


# -- job bodies ---------------------------------------------------------------------------


@dataclass
class ConsentTarget:
    """One profile in a subscribe / unsubscribe job: how Klaviyo finds it and the
    channels to change (with the time consent was given, when known)."""

    email: str = ""
    phone_number: str = ""
    profile_id: str = ""
    channels: dict[str, str] = field(default_factory=dict)  # channel -> consented_at or ''

    def identity(self) -> dict[str, str]:
        out = {}
        if self.email:
            out["email"] = self.email
        if self.phone_number:
            out["phone_number"] = self.phone_number
        return out


def subscribe_job_body(
    targets: Sequence[ConsentTarget],
    list_id: str = "",
    custom_source: str = "",
    *,
    historical: bool = False,
) -> dict[str, Any]:
    """``profile-subscription-bulk-create-job`` (at most 1000 profiles; e-mail needs the
    address, SMS the phone number). ``consented_at`` may only be sent in a
    ``historical_import`` job (consent gathered earlier, in the past: no double opt-in,
    no "added to list" flows), where every channel must have it; in any other job it is
    left out — Klaviyo raises an error otherwise."""
    profiles = []
    for t in targets:
        subscriptions: dict[str, Any] = {}
        for channel, consented_at in t.channels.items():
            marketing: dict[str, Any] = {"consent": "SUBSCRIBED"}
            if historical:
                if not consented_at:
                    raise KlaviyoError(f"A historical import needs consented_at ({channel}).")
                marketing["consented_at"] = klaviyo_time(consented_at)
            subscriptions[channel] = {"marketing": marketing}
        item: dict[str, Any] = {
            "type": "profile",
            "attributes": {**t.identity(), "subscriptions": subscriptions},
        }
        if t.profile_id:
            item["id"] = t.profile_id
        profiles.append(item)
    attributes: dict[str, Any] = {"profiles": {"data": profiles}}
    if custom_source:
        attributes["custom_source"] = custom_source
    if historical:
        attributes["historical_import"] = True
    data: dict[str, Any] = {
        "type": "profile-subscription-bulk-create-job",
        "attributes": attributes,
    }
    if list_id:
        data["relationships"] = {"list": {"data": {"type": "list", "id": list_id}}}
    return {"data": data}


def unsubscribe_job_body(targets: Sequence[ConsentTarget]) -> dict[str, Any]:
    """``profile-subscription-bulk-delete-job`` (at most 100 profiles), global: with no
    list, as consent is per channel, not per list."""
    profiles = [
        {
            "type": "profile",
            "attributes": {
                **t.identity(),
                "subscriptions": {
                    c: {"marketing": {"consent": "UNSUBSCRIBED"}} for c in t.channels
                },
            },
        }
        for t in targets
    ]
    return {
        "data": {
            "type": "profile-subscription-bulk-delete-job",
            "attributes": {"profiles": {"data": profiles}},
        }
    }


def suppress_job_body(emails: Sequence[str]) -> dict[str, Any]:
    """``profile-suppression-bulk-create-job`` (e-mail only, at most 100 addresses)."""
    return {
        "data": {
            "type": "profile-suppression-bulk-create-job",
            "attributes": {
                "profiles": {
                    "data": [{"type": "profile", "attributes": {"email": e}} for e in emails]
                }
            },
        }
    }
