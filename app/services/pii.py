"""Customer personal data in the sync log: masked by default, revealed only in admin mode,
and every reveal written to the audit log."""

from __future__ import annotations

import re
from typing import Any

from app.services import audit
from app.store import Store

MASK = "•••"
# Field-name words that carry personal data: names, e-mail, phones, postal address.
_PII_WORDS = (
    "name",
    "email",
    "e_mail",
    "phone",
    "mobile",
    "cell",
    "fax",
    "street",
    "address",
    "addr",
    "city",
    "zip",
    "postal",
    "postcode",
    "birth",
    "dob",
    "ssn",
    "license",
    "licence",
)
_NOT_PII = {"company_name", "dealership_name", "store_name", "flow_name", "username", "filename"}
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(\.[\w-]+)*")
_PHONE = re.compile(r"(?<![\w-])(?!\d{4}-\d{2}-\d{2})\+?\d[\d\s().-]{6,}\d")


# Consent flags and the like name a personal field but hold no personal data
# ("opt_in_email": "Y" was shown "Y•••" beside "email_opt_out": false).
_FLAG_WORDS = ("opt_in", "opt_out", "optin", "optout", "consent", "subscribed", "do_not",
               "verified", "valid")  # fmt: skip
_FLAG_VALUES = {"y", "n", "yes", "no", "true", "false", "t", "f", "0", "1", "none", "null"}


def is_personal(field: str) -> bool:
    f = field.lower()
    if f in _NOT_PII or f.endswith(("_id", "_number", "_at")):
        return False
    if any(word in f for word in _FLAG_WORDS) or f.startswith(("is_", "has_")):
        return False
    return any(word in f for word in _PII_WORDS)


def mask_value(field: str, value: Any) -> Any:
    """'William' -> 'W•••', '+13136128076' -> '•••76', 'a@b.com' -> 'a•••@b.com'. Yes/no
    values ('Y', 'false', True) are not personal and are never masked, whatever the field."""
    if value is None or value == "" or isinstance(value, bool):
        return value
    text = str(value)
    if text.strip().lower() in _FLAG_VALUES:
        return value
    f = field.lower()
    if "email" in f and "@" in text:
        local, _, domain = text.partition("@")
        return f"{local[:1]}{MASK}@{domain}"
    if any(w in f for w in ("phone", "mobile", "cell", "fax")):
        digits = re.sub(r"\D", "", text)
        return f"{MASK}{digits[-2:]}" if digits else MASK
    return f"{text[:1]}{MASK}"


def mask_payload(payload: dict[str, Any] | None) -> dict[str, Any] | None:
    """A copy of ``payload`` with personal fields masked (nested dicts and lists too)."""
    if payload is None:
        return None
    out: dict[str, Any] = {}
    for key, value in payload.items():
        if isinstance(value, dict):
            out[key] = mask_payload(value)
        elif isinstance(value, list):
            out[key] = [mask_payload(v) if isinstance(v, dict) else v for v in value]
        elif is_personal(str(key)):
            out[key] = mask_value(str(key), value)
        else:
            out[key] = value
    return out


def mask_text(text: str | None) -> str | None:
    """E-mail addresses and phone numbers inside free text (error messages) masked."""
    if not text:
        return text
    text = _EMAIL.sub(lambda m: f"{m.group(0)[:1]}{MASK}@{m.group(0).split('@', 1)[1]}", text)
    return _PHONE.sub(lambda m: f"{MASK}{re.sub(r'[^0-9]', '', m.group(0))[-2:]}", text)


def mask_name(name: str) -> str:
    """'William Collins' -> 'W••• C•••'."""
    return " ".join(f"{w[:1]}{MASK}" for w in name.split()) if name else name


def record_reveal(
    store: Store,
    *,
    entity: str = "sync log",
    record_key: str = "events list",
    what: str = "names and contact details in the record events list",
) -> None:
    """Write to the audit log that personal data of a record was shown unmasked."""
    with store.session() as s:
        audit.record(
            s,
            "reveal_personal_data",
            "record",
            object_id=record_key,
            object_name=f"{entity} {record_key}",
            extra={"shown": what},
        )
