"""Survivorship: which value of each field the golden record keeps, and why.

Rules, per field group:
- address (street, city, state, zip) moves as one block: DMS first (it holds the
  registration and ownership address), then CRM, then the rest; most recent breaks ties;
- lead fields (lead_status, lead_source, salesperson): CRM first;
- consent (email_opt_out, sms_opt_out): an opt-out anywhere wins — a withdrawal of
  consent is never undone by a merge;
- everything else: the most recently updated non-empty value, the most complete on ties.
An admin can override any field by picking the record to take it from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.domain.normalise import title_case
from app.matching import roles
from app.matching.address import standardise_one

GOLDEN_FIELDS: tuple[str, ...] = (
    "first_name", "last_name", "company", "email", "phone", "mobile", "street", "city",
    "state", "zip", "dob", "email_opt_out", "sms_opt_out", "lead_status", "lead_source",
    "salesperson",
)  # fmt: skip
FIELD_LABELS = {
    "first_name": "First name", "last_name": "Last name", "company": "Company",
    "email": "E-mail", "phone": "Phone", "mobile": "Mobile", "street": "Street",
    "city": "City", "state": "State", "zip": "ZIP", "dob": "Birth date",
    "email_opt_out": "E-mail opt-out", "sms_opt_out": "SMS opt-out",
    "lead_status": "Lead status", "lead_source": "Lead source", "salesperson": "Salesperson",
}  # fmt: skip
ADDRESS = ("street", "city", "state", "zip")
LEAD = ("lead_status", "lead_source", "salesperson")
CONSENT = ("email_opt_out", "sms_opt_out")
PRIORITY_ADDRESS = {"dms": 0, "crm": 1}
PRIORITY_LEAD = {"crm": 0, "dms": 1}
_TRUE = {"true", "y", "yes", "1", "unsubscribed", "opted out", "opt-out", "out"}
_FALSE_IN = {"n", "no", "false", "0"}


@dataclass(frozen=True)
class SourceRecord:
    """One source record in canonical fields (see ``canonical``)."""

    key: str  # stable id of the record (e.g. the store row id)
    system_kind: str  # dms | crm | marketing | file
    system_label: str
    external_id: str
    fields: Mapping[str, str]
    updated_at: str = ""


@dataclass(frozen=True)
class Choice:
    value: str
    source: str  # SourceRecord.key, '' when no record has a value
    rule: str  # plain words: "DMS wins the address", "opt-out always wins", ...


@dataclass
class Golden:
    fields: dict[str, Choice] = field(default_factory=dict)

    def values(self) -> dict[str, str]:
        return {k: c.value for k, c in self.fields.items()}

    def sources(self) -> dict[str, str]:
        return {k: c.source for k, c in self.fields.items()}


def _opt_out(payload: Mapping[str, Any], channel: str) -> str:
    """'true' when any column says this channel is opted out, 'false' if one says it is
    not, '' when unknown."""
    seen = ""
    for key, raw in payload.items():
        k, v = roles.header_key(key), str(raw if raw is not None else "").strip().lower()
        if channel not in k or not v:
            continue
        if "optout" in k or "unsub" in k:
            out = v in _TRUE
        elif "optin" in k:
            out = v in _FALSE_IN
        elif "consent" in k:
            out = v in _TRUE or v in _FALSE_IN
        else:
            continue
        if out:
            return "true"
        seen = "false"
    return seen


def canonical(payload: Mapping[str, Any]) -> dict[str, str]:
    """Canonical golden fields of any person record, found by column name."""
    cols = [str(c) for c in payload]
    found = roles.recognise(cols)
    text = lambda c: str(payload.get(c) if payload.get(c) is not None else "").strip()  # noqa: E731
    out: dict[str, str] = {}
    for role in ("first_name", "last_name", "company", "email", "city", "state", "zip", "dob"):
        out[role] = " ".join(t for t in (text(c) for c in found.get(role, [])) if t)
    out["street"] = ", ".join(t for t in (text(c) for c in found.get("street", [])) if t)
    mobile_cols = [
        c for c in found.get("phone", []) if any(w in c.lower() for w in ("mobile", "cell"))
    ]
    other_cols = [c for c in found.get("phone", []) if c not in mobile_cols]
    out["mobile"] = next((text(c) for c in mobile_cols if text(c)), "")
    out["phone"] = next((text(c) for c in other_cols if text(c)), "")
    if not out["first_name"] and not out["last_name"] and found.get("full_name"):
        out["last_name"] = text(found["full_name"][0])
    out["email_opt_out"] = _opt_out(payload, "email")
    out["sms_opt_out"] = _opt_out(payload, "sms")
    for f in LEAD:
        out[f] = text(f) if f in payload else ""
    return out


def _recent_first(records: Sequence[SourceRecord]) -> list[SourceRecord]:
    return sorted(records, key=lambda r: r.updated_at or "", reverse=True)


def _pick(records: Sequence[SourceRecord], name: str, priority: Mapping[str, int] | None) -> Choice:
    with_value = [r for r in records if r.fields.get(name, "").strip()]
    if not with_value:
        return Choice("", "", "no record has a value")
    ordered = _recent_first(with_value)
    if priority is not None:
        ordered.sort(key=lambda r: priority.get(r.system_kind, 9))
        best = ordered[0]
        who = best.system_kind.upper() if best.system_kind in priority else "most recent"
        return Choice(best.fields[name].strip(), best.key, f"{who} wins this field")
    # most recent; among equally recent, the most complete value
    top = ordered[0].updated_at
    tied = [r for r in ordered if r.updated_at == top]
    best = max(tied, key=lambda r: len(r.fields[name].strip()))
    return Choice(best.fields[name].strip(), best.key, "most recent value")


def _tidy(golden: Golden) -> None:
    """Surviving values in a clean standard form: 'JANET' -> 'Janet', e-mail lower case,
    an all-capitals or all-lower-case street in USPS form (usaddress-scourgify); a street
    in mixed case stays as stored. The admin's own picks stay as typed."""
    for f, fn in (("first_name", title_case), ("last_name", title_case), ("city", _city)):
        c = golden.fields.get(f)
        if c and c.value and (c.value.isupper() or c.value.islower()):
            golden.fields[f] = Choice(fn(c.value), c.source, c.rule)
    c = golden.fields.get("email")
    if c and c.value:
        golden.fields["email"] = Choice(c.value.strip().lower(), c.source, c.rule)
    c = golden.fields.get("state")
    if c and c.value:
        golden.fields["state"] = Choice(c.value.strip().upper(), c.source, c.rule)
    c = golden.fields.get("street")
    if c and c.value and (c.value.isupper() or c.value.islower()):
        # a street typed in mixed case ("1093 Spring Dr") is kept as stored, not re-cased
        std = standardise_one(
            c.value,
            golden.fields["city"].value,
            golden.fields["state"].value,
            golden.fields["zip"].value,
        )
        golden.fields["street"] = Choice(std or c.value, c.source, c.rule)


