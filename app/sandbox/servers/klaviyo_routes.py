"""The simulated marketing platform speaking Klaviyo's API (revision 2026-07-15) over the
same contacts and lists (``klaviyo_store``), under ``/api``:

- ``GET /api/profiles`` (``filter``: equals/any on id, email, phone_number, external_id;
  greater-than/less-than on updated, created; ``sort`` id/updated/created/email, ``-`` for
  descending; ``page[size]`` 1..100, default 20; ``page[cursor]`` from ``links.next``;
  ``additional-fields[profile]=subscriptions``), ``GET /api/profiles/{id}``;
- ``POST /api/profile-import`` (201 created, 200 updated; 400 for an invalid e-mail or a
  phone not in E.164, 409 ``duplicate_profile`` when the identifiers name two people);
- ``POST /api/profile-bulk-import-jobs`` (202, at most 10,000 profiles; each profile is
  imported or gets an import error in Klaviyo's words, pointing at it), ``GET
  …/{job_id}`` (``processing`` for a moment, then ``complete`` with counts), ``GET
  …/{id}/import-errors``, ``GET …/{id}/profiles`` (paged);
- ``POST /api/profile-subscription-bulk-create-jobs`` (≤ 1000) and ``…-delete-jobs``
  (≤ 100): 202, no body; ``POST /api/profile-suppression-bulk-create-jobs`` (≤ 100
  e-mails): 202 with a job, ``GET …/{job_id}``;
- ``GET|POST /api/lists`` (page size ≤ 10), ``GET /api/lists/{id}``, ``GET
  /api/lists/{id}/profiles``, ``POST|DELETE /api/lists/{id}/relationships/profiles``
  (≤ 1000; 204; membership never changes consent);
- ``POST /api/data-privacy-deletion-jobs`` (one identifier; 202; the matching profiles
  are deleted at once, logged in ``/_sandbox/export/klaviyo_deletions``).

Every call needs ``Authorization: Klaviyo-API-Key <klaviyo_api_key>`` (401 otherwise) and
a ``revision`` header (400 when missing or not YYYY-MM-DD[.suffix]); bodies are
``application/vnd.api+json`` (or ``application/json``). Errors, 429s and injected faults
answer Klaviyo's ``{"errors": [...]}``; the marketing server's per-key token bucket
stands in for Klaviyo's burst/steady limits (429 with ``Retry-After``).
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.routing import BaseRoute

from app.sandbox.servers.klaviyo_consent_routes import KlaviyoConsentRoutes
from app.sandbox.servers.klaviyo_list_routes import KlaviyoListRoutes
from app.sandbox.servers.klaviyo_profile_routes import KlaviyoProfileRoutes
from app.sandbox.servers.klaviyo_store import KlaviyoStore


class KlaviyoRoutes:
    """Every Klaviyo route over one store: profiles (and their import and deletion),
    consent jobs, lists."""

    def __init__(self, store: KlaviyoStore, credentials: Mapping[str, str]) -> None:
        self.store = store
        self.credentials = credentials

    def routes(self) -> list[BaseRoute]:
        groups = (KlaviyoProfileRoutes, KlaviyoConsentRoutes, KlaviyoListRoutes)
        return [r for group in groups for r in group(self.store, self.credentials).routes()]
