"""Sending ADF leads to the sandbox lead mailbox, and an ``adf_inbox`` connector aimed
at it, for tests."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from app.connectors.adf_inbox import AdfInboxConnector


def adf_lead(
    n: int,
    *,
    email: str | None = None,
    vehicles: int = 1,
    trade_in: bool = False,
    status: str = "new",
    provider_id: str | None = None,
) -> str:
    """A realistic ADF lead (number ``n`` gives the person and the provider's id)."""
    vehicle = (
        "<vehicle interest='buy' status='used'><year>2021</year><make>Honda</make>"
        "<model>CR-V</model><vin>1FADP5AU6DL536022</vin><stock>U1234</stock></vehicle>"
    )
    trade = (
        "<vehicle interest='trade-in' status='used'><year>2015</year><make>Ford</make>"
        "<model>Focus</model><vin>1G4AH59H45G118341</vin><odometer>88000</odometer></vehicle>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><?ADF VERSION="1.0"?><adf>'
        f"<prospect status='{status}'><id sequence='1' source='cars.example'>"
        f"{provider_id or f'CE-{n}'}</id><requestdate>2026-11-0{1 + n % 8}T09:{n % 60:02d}:00-05:00"
        f"</requestdate>{vehicle * vehicles}{trade if trade_in else ''}"
        f"<customer><contact><name part='first'>Pat{n}</name><name part='last'>Inbox</name>"
        f"<email>{email or f'pat{n}.inbox@example.net'}</email>"
        f"<phone type='cellphone'>313-555-{1000 + n:04d}</phone></contact>"
        "<comments>Is it still available?</comments></customer>"
        "<vendor><vendorname>Demo Motors</vendorname></vendor>"
        "<provider><name part='full'>Cars.example</name></provider></prospect></adf>"
    )


def send_mail(entry: dict[str, Any], body: str | bytes, subject: str = "New lead") -> None:
    """E-mail ``body`` (the ADF as the text body, or bytes as an XML attachment) to the
    lead mailbox's SMTP port."""
    message = EmailMessage()
    message["From"], message["To"] = "leads@cars.example", entry["credentials"]["address"]
    message["Subject"], message["Message-ID"] = subject, make_msgid(domain="cars.example")
    if isinstance(body, bytes):
        message.set_content("A new lead is attached.")
        message.add_attachment(body, maintype="application", subtype="xml", filename="lead.xml")
    else:
        message.set_content(body)
    where = urlsplit(entry["url"])
    with smtplib.SMTP(where.hostname or "127.0.0.1", where.port or 25, timeout=10) as smtp:
        smtp.send_message(message)


def inbox(
    entry: dict[str, Any], secrets: dict[str, str] | None = None, **more: Any
) -> AdfInboxConnector:
    """An ``adf_inbox`` connector on the lead mailbox (the demo profile's settings)."""
    from app.connectors.adf_inbox import AdfInboxConnector
    from app.sandbox.demo import inbox_profile

    settings, given = inbox_profile(entry)
    return AdfInboxConnector({**settings, **more}, {**given, **(secrets or {})})
