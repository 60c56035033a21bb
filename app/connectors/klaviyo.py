"""Klaviyo, the e-mail/SMS marketing platform, over its published API (JSON:API, OpenAPI
specs in ``tests/contracts/specs/klaviyo``). The bodies are the codec
``app.formats.klaviyo``; the streams ``klaviyo_streams``; consent ``klaviyo_consent``.

Every call carries ``Authorization: Klaviyo-API-Key <private key>`` (the REST base's API
key with a scheme word), the ``revision`` header (the specs' 2026-07-15 unless the
profile says otherwise) and ``Accept: application/vnd.api+json``.

Beyond the streams, the app can call:

- ``subscribe`` / ``unsubscribe`` / ``suppress``: consent jobs for people known by e-mail
  or phone — a subscribe is looked up first and refused for anyone Klaviyo reports
  unsubscribed or suppressed, as in the profiles stream;
- ``request_deletion``: "erase this customer" (``POST /api/data-privacy-deletion-jobs``,
  one identifier; Klaviyo deletes every matching profile, asynchronously). A service
  call, not a stream: an erasure is an act on request, not a record to keep in step.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from app.connectors.base import ConfigField, FieldType
from app.connectors.erasure import ErasureResult, ErasureSubject
from app.connectors.errors import ConnectorError
from app.connectors.klaviyo_consent import (
    ConsentWork,
    ConsentWriter,
    lookup_consent,
    refused_words,
    send_json,
)
from app.connectors.klaviyo_streams import APIS, WriteOptions, build_streams
from app.connectors.rest.connector import RestConnector
from app.connectors.rest.settings import rest_fields
from app.connectors.streams import Stream
from app.formats import klaviyo as kl

BASE_URL = "https://a.klaviyo.com"


def _base_url_default(fields: tuple[ConfigField, ...]) -> tuple[ConfigField, ...]:
    return tuple(
        dataclasses.replace(f, default=BASE_URL) if f.name == "base_url" else f for f in fields
    )


@dataclass(frozen=True)
class ConsentOutcome:
    """What a consent call did for one person: ``done`` (subscribe, unsubscribe, suppress
    or '' when nothing was needed), else ``problem`` (a refusal or Klaviyo's words)."""

    email: str
    phone_number: str
    done: dict[str, str]
    problem: str = ""


class KlaviyoConnector(RestConnector):
    kind = "klaviyo"
    label = "Klaviyo (marketing platform)"
    protocol = "Klaviyo"
    description = (
        "Klaviyo e-mail/SMS marketing: profiles with e-mail and SMS consent kept apart "
        "(never re-subscribing anyone who opted out), lists and list membership, bulk "
        "imports and data-privacy deletion requests."
    )
    system = "Klaviyo"
    default_auth = "api_key"
    fields: ClassVar[tuple[ConfigField, ...]] = (
        *_base_url_default(
            rest_fields(
                system="Klaviyo",
                streams=APIS,
                base_example=BASE_URL,
                auth_modes=("api_key",),
                default_auth="api_key",
                api_key_header="Authorization",
                api_key_scheme="Klaviyo-API-Key",
                page_size=(100, 100),
                rate_limit_per_s=10,
            )
        ),
        ConfigField(
            "revision",
            "API revision",
            default=kl.REVISION,
            advanced=True,
            help="Sent as the revision header on every call (YYYY-MM-DD, optionally "
            f".suffix). {kl.REVISION} is the revision Rooftop Sync was built and tested for.",
        ),
        ConfigField(
            "list_id",
            "List for written profiles",
            help="Optional: a Klaviyo list id (e.g. Y6nRLr). Profiles written by a flow are "
            "added to it (a record's list_member N removes them); new subscriptions are "
            "made through it. Membership never changes consent.",
        ),
        ConfigField(
            "bulk_threshold",
            "Bulk import from (records)",
            FieldType.INTEGER,
            default=100,
            minimum=2,
            maximum=1000,
            advanced=True,
            help="A batch of at least this many profiles goes through one bulk import job "
            "instead of one call per profile.",
        ),
        ConfigField(
            "job_poll_ms",
            "Job poll interval (ms)",
            FieldType.INTEGER,
            default=2000,
            minimum=10,
            maximum=60_000,
            advanced=True,
            help="How often a running bulk import job is asked whether it is done.",
        ),
        ConfigField(
            "job_timeout_s",
            "Job time limit (seconds)",
            FieldType.INTEGER,
            default=900,
            minimum=1,
            maximum=86_400,
            advanced=True,
            help="A bulk import job still running after this long fails the batch (it is "
            "sent again on the next run).",
        ),
        ConfigField(
            "custom_source",
            "Consent source",
            default="Rooftop Sync",
            advanced=True,
            help="Sent with subscriptions as custom_source: where the consent was collected.",
        ),
    )

    @classmethod
    def validate(cls, settings: dict[str, Any], secrets: dict[str, str]) -> dict[str, str]:
        problems = super().validate(settings, secrets)
        revision = str(settings.get("revision") or kl.REVISION).strip()
        if not kl.REVISION_PATTERN.match(revision):
            problems["revision"] = "API revision: a date like 2026-07-15 (optionally .suffix)."
        return problems

    @property
    def revision(self) -> str:
        return str(self.setting("revision") or kl.REVISION).strip()

    def default_headers(self) -> dict[str, str]:
        return {"Accept": kl.MEDIA_TYPE, "revision": self.revision}

    def describe_error(self, response: Any) -> str:
        try:
            body = response.json()
        except ValueError:
            body = None
        message = kl.error_message(body)
        status = f"HTTP {response.status_code}"
        return f"{message} ({status})" if message else status

    def probe(self) -> tuple[str, str, dict[str, Any]]:
        return "profiles", "/api/profiles", {"page[size]": 1}

    def probe_answer(self, response: Any) -> str:
        super().probe_answer(response)
        return f"Connected to Klaviyo (API revision {self.revision}); profiles can be read"

    def options(self) -> WriteOptions:
        return WriteOptions(
            list_id=str(self.setting("list_id") or "").strip(),
            bulk_threshold=int(self.setting("bulk_threshold")),
            poll_s=int(self.setting("job_poll_ms")) / 1000.0,
            job_timeout_s=float(self.setting("job_timeout_s")),
            custom_source=str(self.setting("custom_source") or ""),
        )

    def build_streams(self) -> dict[str, Stream]:
        apis = {name: self.api(name) for name in APIS}
        return dict(build_streams(apis, int(self.setting("page_size")), self.options()))

    # -- consent and privacy, called by the app -------------------------------------
    def _consent(
        self, people: Sequence[tuple[str, str]], desired: dict[str, str]
    ) -> list[ConsentWork]:
        works = []
        for email, phone in people:
            if not (email.strip() or phone.strip()):
                raise ConnectorError("Each person needs an e-mail address or a phone number.")
            works.append(
                ConsentWork(
                    email=email.strip(),
                    phone_number=kl.e164(phone),
                    desired={c: s for c, s in desired.items() if c in kl.CHANNELS},
                )
            )
        return works

    def _run(self, works: list[ConsentWork], *, look_up: bool) -> list[ConsentOutcome]:
        api = self.api("profiles")
        if look_up:
            lookup_consent(api, works)
        else:  # opt-outs: allowed from any state, so nothing to look up
            for w in works:
                w.current = {c: kl.ChannelConsent(kl.SUBSCRIBED) for c in kl.CHANNELS}
        options = self.options()
        ConsentWriter(api, list_id=options.list_id, custom_source=options.custom_source).apply(
            works
        )
        return [
            ConsentOutcome(
                w.email,
                w.phone_number,
                dict(w.done),
                " ".join([*w.refusals, *w.errors, *w.skipped.values()]),
            )
            for w in works
        ]

    def subscribe(
        self, people: Sequence[tuple[str, str]], channels: Sequence[str] = ("email",)
    ) -> list[ConsentOutcome]:
        """Subscribe (e-mail, phone) pairs to ``channels`` — refused, per person and
        channel, where Klaviyo reports an opt-out."""
        works = self._consent(people, dict.fromkeys(channels, kl.SUBSCRIBED))
        return self._run(works, look_up=True)

    def unsubscribe(
        self, people: Sequence[tuple[str, str]], channels: Sequence[str] = ("email",)
    ) -> list[ConsentOutcome]:
        """Unsubscribe (global: from every list) on ``channels``."""
        works = self._consent(people, dict.fromkeys(channels, kl.UNSUBSCRIBED))
        return self._run(works, look_up=False)

    def suppress(self, emails: Sequence[str]) -> list[ConsentOutcome]:
        """Suppress e-mail addresses (no e-mail marketing, whatever their consent)."""
        works = self._consent([(e, "") for e in emails], {"email": kl.SUPPRESSED})
        for w in works:
            w.current = {"email": kl.ChannelConsent(kl.NEVER_SUBSCRIBED)}
        options = self.options()
        ConsentWriter(self.api("profiles"), custom_source=options.custom_source).apply(works)
        return [ConsentOutcome(w.email, "", dict(w.done), " ".join(w.errors)) for w in works]

    def erase_person(self, subject: ErasureSubject) -> ErasureResult:
        """An erasure (``app.connectors.erasure``): one data-privacy deletion job per
        e-mail address, phone number and Klaviyo profile id of the person."""
        asked = [
            *({"email": e} for e in subject.emails),
            *({"phone_number": p} for p in subject.phones),
            *({"profile_id": i} for i in subject.ids),
        ]
        if not asked:
            return ErasureResult("not_found", "no e-mail, phone or profile to ask about")
        done, problems = 0, []
        for identifier in asked:
            try:
                self.request_deletion(**identifier)
                done += 1
            except ConnectorError as exc:
                problems.append(exc.message)
        if problems:
            return ErasureResult(
                "failed",
                f"Klaviyo accepted {done} of {len(asked)} deletion request(s); refused: "
                + "; ".join(sorted(set(problems)))[:300],
            )
        return ErasureResult(
            "requested", f"Klaviyo accepted {done} deletion request(s); it deletes the profiles."
        )

    def request_deletion(
        self, *, email: str = "", phone_number: str = "", profile_id: str = ""
    ) -> str:
        """Ask Klaviyo to delete every profile with this one identifier (GDPR/CCPA
        erasure). Returns a sentence for the person who asked; raises with Klaviyo's
        words when it refuses."""
        try:
            body = kl.deletion_body(
                email=email, phone_number=kl.e164(phone_number), profile_id=profile_id
            )
        except kl.KlaviyoError as exc:
            raise ConnectorError(str(exc)) from None
        api = self.api("data_privacy")
        response = send_json(api, "POST", "/api/data-privacy-deletion-jobs", body)
        if response.status_code >= 300:
            raise ConnectorError(refused_words(api, response, "the deletion request"))
        who = email or phone_number or f"profile {profile_id}"
        return (
            f"Klaviyo accepted the deletion request for {who}; it deletes every matching "
            "profile shortly (see Klaviyo's Deleted Profiles page)."
        )
