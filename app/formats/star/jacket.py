"""A digital-retailing *deal jacket*: the deal a shopper built online, as the STAR shapes
carry it. One webhook body (or one item of a poll answer) is::

    {"event_id": "evt-…", "event_type": "deal.created" | "deal.updated",
     "sent_at": "2026-05-01T14:03:00Z",
     "vehicle_invoice": {… a STAR VehicleInvoice (vehicle_invoice.yaml) …},
     "credit_authorization": {… a STAR CreditAuthorization (credit_authorization.yaml) …}}

The invoice is the deal (``vehicle_invoice_key`` is the tool's deal id, the customer party
is the shopper, the structure and trade-in as ``invoice_domains.VEHICLE_INVOICES`` reads them);
the credit authorization, when the shopper applied, carries the application's status and
the lender's decision reference (``auth_number``).

Pure: ``strip_sensitive`` takes out what must never be stored (social security and tax
numbers, credit reports), ``parse_jacket`` checks the shape and says which version it is
(``Jacket.order``: the invoice's ``vehicle_invoice_version``, then its
``process_date_time``), and the ``*_row`` functions flatten a jacket into the rows the
connector's streams give.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.formats.errors import StarError
from app.formats.star import paths
from app.formats.star.codec import _parse_moment, flatten, format_timestamp

# Keys whose value is never kept, whatever it holds (compared lower-case, without _ - .).
_SENSITIVE_KEYS = frozenset(
    k.replace("_", "")
    for k in (
        "ssn", "ssn_last4", "social_security", "social_security_number", "socialsecurityno",
        "tax_id", "tax_id_number", "taxpayer_id", "tin", "itin", "national_id",
        "credit_report", "full_credit_report", "credit_bureau_report", "bureau_report",
        "credit_file", "tradelines", "trade_lines", "credit_score", "fico_score",
        "bureau_response", "credit_bureau_response", "raw_credit_report",
    )
)  # fmt: skip
_SENSITIVE_WORDS = ("ssn", "socialsecurity", "creditreport", "creditbureau", "tradeline", "taxid")
# Objects that say they hold one of these (STAR's PrivacyTypes, an identifier's type)
_SENSITIVE_TYPES = frozenset(
    {
        "SOCIAL_SECURITY_NUMBER", "SSN", "TAX_ID_NUMBER", "TIN", "ITIN", "NATIONAL_ID",
        "UNION_GOVERNMENT_ID", "CREDIT_REPORT", "CREDIT_BUREAU_REPORT", "CREDIT_SCORE",
    }
)  # fmt: skip
_TYPE_KEYS = ("identifier_type", "privacy_type", "privacy_types", "document_type", "type")
# 123-45-6789, 123 45 6789: how a social security number is written
SSN_SHAPE = re.compile(r"(?<![\d-])\d{3}([- ])\d{2}\1\d{4}(?![\d-])")
# no field a deal carries is this long; a credit report pasted into one would be
MAX_TEXT = 2000


def _norm_key(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def _sensitive_key(key: str) -> bool:
    norm = _norm_key(key)
    return norm in _SENSITIVE_KEYS or any(word in norm for word in _SENSITIVE_WORDS)


def _declares_sensitive(obj: Mapping[str, Any]) -> str:
    """The sensitive type an object says it holds ('' when none)."""
    for key in _TYPE_KEYS:
        value = obj.get(key)
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, str) and v.strip().upper() in _SENSITIVE_TYPES:
                return v.strip().upper()
    return ""


def _why_text(value: str) -> str:
    if SSN_SHAPE.search(value):
        return "a value shaped like a social security number"
    if len(value) > MAX_TEXT:
        return f"a text of {len(value):,} characters (a credit report?)"
    return ""


def strip_sensitive(obj: Any, where: str = "") -> tuple[Any, list[str]]:
    """A deep copy of ``obj`` without what the app must never store: keys named for a
    social security or tax number or a credit report, objects that declare such a type
    (a STAR identifier or privacy rule of type SOCIAL_SECURITY_NUMBER…), values shaped
    like a social security number, and oversized texts. Returns the copy and where each
    removal was (paths and reasons, never the values)."""
    removed: list[str] = []
    clean = _strip(copy.deepcopy(obj), where, removed)
    return clean, removed


def _strip(obj: Any, where: str, removed: list[str]) -> Any:
    if isinstance(obj, Mapping):
        out: dict[str, Any] = {}
        for key, value in obj.items():
            at = f"{where}.{key}" if where else str(key)
            if _sensitive_key(str(key)):
                removed.append(f"{at} (named for sensitive data)")
                continue
            if isinstance(value, Mapping) and _declares_sensitive(value):
                removed.append(f"{at} (a {_declares_sensitive(value)})")
                continue
            if isinstance(value, str) and _why_text(value):
                removed.append(f"{at} ({_why_text(value)})")
                continue
            out[key] = _strip(value, at, removed)
        return out
    if isinstance(obj, list):
        items: list[Any] = []
        for n, value in enumerate(obj):
            at = f"{where}[{n}]"
            if isinstance(value, Mapping) and _declares_sensitive(value):
                removed.append(f"{at} (a {_declares_sensitive(value)})")
                continue
            if isinstance(value, str) and _why_text(value):
                removed.append(f"{at} ({_why_text(value)})")
                continue
            items.append(_strip(value, at, removed))
        return items
    return obj


@dataclass(frozen=True)
class Jacket:
    """One deal jacket, already stripped of sensitive data."""

    deal_key: str
    version: int  # -1 when the tool sends none
    stamp: str  # process_date_time as YYYY-MM-DDTHH:MM:SSZ ('' when none)
    invoice: dict[str, Any]
    credit: dict[str, Any] | None
    event_id: str = ""
    event_type: str = ""
    sent_at: str = ""

    @property
    def order(self) -> tuple[int, str]:
        """Which of two versions of a deal is newer: the higher revision, then the later
        process time."""
        return (self.version, self.stamp)

    def body(self) -> dict[str, Any]:
        """The jacket as it is kept (the sanitised webhook body)."""
        out: dict[str, Any] = {
            "event_id": self.event_id,
            "event_type": self.event_type,
            "sent_at": self.sent_at,
            "vehicle_invoice": self.invoice,
        }
        if self.credit is not None:
            out["credit_authorization"] = self.credit
        return out


def _moment(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        return ""
    moment = _parse_moment(text)
    return format_timestamp(moment) if moment else ""


def parse_jacket(data: Any) -> Jacket:
    """A jacket from a (sanitised) body, or ``StarError`` saying what is missing."""
    if not isinstance(data, Mapping):
        raise StarError("A deal jacket must be a JSON object.")
    invoice = data.get("vehicle_invoice")
    if not isinstance(invoice, Mapping):
        raise StarError("The deal jacket has no vehicle_invoice (the STAR deal).")
    key = str(invoice.get("vehicle_invoice_key") or "").strip()
    if not key:
        raise StarError("The deal jacket's vehicle_invoice has no vehicle_invoice_key.")
    if len(key) > 100:
        raise StarError("The deal jacket's vehicle_invoice_key is longer than 100 characters.")
    raw_version = str(invoice.get("vehicle_invoice_version") or "").strip()
    if raw_version and not raw_version.isdigit():
        raise StarError(
            f"The deal jacket's vehicle_invoice_version '{raw_version[:20]}' is not a number."
        )
    credit = data.get("credit_authorization")
    if credit is not None and not isinstance(credit, Mapping):
        raise StarError("The deal jacket's credit_authorization is not a JSON object.")
    return Jacket(
        deal_key=key,
        version=int(raw_version) if raw_version else -1,
        stamp=_moment(invoice.get("process_date_time")),
        invoice=dict(invoice),
        credit=dict(credit) if credit is not None else None,
        event_id=str(data.get("event_id") or "")[:200],
        event_type=str(data.get("event_type") or "")[:60],
        sent_at=_moment(data.get("sent_at")),
    )


# --- rows -----------------------------------------------------------------------------------
_SHOPPER = "party_references[party_type=CUSTOMER;*]"
_CHANNEL = f"{_SHOPPER}.communication_channels[communication_channel_type={{t}}]"
_ADDRESS = f"{_SHOPPER}.address_references[]"
SHOPPER_FIELDS: dict[str, str] = {
    "first_name": f"{_SHOPPER}.individual_name.given_name",
    "last_name": f"{_SHOPPER}.individual_name.family_name",
    "email": _CHANNEL.format(t="EMAIL") + ".value",
    "mobile_phone": _CHANNEL.format(t="CELL|SMS") + ".value",
    "home_phone": _CHANNEL.format(t="PHONE|VOICE") + ".value",
    "address_line1": f"{_ADDRESS}.address_line1",
    "city": f"{_ADDRESS}.city",
    "state": f"{_ADDRESS}.state_province",
    "zip": f"{_ADDRESS}.postal_code",
}
SHOPPER_COLUMNS = ("shopper_id", *SHOPPER_FIELDS, "deal_id", "updated_at")
CREDIT_EXTRA = ("deal_id", "shopper_id")


def _text(value: Any) -> str:
    return "" if value is None or isinstance(value, dict | list) else str(value).strip()


def shopper_id(jacket: Jacket) -> str:
    return _text(paths.get(jacket.invoice, "customer_reference.party_key")) or _text(
        paths.get(jacket.invoice, f"{_SHOPPER}.party_key")
    )


def shopper_row(jacket: Jacket) -> dict[str, str]:
    """The shopper, as the customer the DMS needs (name, e-mail, phones, address)."""
    row = {"shopper_id": shopper_id(jacket)}
    for name, path in SHOPPER_FIELDS.items():
        row[name] = _text(paths.get(jacket.invoice, path))
    if not row["last_name"]:  # a party name only: the last word is the family name
        whole = _text(paths.get(jacket.invoice, f"{_SHOPPER}.party_name")).split()
        if whole:
            row["first_name"] = row["first_name"] or " ".join(whole[:-1])
            row["last_name"] = whole[-1]
    row["deal_id"] = jacket.deal_key
    row["updated_at"] = jacket.stamp or jacket.sent_at
    return row


def credit_key(jacket: Jacket) -> str:
    """The tool's id of the credit application (else one made from the deal's)."""
    credit = jacket.credit or {}
    return _text(credit.get("credit_authorization_key")) or f"{jacket.deal_key}-credit"


def deal_row(jacket: Jacket) -> dict[str, str]:
    """The deal: every flat vehicle-invoice field (the tool's shopper id as ``shopper_id``),
    its id as ``deal_id``, and the credit application's status and decision reference."""
    flat = flatten("vehicle_invoices", jacket.invoice)
    row = {"deal_id": jacket.deal_key, "shopper_id": shopper_id(jacket)}
    row.update({k: v for k, v in flat.items() if k != "customer_id"})
    credit = flatten("credit_authorizations", jacket.credit) if jacket.credit else {}
    row["credit_status"] = credit.get("status", "")
    row["credit_decision_ref"] = credit.get("auth_number", "")
    row["credit_lender"] = credit.get("lender", "")
    row["updated_at"] = jacket.stamp or jacket.sent_at
    return row


def credit_row(jacket: Jacket) -> dict[str, str] | None:
    """The credit application (status, lender, decision reference), or None when the
    shopper did not apply."""
    if jacket.credit is None:
        return None
    flat = flatten("credit_authorizations", jacket.credit)
    row = {k: v for k, v in flat.items() if k != "customer_id"}
    row["credit_authorization_key"] = credit_key(jacket)
    row["deal_id"] = jacket.deal_key
    row["shopper_id"] = _text(flat.get("customer_id")) or shopper_id(jacket)
    row["updated_at"] = row.get("updated_at") or jacket.stamp or jacket.sent_at
    return row
