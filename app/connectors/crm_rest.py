"""Generic REST CRM: a CRM with no dedicated connector here, over a REST API.

Built on the dialect of our simulated CRM — API key or OAuth2, snake_case JSON, cursor
pagination, ``updated_since``, batch upsert on an external id, 429 + ``Retry-After`` —
and the path of each stream, the paging style and its names, the "changed since"
parameter and the JSON key of any field can be set in the profile's advanced settings
(``app.connectors.generic_rest``). Streams: contacts, leads, activities, deal_status,
appointments (see ``crm_rest_streams``); ``merge`` joins duplicate contacts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar
from urllib.parse import quote

from app.connectors import crm_rest_specs as specs
from app.connectors.base import ConfigField
from app.connectors.crm_rest_streams import build_streams
from app.connectors.erasure import ErasureResult, ErasureSubject
from app.connectors.errors import AuthError, ConnectorError
from app.connectors.generic_rest import Dialect, dialect_fields, dialect_problems
from app.connectors.rest.connector import RestConnector
from app.connectors.rest.settings import rest_fields
from app.connectors.rest_helpers import error_text, json_object
from app.connectors.streams import Stream

STREAMS = ("contacts", "leads", "activities", "deal_status", "appointments")


class CrmRestConnector(RestConnector):
    kind = "crm_rest"
    label = "Generic REST CRM"
    protocol = "Generic REST"
    description = (
        "A CRM with no dedicated connector here, over a REST API: contacts, leads, "
        "activities, deals and appointments, with batch upserts on our customer number. "
        "Paths, paging and field names are set in the profile (Advanced settings)."
    )
    system = "CRM"
    default_auth = "api_key"
    token_path = "/oauth/token"
    fields: ClassVar[tuple[ConfigField, ...]] = (
        *rest_fields(
            system="CRM",
            streams=STREAMS,
            base_example="https://api.example-crm.com/v2",
            default_auth="api_key",
            page_size=(200, 500),
            rate_limit_per_s=20,
            max_attempts=8,
        ),
        *dialect_fields(specs.DIALECT, specs.BY_NAME),
    )

    @classmethod
    def validate(cls, settings: dict[str, Any], secrets: dict[str, str]) -> dict[str, str]:
        problems = super().validate(settings, secrets)
        problems.update(dialect_problems(settings, specs.BY_NAME, specs.DIALECT))
        return problems

    @property
    def dialect(self) -> Dialect:
        return Dialect.of(specs.DIALECT, self.setting)

    def probe(self) -> tuple[str, str, dict[str, Any]]:
        dialect = self.dialect
        return "contacts", dialect.path("contacts"), {dialect.page_size_param: 1}

    def probe_answer(self, response: Any) -> str:
        super().probe_answer(response)
        try:
            response.json()
        except ValueError:
            json_object(response)  # says plainly that it is not JSON
        return "Connected to the CRM; contacts can be read"

    def build_streams(self) -> dict[str, Stream]:
        return build_streams(
            {name: self.api(name) for name in STREAMS}, int(self.setting("page_size")), self.dialect
        )

    def erase_person(self, subject: ErasureSubject) -> ErasureResult:
        """An erasure (``app.connectors.erasure``): delete the contact -- the ids linked
        here, and any contact with one of the person's e-mail addresses -- and with it
        the leads, activities and appointments the CRM keeps on it."""
        api = self.api("contacts")
        ids = set(subject.ids)
        try:
            for email in subject.emails:
                response = api.request("GET", "/contacts", params={"email": email, "limit": 10})
                if response.status_code == 200:
                    ids |= {str(c["contact_id"]) for c in json_object(response).get("data", [])}
        except ConnectorError as exc:
            return ErasureResult("failed", f"The CRM could not be searched: {exc.message}")
        deleted, gone, refused = 0, 0, []
        for contact_id in sorted(ids):
            try:
                response = api.request("DELETE", f"/contacts/{quote(contact_id, safe='')}")
            except ConnectorError as exc:
                refused.append((contact_id, exc.message))
                continue
            if response.status_code in (200, 202, 204):
                deleted += 1
            elif response.status_code in (404, 410):
                gone += 1
            else:
                refused.append((contact_id, f"HTTP {response.status_code}: {error_text(response)}"))
        if refused:
            return ErasureResult(
                "failed",
                f"The CRM deleted {deleted} contact(s) and refused {len(refused)} "
                f"({refused[0][1][:200]}); delete those by hand in the CRM.",
                manual=tuple(i for i, _r in refused),
            )
        if not deleted:
            return ErasureResult("not_found", "The CRM has no contact of theirs.")
        return ErasureResult(
            "deleted",
            f"The CRM deleted {deleted} contact(s) with their leads, activities and "
            "appointments" + (f" ({gone} already gone)." if gone else "."),
        )

    def merge(self, winner_id: str, loser_ids: Sequence[str]) -> dict[str, Any]:
        """Merge duplicate CRM contacts into ``winner_id``; returns the winner as stored.

        Leads, activities, deals and appointments of the losers move to the winner and
        the losers' ids and external ids keep resolving to it. Raises ``ConnectorError``
        with the CRM's reason when it refuses (unknown id, winner among the losers...).
        ``POST <contacts path>/merge`` with ``winnerId``/``loserIds`` is the simulated
        CRM's call.
        """
        body = {"winnerId": winner_id, "loserIds": list(loser_ids)}
        path = self.dialect.path("contacts") + "/merge"
        response = self.api("contacts").request("POST", path, json=body)
        if response.status_code in (401, 403):
            raise AuthError(f"The CRM refused the merge: {error_text(response)}.")
        if response.status_code >= 300:
            raise ConnectorError(f"The CRM refused the merge: {error_text(response)}.")
        return json_object(response)
