"""A DMS over the STAR standard's REST APIs (starstandard.org, OpenAPI 3): customers,
inventory and service vehicles, appointments, vehicle invoices (deals) and credit
authorizations. The records' shapes, envelopes, filters and error bodies are the codec
``app.formats.star``; this module is the transport: the STAR headers on every call, the
incremental ``filter=sdate:…`` read (date-granular: the cursor's whole day is read again
and skip-unchanged drops the repeats), limit/offset paging (appointments: a cursor), and
the writes — create under our key (never sent twice blindly: after an unclear answer the
record is looked up by that key first) and update with a merge patch."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from app.connectors.base import ConfigField
from app.connectors.rest.connector import RestConnector
from app.connectors.rest.settings import rest_fields
from app.connectors.star_streams import STREAMS, build_streams
from app.connectors.streams import Stream
from app.formats.star import domains
from app.formats.star.errors import error_message
from app.formats.star.headers import star_headers


class StarRestConnector(RestConnector):
    kind = "star_rest"
    label = "DMS (STAR REST standard)"
    protocol = "STAR REST"
    description = (
        "A dealer management system speaking the STAR standard's REST APIs: customers, "
        "inventory and service vehicles, appointments, deals (vehicle invoices) and credit "
        "applications, with the STAR headers on every call."
    )
    system = "DMS"
    default_auth = "oauth2"
    token_path = "/oauth2/token"
    api_paths: ClassVar[dict[str, str]] = dict.fromkeys(STREAMS, domains.BASE_PATH)
    fields: ClassVar[tuple[ConfigField, ...]] = (
        *rest_fields(
            system="DMS",
            streams=STREAMS,
            base_example="https://api.starstandard.org",
            api_key_header="X-API-KEY",
            page_size=(100, 100),
            rate_limit_per_s=10,
        ),
        ConfigField(
            "source_system",
            "Source system",
            advanced=True,
            default="ROOFTOP_SYNC",
            help="Sent as Source-System: who is calling (2 to 25 characters).",
        ),
        ConfigField(
            "standards_version",
            "STAR standards version",
            advanced=True,
            default="2026.01",
            help="Sent as Standards-Version, e.g. 2026.01.",
        ),
        ConfigField(
            "org_version",
            "Organisation API version",
            advanced=True,
            default="2026.01",
            help="Sent as Org-Version: the vendor's API version, e.g. 2026.01.",
        ),
        ConfigField(
            "country_code", "Country code", default="1", advanced=True, help="Sent as Country-Code."
        ),
        ConfigField(
            "locale", "Locale", default="en-US", advanced=True, help="Sent as Locale, e.g. en-US."
        ),
    )

    @classmethod
    def validate(cls, settings: dict[str, Any], secrets: dict[str, str]) -> dict[str, str]:
        problems = super().validate(settings, secrets)
        source = str(settings.get("source_system") or "ROOFTOP_SYNC")
        if not 2 <= len(source) <= 25:
            problems["source_system"] = "Source system must be 2 to 25 characters."
        for name in ("standards_version", "org_version"):
            value = str(settings.get(name) or "2026.01")
            if not value.replace(".", "").replace("-", "").isalnum() or len(value) > 20:
                problems[name] = f"{cls.field(name).label}: letters, digits, dots, dashes."
        return problems

    def call_headers(self) -> dict[str, str]:
        """A fresh Transaction-ID and Correlation-ID on every call."""
        return star_headers(
            transaction_id=str(uuid.uuid4()),
            correlation_id=str(uuid.uuid4()),
            source_system=str(self.setting("source_system") or "ROOFTOP_SYNC"),
            standards_version=str(self.setting("standards_version") or "2026.01"),
            org_version=str(self.setting("org_version") or "2026.01"),
            country_code=str(self.setting("country_code") or "1"),
            locale=str(self.setting("locale") or "en-US"),
        )

    def describe_error(self, response: Any) -> str:
        try:
            body = response.json()
        except ValueError:
            body = None
        message = error_message(body) if body is not None else ""
        status = f"HTTP {response.status_code}"
        return f"{message} ({status})" if message else status

    def probe(self) -> tuple[str, str, dict[str, Any]]:
        return "customers", "/customers", {"limit": 1}

    def probe_answer(self, response: Any) -> str:
        super().probe_answer(response)
        try:
            total = response.json().get("total_count")
        except (ValueError, AttributeError):
            total = None
        if isinstance(total, int):
            return f"Connected to the DMS (STAR REST); {total:,} customers"
        return "Connected to the DMS (STAR REST); customers can be read"

    def build_streams(self) -> dict[str, Stream]:
        return build_streams(
            {name: self.api(name) for name in STREAMS}, int(self.setting("page_size"))
        )
