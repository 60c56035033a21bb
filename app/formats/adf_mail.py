"""ADF leads as lead providers e-mail them: the document is the plain-text body, an XML
part, or an attachment (``.xml``/``.adf``), often with a greeting and a signature around it.

``read_adf_mail`` finds the first MIME part that holds an ``<adf>`` document and returns it
with the part's charset (the encoding to assume when the document declares none) and the
headers a person needs to find the message again. A message without one gets
``document=None``.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime

from app.formats.adf import strip_controls


@dataclass(frozen=True)
class AdfMail:
    message_id: str
    sender: str
    subject: str
    date: str  # ISO 8601 from the Date header, '' when missing or unreadable
    document: bytes | None
    charset: str | None = None


def _header(message: Message, name: str, limit: int = 300) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):  # a header the policy cannot parse
        return ""
    text = " ".join(strip_controls(str(value or "")).split())
    return text[:limit]


def _date(message: Message) -> str:
    raw = _header(message, "Date")
    if not raw:
        return ""
    try:
        return parsedate_to_datetime(raw).isoformat()
    except (TypeError, ValueError, IndexError):
        return ""


def cut_document(payload: bytes) -> bytes | None:
    """The ``<?xml ...?><adf>...</adf>`` inside a part, without what surrounds it."""
    lowered = payload.lower()
    start = lowered.find(b"<adf")
    if start < 0:
        return None
    declaration = lowered.rfind(b"<?xml", 0, start)
    start = declaration if declaration >= 0 else start
    end = lowered.rfind(b"</adf>")
    return payload[start : end + len(b"</adf>")] if end > start else payload[start:]


def decoded_parts(message: Message) -> Iterator[tuple[bytes, str | None]]:
    """Each leaf part's content, transfer-decoded (base64, quoted-printable), with the
    charset it says; a part that cannot be decoded is passed over."""
    for part in message.walk():
        if part.is_multipart():
            continue
        try:
            payload = part.get_payload(decode=True)
        except (ValueError, LookupError):
            continue
        if isinstance(payload, bytes):
            yield payload, part.get_content_charset()


def read_adf_mail(raw: bytes) -> AdfMail:
    """The ADF document of one e-mail (``document=None`` when it has none)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    document, charset = None, None
    for payload, part_charset in decoded_parts(message):
        found = cut_document(payload)
        if found is not None:
            document, charset = found, part_charset
            break
    return AdfMail(
        message_id=_header(message, "Message-ID"),
        sender=_header(message, "From"),
        subject=_header(message, "Subject"),
        date=_date(message),
        document=document,
        charset=charset,
    )
