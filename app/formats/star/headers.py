"""The STAR request headers: which each operation requires, checking and building them.

Required (``required: true`` in the specs' ``components/parameters``), per operation:

- customer, service_vehicle, vehicle_invoice, credit_authorization: GET (list, by key)
  Transaction-ID, Standards-Version, Country-Code, Locale, Correlation-ID, Org-Version,
  Preference-Applied, Source-System; POST/PUT/PATCH/DELETE the same without
  Preference-Applied.
- inventory_vehicle: the same lists without Source-System.
- appointment: none (the spec declares no STAR headers and no security).

Formats the specs give: Standards-Version and Org-Version ``^[a-zA-Z0-9.-]+$`` (1..20),
Source-System 2..25 characters, Correlation-ID ``format: uuid``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping

from app.formats.star.codec import domain

_VERSION = re.compile(r"^[a-zA-Z0-9.\-]{1,20}$")
READ_METHODS = frozenset({"GET", "HEAD"})


def required_headers(domain_name: str, method: str) -> tuple[str, ...]:
    d = domain(domain_name)
    return d.read_headers if method.upper() in READ_METHODS else d.write_headers


def header_problems(domain_name: str, method: str, headers: Mapping[str, str]) -> list[str]:
    """Readable problems with the required STAR headers of one request ([] = fine)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    problems: list[str] = []
    for name in required_headers(domain_name, method):
        value = (lowered.get(name.lower()) or "").strip()
        if not value:
            problems.append(f"{name} header is required")
        elif name in ("Standards-Version", "Org-Version") and not _VERSION.match(value):
            problems.append(f"{name} header must be 1-20 letters, digits, dots or dashes")
        elif name == "Source-System" and not 2 <= len(value) <= 25:
            problems.append("Source-System header must be 2 to 25 characters")
        elif name == "Correlation-ID":
            try:
                uuid.UUID(value)
            except ValueError:
                problems.append("Correlation-ID header must be a UUID")
    return problems


def star_headers(
    *,
    transaction_id: str,
    correlation_id: str,
    source_system: str = "ROOFTOP_SYNC",
    standards_version: str = "2026.01",
    org_version: str = "2026.01",
    country_code: str = "1",
    locale: str = "en-US",
    preference_applied: str = "return=representation",
) -> dict[str, str]:
    """Every STAR header any of the six specs requires (sending all is harmless)."""
    return {
        "Transaction-ID": transaction_id,
        "Correlation-ID": correlation_id,
        "Standards-Version": standards_version,
        "Org-Version": org_version,
        "Country-Code": country_code,
        "Locale": locale,
        "Preference-Applied": preference_applied,
        "Source-System": source_system,
    }
