"""ADF 1.0 (Auto-lead Data Format) leads: a lenient parser and a strict emitter.

``parse_adf`` reads what real lead providers send: any tag/attribute case, curly quotes
around attribute values, phone types home/work/mobile, a missing ``vendorname`` or
``<?ADF?>`` PI, one ``<name part="full">``, several prospects, a bare ``<!DOCTYPE adf>``,
characters XML forbids (stripped). The encoding a document declares is honoured, or the
document is refused with the reason (never guessed into mojibake).
XML from outside is hostile: a DTD with declarations, entities or an external DTD, a
document over the size limit, or more prospects or vehicles than a lead has raises
``AdfError`` saying which, and nothing is expanded or fetched (defusedxml).
``resend_key`` names a lead by provider id, request date and contact, so a resent copy
is recognised as the same lead.

``render_adf`` writes one prospect in the DTD's element order (``specs/adf-1.0.dtd``),
with every required element present.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from nameparser import HumanName

from app.formats.errors import AdfError

INTERESTS = ("buy", "lease", "sell", "trade-in", "test-drive")
VEHICLE_STATUSES = ("new", "used")
MOBILE_TYPES = frozenset({"cellphone", "cell", "mobile"})
WORK_TYPES = frozenset({"work", "office", "business"})
SKIPPED_PHONE_TYPES = frozenset({"fax", "pager"})
_CURLY = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})
_BARE_DOCTYPE_ONLY = re.compile(r"<!DOCTYPE\s+[\w:.-]+\s*>", re.I)  # names the root, nothing else
# attributes with enumerated values (compared lower-case); others (id source...) keep case
ENUM_ATTRIBUTES = frozenset(
    {"part", "type", "interest", "status", "time", "preferredcontact", "units", "limit"}
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_DECL_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([\w.-]+)[\"']", re.I)


@dataclass
class AdfVehicle:
    interest: str = "buy"
    status: str = "new"
    year: str = ""
    make: str = ""
    model: str = ""
    vin: str = ""
    stock: str = ""
    trim: str = ""
    odometer: str = ""
    price: str = ""
    comments: str = ""


@dataclass
class AdfLead:
    """One ``<prospect>``: the customer, the vehicle(s) of interest, vendor and provider."""

    request_date: str = ""
    ids: list[tuple[str, str]] = field(default_factory=list)  # (source, value)
    status: str = "new"
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    company_name: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""
    work_phone: str = ""
    street: str = ""
    apartment: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    comments: str = ""
    vehicles: list[AdfVehicle] = field(default_factory=list)
    vendor_name: str = ""
    vendor_email: str = ""
    vendor_phone: str = ""
    provider_name: str = ""
    provider_service: str = ""
    provider_url: str = ""
    provider_email: str = ""

    @property
    def vehicle(self) -> AdfVehicle | None:
        """The vehicle the customer wants (not a trade-in), if any."""
        wanted = [v for v in self.vehicles if v.interest not in ("sell", "trade-in")]
        pool = wanted or self.vehicles
        return pool[0] if pool else None


# -- parsing -----------------------------------------------------------------------
MAX_BYTES = 1_000_000  # a real lead is a few kilobytes
MAX_PROSPECTS = 50  # per document
MAX_VEHICLES = 20  # per prospect: a vehicle of interest, alternatives, trade-ins
_BOMS = (  # UTF-32 before UTF-16: their little-endian marks share a prefix
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# What browsers do (WHATWG): these labels mean Windows-1252, a superset whose curly quotes
# and euro sign are what such senders really put in.
_WINDOWS_1252_LABELS = frozenset({"latin_1", "iso8859_1", "ascii", "cp1252"})
# Codecs Python knows that no XML document may use (they hide or mangle markup).
_REFUSED_CODECS = frozenset(
    {"utf_7", "idna", "punycode", "raw_unicode_escape", "unicode_escape", "undefined"}
)
# Characters XML 1.0 forbids, or that only ever come from broken software: C0 controls
# but tab, line feed and carriage return; DEL and the C1 controls; U+FFFE and U+FFFF.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_CONTROL_REFS = re.compile(
    r"&#(?:x0*(?:[0-8bcef]|1[0-9a-f]|7f|[89][0-9a-f])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]|12[7-9]|1[3-5][0-9]));",
    re.I,
)
_DOCTYPE = re.compile(r"<!DOCTYPE\b", re.I)
_ENTITY_DECL = re.compile(r"<!ENTITY\s+(%\s+)?[^\s>]+\s+(SYSTEM|PUBLIC)?", re.I)
_EXTERNAL_ID = re.compile(r"<!DOCTYPE\s+[\w:.-]+\s+(SYSTEM|PUBLIC)\b", re.I)
_ATTACK = "nothing in it was expanded or fetched"


def _codec(label: str, where: str) -> str:
    """The Python codec for an encoding label, or ``AdfError`` saying why it is refused."""
    try:
        info = codecs.lookup(label)
    except LookupError:
        raise AdfError(
            f"The ADF lead {where} the encoding '{label}', which is not a known character "
            "encoding; ask the sender to use UTF-8."
        ) from None
    name = info.name.replace("-", "_")
    if not getattr(info, "_is_text_encoding", True) or name in _REFUSED_CODECS:
        raise AdfError(
            f"The ADF lead {where} the encoding '{label}', which is not allowed for XML "
            "(it can hide markup); ask the sender to use UTF-8."
        )
    return "cp1252" if name in _WINDOWS_1252_LABELS else info.name


def _decode_as(data: bytes, encoding: str, label: str, where: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        byte = data[exc.start : exc.start + 1].hex()
        raise AdfError(
            f"The ADF lead {where} the encoding '{label}', but byte {exc.start + 1:,} "
            f"(0x{byte}) is not valid {label}; the sender mislabelled it, so it was not "
            "guessed at."
        ) from None


def decode_document(data: bytes | str, charset: str | None = None) -> str:
    """The document as text: a byte-order mark, else the encoding its XML declaration
    names, else ``charset`` (from the e-mail part or the HTTP Content-Type), else UTF-8,
    else Windows-1252. A declared encoding that is unknown, not for XML, or that the bytes
    break raises ``AdfError`` with the reason (never mojibake)."""
    if isinstance(data, str):
        return data
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode_as(data[len(bom) :], encoding, encoding.upper(), "starts with")
    declared = _DECL_ENCODING.match(data)
    if declared:
        label = declared.group(1).decode("ascii")
        return _decode_as(data, _codec(label, "declares"), label, "declares")
    if charset:
        return _decode_as(data, _codec(charset, "was sent in"), charset, "was sent in")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")  # undeclared and not UTF-8: old Windows


def strip_controls(text: str) -> str:
    """Remove the characters XML 1.0 forbids (and references to them)."""
    return _CONTROL_CHARS.sub("", _CONTROL_REFS.sub("", text))


def _fix_tags(text: str) -> str:
    """Curly quotes become straight ones inside tags only (text content is kept)."""
    return re.sub(r"<[^<>]*>", lambda m: m.group().translate(_CURLY), text)


def _hostile_reason(text: str) -> str | None:
    """Why a document with a DTD is refused, in words (defusedxml stays the real guard)."""
    if not _DOCTYPE.search(text):
        return None
    entity = _ENTITY_DECL.search(text)
    if entity and entity.group(2):
        what = "an external entity (XXE), which would read a file or address"
    elif entity:
        what = "a 'billion laughs' entity bomb (entities that expand into more text)"
    elif _EXTERNAL_ID.search(text):
        what = "an external DTD, which a reader would fetch"
    else:
        what = "a DTD with declarations"
    return f"Refused an ADF lead: hostile XML, {what}; {_ATTACK}."


def _text(node: ET.Element | None) -> str:
    return " ".join("".join(node.itertext()).split()) if node is not None else ""


def _normalise(root: ET.Element) -> None:
    for node in root.iter():
        if isinstance(node.tag, str):
            node.tag = node.tag.rpartition("}")[2].strip().lower()
            attrs = {k.strip().lower(): " ".join(v.split()) for k, v in node.attrib.items()}
            node.attrib = {k: v.lower() if k in ENUM_ATTRIBUTES else v for k, v in attrs.items()}


def parse_adf(
    data: bytes | str, *, charset: str | None = None, max_bytes: int = MAX_BYTES
) -> list[AdfLead]:
    """Every prospect in an ADF document; ``AdfError`` saying what is wrong otherwise:
    too big, an encoding it cannot honour, hostile XML (a DTD, entities, an external
    DTD), not ADF, or more prospects or vehicles than any real lead has."""
    size = len(data.encode("utf-8") if isinstance(data, str) else data)
    if size > max_bytes:
        raise AdfError(
            f"The ADF lead is {size:,} bytes, over the limit of {max_bytes:,}; it was not "
            "read (a real lead is a few kilobytes)."
        )
    text = strip_controls(_XML_DECL.sub("", decode_document(data, charset), count=1))
    text = _BARE_DOCTYPE_ONLY.sub("", _fix_tags(text), count=1).strip()
    if not text:
        raise AdfError("The ADF lead is empty.")
    hostile = _hostile_reason(text)
    if hostile:
        raise AdfError(hostile)
    try:
        root = fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise AdfError(
            f"Refused an ADF lead: hostile XML, a DTD, entities or external references "
            f"({type(exc).__name__}); {_ATTACK}."
        ) from None
    except ET.ParseError as exc:
        raise AdfError(f"The ADF lead is not well-formed XML: {exc}.") from None
    _normalise(root)
    if root.tag != "adf":
        raise AdfError(f"The document is not an ADF lead: its root is <{root.tag}>, not <adf>.")
    prospects = root.findall("prospect")
    if not prospects:
        raise AdfError("The ADF document has no <prospect>.")
    if len(prospects) > MAX_PROSPECTS:
        raise AdfError(
            f"The ADF document holds {len(prospects):,} prospects; at most {MAX_PROSPECTS} "
            "are read from one document, so it was set aside whole."
        )
    for number, node in enumerate(prospects, start=1):
        vehicles = len(node.findall("vehicle"))
        if vehicles > MAX_VEHICLES:
            raise AdfError(
                f"Prospect {number} lists {vehicles:,} vehicles; a lead carries at most "
                f"{MAX_VEHICLES}, so it was set aside (a mistake or an attack)."
            )
    return [_prospect(node, number) for number, node in enumerate(prospects, start=1)]


def _names(contact: ET.Element, lead: AdfLead) -> None:
    full = ""
    for node in contact.findall("name"):
        part, value = node.get("part", "full"), _text(node)
        if node.get("type") == "business":
            lead.company_name = lead.company_name or value
        elif part == "first":
            lead.first_name = value
        elif part == "middle":
            lead.middle_name = value
        elif part in ("last", "surname"):
            lead.last_name = lead.last_name or value
        else:
            full = full or value
    if full and not (lead.first_name or lead.last_name):
        name = HumanName(full)
        lead.first_name, lead.middle_name, lead.last_name = name.first, name.middle, name.last
        if name.suffix:
            lead.last_name = f"{lead.last_name} {name.suffix}".strip()


def _contact(contact: ET.Element, lead: AdfLead) -> None:
    _names(contact, lead)
    lead.email = _text(contact.find("email"))
    for node in contact.findall("phone"):
        kind, number = node.get("type", "voice"), _text(node)
        if not number or kind in SKIPPED_PHONE_TYPES:
            continue
        slot = "mobile" if kind in MOBILE_TYPES else "work_phone" if kind in WORK_TYPES else "phone"
        if not getattr(lead, slot):
            setattr(lead, slot, number)
    address = contact.find("address")
    if address is not None:
        lead.street = ", ".join(t for t in (_text(s) for s in address.findall("street")) if t)
        lead.apartment = _text(address.find("apartment"))
        lead.city = _text(address.find("city"))
        lead.region = _text(address.find("regioncode")).upper()
        lead.postal_code = _text(address.find("postalcode"))
        lead.country = _text(address.find("country")).upper()


def _vehicle(node: ET.Element) -> AdfVehicle:
    interest, status = node.get("interest", "buy"), node.get("status", "new")
    return AdfVehicle(
        interest=interest if interest in INTERESTS else "buy",
        status=status if status in VEHICLE_STATUSES else "new",
        year=_text(node.find("year")),
        make=_text(node.find("make")),
        model=_text(node.find("model")),
        vin=_text(node.find("vin")).upper(),
        stock=_text(node.find("stock")),
        trim=_text(node.find("trim")),
        odometer=_text(node.find("odometer")),
        price=_text(node.find("price")),
        comments=_text(node.find("comments")),
    )


def _prospect(node: ET.Element, number: int) -> AdfLead:
    status = node.get("status", "new")
    lead = AdfLead(
        request_date=_text(node.find("requestdate")),
        ids=[(i.get("source", ""), _text(i)) for i in node.findall("id") if _text(i)],
        status=status if status in ("new", "resend") else "new",
        vehicles=[_vehicle(v) for v in node.findall("vehicle")],
        comments=_text(node.find("customer/comments")),
        vendor_name=_text(node.find("vendor/vendorname")),
        vendor_email=_text(node.find("vendor/contact/email")),
        vendor_phone=_text(node.find("vendor/contact/phone")),
        provider_name=_text(node.find("provider/name")),
        provider_service=_text(node.find("provider/service")),
        provider_url=_text(node.find("provider/url")),
        provider_email=_text(node.find("provider/email")),
    )
    contact = node.find("customer/contact")
    if contact is None:
        raise AdfError(f"Prospect {number} has no <customer><contact>.")
    _contact(contact, lead)
    named = lead.first_name or lead.last_name or lead.company_name
    if not named and not (lead.email or lead.phone or lead.mobile or lead.work_phone):
        raise AdfError(f"Prospect {number}: the customer has no name, email or phone.")
    return lead


def resend_key(lead: AdfLead) -> str:
    """A stable key for one lead: the provider's id (or name), the request date and the
    contact (e-mail, else phone digits, else name). A resend of the same lead -- the same
    mail twice, or ``status="resend"`` -- gets the same key; another lead does not."""
    provider = next((f"{src.strip().lower()}:{val.strip()}" for src, val in lead.ids), "")
    provider = provider or lead.provider_name.strip().lower()
    phone = next((p for p in (lead.mobile, lead.phone, lead.work_phone) if p), "")
    digits = "".join(ch for ch in phone if ch.isdigit())[-10:]
    name = " ".join(f"{lead.first_name} {lead.last_name} {lead.company_name}".lower().split())
    contact = lead.email.strip().lower() or digits or name
    basis = "\x1f".join((provider, " ".join(lead.request_date.split()), contact))
    return "adf-" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:24]


# -- rendering ---------------------------------------------------------------------
# What XML 1.0 cannot hold (a C0 control but tab and line breaks, DEL and C1 controls, lone
# surrogates, U+FFFE/U+FFFF): one in a name from the DMS made an ill-formed document.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _sub(parent: ET.Element, tag: str, text: str = "", **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, {k: _xml_text(v) for k, v in attrs.items()})
    node.text = _xml_text(text)
    return node


def _opt(parent: ET.Element, tag: str, text: str, **attrs: str) -> None:
    if text:
        _sub(parent, tag, text, **attrs)


def _render_vehicle(prospect: ET.Element, vehicle: AdfVehicle) -> None:
    interest = vehicle.interest if vehicle.interest in INTERESTS else "buy"
    status = vehicle.status if vehicle.status in VEHICLE_STATUSES else "new"
    node = _sub(prospect, "vehicle", interest=interest, status=status)
    for tag in ("year", "make", "model"):  # required by the DTD, even when unknown
        _sub(node, tag, getattr(vehicle, tag))
    _opt(node, "vin", vehicle.vin)
    _opt(node, "stock", vehicle.stock)
    _opt(node, "trim", vehicle.trim)
    _opt(node, "odometer", vehicle.odometer)
    _opt(node, "price", vehicle.price)
    _opt(node, "comments", vehicle.comments)


def _render_contact(parent: ET.Element, lead: AdfLead) -> None:
    contact = _sub(parent, "contact")
    if lead.first_name or lead.last_name:
        _opt(contact, "name", lead.first_name, part="first", type="individual")
        _opt(contact, "name", lead.middle_name, part="middle", type="individual")
        _opt(contact, "name", lead.last_name, part="last", type="individual")
    if lead.company_name:
        _sub(contact, "name", lead.company_name, part="full", type="business")
    _opt(contact, "email", lead.email)
    _opt(contact, "phone", lead.phone, type="voice")
    _opt(contact, "phone", lead.mobile, type="cellphone")
    _opt(contact, "phone", lead.work_phone, type="voice", time="day")
    if any((lead.street, lead.city, lead.region, lead.postal_code)):
        address = _sub(contact, "address")
        _sub(address, "street", lead.street, line="1")
        _opt(address, "apartment", lead.apartment)
        _opt(address, "city", lead.city)
        _opt(address, "regioncode", lead.region)
        _opt(address, "postalcode", lead.postal_code)
        _opt(address, "country", lead.country)


def render_adf(lead: AdfLead, *, now: datetime | None = None) -> str:
    """One lead as an ADF 1.0 document (UTF-8 XML text); ``AdfError`` if it cannot be one."""
    if not (lead.first_name or lead.last_name or lead.company_name):
        raise AdfError("The lead has no customer name; ADF needs at least a last name.")
    if not (lead.email or lead.phone or lead.mobile or lead.work_phone):
        raise AdfError("The lead has no email or phone; ADF needs one of them.")
    status = lead.status if lead.status in ("new", "resend") else "new"
    root = ET.Element("adf")
    prospect = _sub(root, "prospect", status=status)
    for sequence, (source, value) in enumerate(lead.ids, start=1):
        _sub(prospect, "id", value, sequence=str(sequence), source=source)
    moment = now or datetime.now(UTC)
    _sub(prospect, "requestdate", lead.request_date or moment.isoformat(timespec="seconds"))
    for vehicle in lead.vehicles or [AdfVehicle()]:
        _render_vehicle(prospect, vehicle)
    customer = _sub(prospect, "customer")
    _render_contact(customer, lead)
    _opt(customer, "comments", lead.comments)
    vendor = _sub(prospect, "vendor")
    vendor_name = lead.vendor_name or "Unknown dealership"
    _sub(vendor, "vendorname", vendor_name)
    vendor_contact = _sub(vendor, "contact")
    _sub(vendor_contact, "name", vendor_name, part="full")
    if lead.vendor_phone and not lead.vendor_email:
        _sub(vendor_contact, "phone", lead.vendor_phone, type="voice")
    else:  # the DTD wants an email or a phone here; an empty email keeps it valid
        _sub(vendor_contact, "email", lead.vendor_email)
    if lead.provider_name:
        provider = _sub(prospect, "provider")
        _sub(provider, "name", lead.provider_name, part="full")
        _opt(provider, "service", lead.provider_service)
        _opt(provider, "url", lead.provider_url)
        _opt(provider, "email", lead.provider_email)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<?ADF VERSION="1.0"?>\n{body}\n'
