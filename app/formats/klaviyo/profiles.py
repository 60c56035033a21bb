"""Profiles: flat rows <-> JSON:API ``profile`` resources.

A row is what a stream reads and a mapping fills, every value text:

- ``profile_id``: Klaviyo's id (the resource ``id``);
- identity: ``external_id`` (Klaviyo's own attribute for an outside system's id; we also
  mirror it into ``properties.rooftop_external_id`` so segments can use it),
  ``email``, ``phone_number`` (E.164: a US/Canada number in another form is normalised;
  one that cannot be read is sent as it is, for Klaviyo to refuse in its own words);
- ``first_name``, ``last_name``, ``organization``, ``title``, ``locale``;
- ``location``: ``address1``, ``address2``, ``city``, ``region``, ``zip``, ``country``,
  ``timezone``;
- ``properties``: the other custom properties as a JSON object (text);
- consent, read only here (``consent``): ``email_consent``, ``email_consent_at``,
  ``email_suppression`` (Klaviyo's reasons, ``;``-separated), ``sms_consent``,
  ``sms_consent_at`` ('' when the answer did not say: read with
  ``additional-fields[profile]=subscriptions``);
- ``created``, ``updated`` (our UTC form; ``updated`` is the read cursor).

Writes (``upsert_body``, ``bulk_import_body``) send the attributes a row carries: a
missing field is left alone by Klaviyo, an empty one is sent as null (cleared) — except
the identifiers ``email``, ``phone_number`` and ``external_id``, which are never cleared
by a blank (Klaviyo finds the profile by them). The spec's upsert bodies have no
subscriptions: consent is written with the subscription jobs (``consent``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from app.domain.normalise import phone_e164
from app.formats.errors import KlaviyoError
from app.formats.klaviyo.common import dig, obj, text, timestamp
from app.formats.klaviyo.consent import channel_consent

EXTERNAL_ID_PROPERTY = "rooftop_external_id"
IDENTIFIERS = ("external_id", "email", "phone_number")
ATTRIBUTES = ("first_name", "last_name", "organization", "title", "locale")
LOCATION = ("address1", "address2", "city", "region", "zip", "country", "timezone")
CONSENT_FIELDS = (
    "email_consent",
    "email_consent_at",
    "email_suppression",
    "sms_consent",
    "sms_consent_at",
)
PROFILE_FIELDS = (
    "profile_id",
    *IDENTIFIERS,
    *ATTRIBUTES,
    *LOCATION,
    "properties",
    *CONSENT_FIELDS,
    "created",
    "updated",
)
# what a profile write takes (consent and list membership are handled beside the upsert)
WRITE_FIELDS = (
    *IDENTIFIERS,
    *ATTRIBUTES,
    *LOCATION,
    "properties",
    "email_consent",
    "email_consent_at",
    "sms_consent",
    "sms_consent_at",
)


def flatten_profile(resource: Any) -> dict[str, str]:
    """A ``profile`` resource as a flat row (every field of ``PROFILE_FIELDS``)."""
    data = obj(resource)
    attrs = obj(data.get("attributes"))
    location = obj(attrs.get("location"))
    props = dict(obj(attrs.get("properties")))
    mirrored = text(props.pop(EXTERNAL_ID_PROPERTY, None))
    row = {
        "profile_id": text(data.get("id")),
        "external_id": text(attrs.get("external_id")) or mirrored,
        "email": text(attrs.get("email")),
        "phone_number": text(attrs.get("phone_number")),
        **{name: text(attrs.get(name)) for name in ATTRIBUTES},
        **{name: text(location.get(name)) for name in LOCATION},
        "properties": text(props) if props else "",
        "created": timestamp(attrs.get("created")),
        "updated": timestamp(attrs.get("updated")),
    }
    subscriptions = attrs.get("subscriptions")
    email, sms = channel_consent(subscriptions, "email"), channel_consent(subscriptions, "sms")
    row.update(
        email_consent=email.state,
        email_consent_at=email.at,
        email_suppression=email.reason,
        sms_consent=sms.state,
        sms_consent_at=sms.at,
    )
    return {name: row[name] for name in PROFILE_FIELDS}


def e164(value: str) -> str:
    """A phone number as E.164 when it can be read as one, else as it was given."""
    raw = value.strip()
    return (phone_e164(raw) or raw) if raw else ""


def profile_attributes(row: Mapping[str, Any]) -> dict[str, Any]:
    """The ``attributes`` of an upsert for the fields ``row`` carries (see module doc)."""
    attrs: dict[str, Any] = {}
    for name in IDENTIFIERS:
        value = text(row.get(name)).strip()
        if value:
            attrs[name] = e164(value) if name == "phone_number" else value
    for name in ATTRIBUTES:
        if name in row:
            attrs[name] = text(row[name]).strip() or None
    location = {n: text(row[n]).strip() or None for n in LOCATION if n in row}
    if location:
        attrs["location"] = location
    properties = _properties(row.get("properties"))
    if attrs.get("external_id"):
        properties = {**(properties or {}), EXTERNAL_ID_PROPERTY: attrs["external_id"]}
    if properties:
        attrs["properties"] = properties
    if not any(attrs.get(n) for n in IDENTIFIERS):
        raise KlaviyoError("A profile needs an e-mail, a phone number or an external id.")
    return attrs


def _properties(value: Any) -> dict[str, Any] | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, Mapping):
        return dict(value)
    try:
        parsed = json.loads(str(value))
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise KlaviyoError('properties: not a JSON object (e.g. {"trade_in": "yes"}).') from None
    return parsed


def upsert_body(row: Mapping[str, Any], profile_id: str = "") -> dict[str, Any]:
    """``POST /api/profile-import`` (``ProfileUpsertQuery``): create or update by id when
    known, else by e-mail / phone / external id."""
    data: dict[str, Any] = {"type": "profile", "attributes": profile_attributes(row)}
    if profile_id:
        data["id"] = profile_id
    return {"data": data}


def bulk_import_body(
    rows: Sequence[Mapping[str, Any]], list_ids: Sequence[str] = ()
) -> dict[str, Any]:
    """``POST /api/profile-bulk-import-jobs`` (``ProfileImportJobCreateQuery``, at most
    10,000 profiles); profile ``i`` of the job is ``rows[i]``."""
    profiles = [{"type": "profile", "attributes": profile_attributes(r)} for r in rows]
    data: dict[str, Any] = {
        "type": "profile-bulk-import-job",
        "attributes": {"profiles": {"data": profiles}},
    }
    if list_ids:
        data["relationships"] = {"lists": {"data": [{"type": "list", "id": i} for i in list_ids]}}
    return {"data": data}


def identity_keys(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """How a profile (a row, or a resource's ``attributes``) is recognised: external id,
    e-mail (case-insensitive), phone (E.164) — in that order of trust."""
    keys = []
    external = text(values.get("external_id")) or text(
        dig(values, "properties", EXTERNAL_ID_PROPERTY)
    )
    if external.strip():
        keys.append(("external_id", external.strip()))
    email = text(values.get("email")).strip().lower()
    if email:
        keys.append(("email", email))
    phone = text(values.get("phone_number"))
    if phone.strip():
        keys.append(("phone_number", e164(phone)))
    return keys
