"""Klaviyo's API (JSON:API, revision 2026-07-15): a pure codec, no I/O.

Specs followed (OpenAPI 3.0.2, as copied into ``tests/contracts/specs/klaviyo``):
``profiles.json`` (profiles, profile-import, bulk import / subscription / suppression
jobs), ``lists.json`` (lists, membership), ``data_privacy.json`` (deletion requests).
Every body is JSON:API (``application/vnd.api+json``): ``{"data": {"type", "id",
"attributes", "relationships"}}``; lists are ``{"data": [...], "links": {"self",
"next", "prev"}}`` paged with ``page[size]`` and an opaque ``page[cursor]`` carried in
``links.next``. Every call carries ``revision`` (required, "YYYY-MM-DD[.suffix]",
default 2026-07-15) and ``Authorization: Klaviyo-API-Key <key>``.

Modules: ``profiles`` (rows <-> profile resources, upsert and bulk import bodies),
``consent`` (per-channel consent, Y/N opt-ins, the never-re-subscribe decision, the
subscription and suppression job bodies), ``lists``, ``jobs`` (job state, import errors,
deletion requests), ``filters`` (the ``filter`` parameter), ``errors`` (error bodies).

What the specs leave open, and what we chose:

- ``consent`` is a free string (example SUBSCRIBED); Klaviyo's documented values are
  SUBSCRIBED, UNSUBSCRIBED, NEVER_SUBSCRIBED. An unknown value is kept (lower case) and
  never subscribed over.
- ``updated`` is filterable with ``greater-than`` only (no ``greater-or-equal``), to the
  second: reads ask from one second before the cursor.
- ``subscriptions`` is not part of the upsert or bulk-import bodies; consent is written
  with the subscription (create / delete) and suppression jobs, which answer 202 with no
  body (subscription) or a job (suppression). The subscribe job lifts UNSUBSCRIBE and
  USER_SUPPRESSED suppressions, so the decision not to re-subscribe is ours.
- Bulk import errors say which profile they are about in ``source.pointer``
  (``/data/attributes/profiles/data/<n>/…``) and ``original_payload``; we read both.
"""

from app.formats.errors import KlaviyoError
from app.formats.klaviyo.common import MEDIA_TYPE, REVISION, REVISION_PATTERN, timestamp
from app.formats.klaviyo.consent import (
    CHANNELS,
    NEVER_SUBSCRIBED,
    STATES,
    SUBSCRIBED,
    SUPPRESSED,
    UNSUBSCRIBED,
    Action,
    ChannelConsent,
    ConsentTarget,
    Decision,
    channel_consent,
    consent_for,
    consent_step,
    decide,
    opt_in,
    opt_in_step,
    opt_out_step,
    subscribe_job_body,
    suppress_job_body,
    unsubscribe_job_body,
    wanted,
)
from app.formats.klaviyo.errors import error_body, error_code, error_message
from app.formats.klaviyo.filters import Condition, any_of, changed_since, equals, parse_filter
from app.formats.klaviyo.jobs import (
    ImportProblem,
    JobState,
    deletion_body,
    import_problems,
    job_state,
)
from app.formats.klaviyo.lists import LIST_FIELDS, flatten_list, list_body, members_body
from app.formats.klaviyo.profiles import (
    EXTERNAL_ID_PROPERTY,
    PROFILE_FIELDS,
    WRITE_FIELDS,
    bulk_import_body,
    e164,
    flatten_profile,
    identity_keys,
    profile_attributes,
    upsert_body,
)

__all__ = [
    "CHANNELS",
    "EXTERNAL_ID_PROPERTY",
    "LIST_FIELDS",
    "MEDIA_TYPE",
    "NEVER_SUBSCRIBED",
    "PROFILE_FIELDS",
    "REVISION",
    "REVISION_PATTERN",
    "STATES",
    "SUBSCRIBED",
    "SUPPRESSED",
    "UNSUBSCRIBED",
    "WRITE_FIELDS",
    "Action",
    "ChannelConsent",
    "Condition",
    "ConsentTarget",
    "Decision",
    "ImportProblem",
    "JobState",
    "KlaviyoError",
    "any_of",
    "bulk_import_body",
    "changed_since",
    "channel_consent",
    "consent_for",
    "consent_step",
    "decide",
    "deletion_body",
    "e164",
    "equals",
    "error_body",
    "error_code",
    "error_message",
    "flatten_list",
    "flatten_profile",
    "identity_keys",
    "import_problems",
    "job_state",
    "list_body",
    "members_body",
    "opt_in",
    "opt_in_step",
    "opt_out_step",
    "parse_filter",
    "profile_attributes",
    "subscribe_job_body",
    "suppress_job_body",
    "timestamp",
    "unsubscribe_job_body",
    "upsert_body",
    "wanted",
]
