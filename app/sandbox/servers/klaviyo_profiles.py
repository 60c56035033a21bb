"""A Klaviyo profile over a marketing contact: the attributes Klaviyo refuses, how
attributes split into the contact's columns and the Klaviyo-only values kept beside it,
and the profile resource as Klaviyo answers it (with its subscriptions).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.formats import klaviyo as kl
from app.sandbox.servers import validation as v
from app.sandbox.servers.dataset import Record
from app.sandbox.servers.klaviyo_wire import klaviyo_ts

EXTRA_ATTRIBUTES = ("organization", "title", "locale")
EXTRA_LOCATION = ("address1", "address2", "city", "region", "country", "timezone")
INVALID_PHONE = "Invalid phone number format (Example of a valid phone number format: +12345678901)"


def attribute_problems(attrs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, Klaviyo's words) for what Klaviyo refuses in a profile's attributes."""
    out = []
    email = attrs.get("email")
    if email is not None and (not isinstance(email, str) or v.email(email.strip())):
        out.append(("email", "Invalid email address"))
    phone = attrs.get("phone_number")
    if phone is not None and (not isinstance(phone, str) or not _e164(phone)):
        out.append(("phone_number", INVALID_PHONE))
    if not any(isinstance(attrs.get(k), str) and attrs[k].strip() for k in kl.profiles.IDENTIFIERS):
        out.append(("", "One of email, phone_number or external_id is required."))
    return out


def _e164(value: str) -> bool:
    digits = value[1:]
    return value.startswith("+") and digits.isdigit() and 8 <= len(value) <= 16


def split_attributes(attrs: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """Attributes into the contact's columns and the Klaviyo-only values."""
    base: dict[str, str] = {}
    for name, column in (
        ("email", "email"),
        ("phone_number", "phone"),
        ("external_id", "external_id"),
        ("first_name", "first_name"),
        ("last_name", "last_name"),
    ):
        if name in attrs:
            base[column] = str(attrs[name] or "").strip()
    extra: dict[str, Any] = {k: attrs[k] for k in EXTRA_ATTRIBUTES if k in attrs}
    location = attrs.get("location")
    if isinstance(location, Mapping):
        extra.update({k: location[k] for k in EXTRA_LOCATION if k in location})
        if "zip" in location:
            base["zip"] = str(location["zip"] or "")
    return base, extra


def profile_resource(
    row: Record, extra: Mapping[str, Any], root: str, subscriptions: bool
) -> dict[str, Any]:
    """A profile resource as Klaviyo answers it, from its contact row and Klaviyo-only
    values."""
    pid = row["subscriber_id"]
    attrs: dict[str, Any] = {
        "email": row["email"] or None,
        "phone_number": row["phone"] or None,
        "external_id": row["external_id"] or None,
        "first_name": row["first_name"] or None,
        "last_name": row["last_name"] or None,
        **{k: extra.get(k) for k in EXTRA_ATTRIBUTES},
        "image": None,
        "created": klaviyo_ts(extra["created"]),
        "updated": klaviyo_ts(row["updated_at"]),
        "last_event_date": None,
        "location": {
            **{k: extra.get(k) for k in EXTRA_LOCATION},
            "zip": row["zip"] or None,
            "latitude": None,
            "longitude": None,
            "ip": None,
        },
        "properties": dict(extra["properties"]),
    }
    if subscriptions:
        attrs["subscriptions"] = _subscriptions(row, extra)
    return {
        "type": "profile",
        "id": pid,
        "attributes": attrs,
        "relationships": {"lists": {"links": _links(root, pid)}},
        "links": {"self": f"{root}/api/profiles/{pid}/"},
    }


def _links(root: str, pid: str) -> dict[str, str]:
    return {
        "self": f"{root}/api/profiles/{pid}/relationships/lists/",
        "related": f"{root}/api/profiles/{pid}/lists/",
    }


def _subscriptions(row: Record, extra: Mapping[str, Any]) -> dict[str, Any]:
    email_state = {"subscribed": "SUBSCRIBED", "unsubscribed": "UNSUBSCRIBED"}.get(
        row["email_consent"], "NEVER_SUBSCRIBED"
    )
    sms_state = {"subscribed": "SUBSCRIBED", "unsubscribed": "UNSUBSCRIBED"}.get(
        row["sms_consent"], "NEVER_SUBSCRIBED"
    )
    suppression = [
        {"reason": s["reason"], "timestamp": klaviyo_ts(s["timestamp"])}
        for s in extra["suppression"]
    ]
    email_at = (
        klaviyo_ts(extra.get("email_at") or row["updated_at"]) if row["email_consent"] else None
    )
    sms_at = klaviyo_ts(extra.get("sms_at") or row["updated_at"]) if row["sms_consent"] else None
    return {
        "email": {
            "marketing": {
                "can_receive_email_marketing": email_state == "SUBSCRIBED" and not suppression,
                "consent": email_state,
                "consent_timestamp": email_at,
                "last_updated": email_at,
                "method": extra.get("email_method"),
                "method_detail": "",
                "custom_method_detail": extra.get("email_source"),
                "double_optin": None,
                "suppression": suppression,
                "list_suppressions": [],
            }
        },
        "sms": {
            "marketing": {
                "can_receive_sms_marketing": sms_state == "SUBSCRIBED",
                "consent": sms_state,
                "consent_timestamp": sms_at,
                "method": extra.get("sms_method"),
                "method_detail": "",
                "last_updated": sms_at,
            }
        },
    }
