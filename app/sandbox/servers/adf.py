"""Reading ADF 1.0 leads (Auto-lead Data Format XML) the way a CRM's lead inbox does.

XML from outside is hostile: defusedxml refuses entity declarations (billion laughs) and
external references. Parsing is lenient where real leads break the DTD: tag case,
phone types ``home``/``work``/``mobile`` besides ``voice``/``cellphone``, a missing
``vendorname``, a single ``<name part="full">``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MOBILE_TYPES = {"cellphone", "cell", "mobile"}
SKIPPED_PHONE_TYPES = {"fax", "pager"}


class AdfError(ValueError):
    """Not an acceptable ADF document; ``status`` is the HTTP answer (400 or 422)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class AdfProspect:
    """One ``<prospect>`` in the CRM's vocabulary."""

    contact: dict[str, str]
    lead: dict[str, str]
    request_date: str = ""
    ids: list[str] = field(default_factory=list)


def _text(node: ET.Element | None) -> str:
    return " ".join("".join(node.itertext()).split()) if node is not None else ""


def _normalise_tags(root: ET.Element) -> None:
    for node in root.iter():
        if isinstance(node.tag, str):
            node.tag = node.tag.rpartition("}")[2].lower()
            node.attrib = {k.lower(): v.strip().lower() for k, v in node.attrib.items()}


def parse_adf(data: bytes | str) -> list[AdfProspect]:
    """All prospects of an ADF document, or ``AdfError`` saying what is wrong."""
    try:
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise AdfError(
            f"refused: the XML declares entities or external references ({type(exc).__name__})"
        ) from None
    except ET.ParseError as exc:
        raise AdfError(f"not well-formed XML: {exc}") from None
    except LookupError as exc:  # the declared encoding: a 400 with the reason, not a 500
        raise AdfError(f"the declared encoding cannot be used: {exc}") from None
    _normalise_tags(root)
    if root.tag != "adf":
        raise AdfError(f"the root element must be <adf>, not <{root.tag}>")
    prospects = root.findall("prospect")
    if not prospects:
        raise AdfError("the ADF document has no <prospect>", 422)
    return [_prospect(node, n) for n, node in enumerate(prospects, start=1)]


def _names(contact: ET.Element) -> tuple[str, str]:
    parts = {n.get("part", "full"): _text(n) for n in contact.findall("name")}
    first, last = parts.get("first", ""), parts.get("last", "") or parts.get("surname", "")
    full = parts.get("full", "")
    if full and not (first or last):
        words = full.split()
        first, last = " ".join(words[:-1]), words[-1]
    return first, last


def _prospect(node: ET.Element, number: int) -> AdfProspect:
    contact_node = node.find("customer/contact")
    if contact_node is None:
        raise AdfError(f"prospect {number}: <customer><contact> is missing", 422)
    first, last = _names(contact_node)
    contact = {"first_name": first, "last_name": last, "email": _text(contact_node.find("email"))}
    contact["phone"], contact["mobile"] = "", ""
    for phone in contact_node.findall("phone"):
        kind, number_text = phone.get("type", "voice"), _text(phone)
        if not number_text or kind in SKIPPED_PHONE_TYPES:
            continue
        slot = "mobile" if kind in MOBILE_TYPES else "phone"
        contact[slot] = contact[slot] or number_text
    address = contact_node.find("address")
    if address is not None:
        contact["street"] = ", ".join(_text(s) for s in address.findall("street") if _text(s))
        contact["city"] = _text(address.find("city"))
        contact["state"] = _text(address.find("regioncode")).upper()
        contact["postal_code"] = _text(address.find("postalcode"))
    if not (first or last or contact["email"] or contact["phone"] or contact["mobile"]):
        raise AdfError(f"prospect {number}: the customer has no name, email or phone", 422)
    vehicle = node.find("vehicle")
    description, vin = "", ""
    if vehicle is not None:
        description = " ".join(
            t for t in (_text(vehicle.find(k)) for k in ("year", "make", "model", "trim")) if t
        )
        vin = _text(vehicle.find("vin")).upper()
    source = _text(node.find("provider/name")) or _text(node.find("vendor/vendorname")) or "ADF"
    notes = [_text(node.find("customer/comments")), _text(node.find("vehicle/comments"))]
    comments = " | ".join(t for t in notes if t)
    lead = {
        "source": source,
        "status": "New",
        "vehicle_of_interest_vin": vin,
        "vehicle_of_interest": description,
        "comments": comments,
    }
    ids = [_text(i) for i in node.findall("id") if _text(i)]
    return AdfProspect(contact, lead, _text(node.find("requestdate")), ids)