def _city(value: str) -> str:
    return " ".join(w.capitalize() for w in value.split())


def propose(records: Sequence[SourceRecord], overrides: Mapping[str, str] | None = None) -> Golden:
    """The golden record for ``records``; ``overrides`` maps field -> SourceRecord.key
    chosen by the admin (an opt-out still wins over an override that would drop it)."""
    golden = Golden()
    # Address block: the winning record gives all four parts.
    addr = [r for r in records if any(r.fields.get(f, "").strip() for f in ADDRESS)]
    addr = sorted(_recent_first(addr), key=lambda r: PRIORITY_ADDRESS.get(r.system_kind, 9))
    for f in ADDRESS:
        if addr:
            best = addr[0]
            label = (
                best.system_kind.upper() if best.system_kind in PRIORITY_ADDRESS else "most recent"
            )
            golden.fields[f] = Choice(
                best.fields.get(f, "").strip(), best.key, f"{label} wins the address"
            )
        else:
            golden.fields[f] = Choice("", "", "no record has an address")
    for f in LEAD:
        golden.fields[f] = _pick(records, f, PRIORITY_LEAD)
    for f in CONSENT:
        outs = [r for r in records if r.fields.get(f) == "true"]
        if outs:
            golden.fields[f] = Choice("true", outs[0].key, "opt-out always wins")
        else:
            golden.fields[f] = _pick(records, f, None)
    for f in GOLDEN_FIELDS:
        if f not in golden.fields:
            golden.fields[f] = _pick(records, f, None)
    _tidy(golden)
    by_key = {r.key: r for r in records}
    for f, key in (overrides or {}).items():
        rec = by_key.get(key)
        if rec is None or f not in golden.fields:
            continue
        if f in CONSENT and golden.fields[f].value == "true" and rec.fields.get(f) != "true":
            continue  # never resurrect a withdrawn consent
        golden.fields[f] = Choice(rec.fields.get(f, "").strip(), key, "chosen by the admin")
    return golden
