"""Leads for the demo's lead mailbox: a few ADF 1.0 leads, as lead sites e-mail them, for
vehicles in the demo's stock -- some from customers the DMS already knows (the pre-entry
check links them), some from new people, one with a trade-in, one sent twice."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from app.connectors.adf_delivery import SmtpSender
from app.formats.adf import AdfLead, AdfVehicle, render_adf
from app.sandbox.servers.dataset import DatasetLike, table_records

PROVIDERS = ("Cars.example", "AutoTrader.example", "OEM Lead Program")
NEW_PEOPLE = (
    ("Maya", "Okafor", "maya.okafor@example.net", "3135550181"),
    ("Dev", "Raman", "dev.raman@example.org", "2485550142"),
    ("Lucía", "Ferreira", "lucia.ferreira@example.com", "7345550117"),
)


def demo_leads(dataset: DatasetLike, count: int = 6) -> list[AdfLead]:
    """``count`` leads: half from known DMS customers, half from new people."""
    customers = [
        c for c in table_records(dataset, "dms_customers") if c["email"] and c["last_name"]
    ][:count]
    stock = [v for v in table_records(dataset, "dms_inventory") if v["status"] == "AVAILABLE"]
    leads = []
    for n in range(count):
        car = stock[n % len(stock)] if stock else {}
        wanted = AdfVehicle(
            interest="buy",
            status="new" if car.get("condition") == "NEW" else "used",
            **{k: car.get(k, "") for k in ("year", "make", "model", "vin", "trim")},
            stock=car.get("stock_number", ""),
            price=car.get("price", ""),
        )
        vehicles = [wanted]
        if n == 1:
            vehicles.append(
                AdfVehicle(interest="trade-in", status="used", year="2016", make="Ford",
                           model="Escape", vin="1FADP5AU6DL536022", odometer="91200")
            )  # fmt: skip
        if n % 2 == 0 and customers:
            who = customers[n // 2 % len(customers)]
            first, last, email = who["first_name"], who["last_name"], who["email"]
            phone = who["mobile_phone"]
        else:
            first, last, email, phone = NEW_PEOPLE[n // 2 % len(NEW_PEOPLE)]
        provider = PROVIDERS[n % len(PROVIDERS)]
        leads.append(
            AdfLead(
                request_date=f"2026-11-0{1 + n % 9}T1{n % 10}:15:00-05:00",
                ids=[(provider.lower(), f"DEMO-{1000 + n}")],
                first_name=first,
                last_name=last,
                email=email,
                mobile=phone,
                comments="Is it still available? What is the best price?",
                vehicles=vehicles,
                vendor_name="Demo Motors",
                provider_name=provider,
            )
        )
    return leads


# What an attacker e-mails a lead inbox (for the demo's hostile-mail showcase and tests):
# an entity bomb and an external entity that would read a file of this computer.
HOSTILE = {
    "Lead from a 'billion laughs' bomb": (
        '<?xml version="1.0"?>\n<!DOCTYPE adf [\n <!ENTITY lol "lol">\n'
        ' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
        ' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>\n'
        "<adf><prospect><customer><contact><name>&lol3;</name></contact></customer>"
        "</prospect></adf>"
    ),
    "Lead with an external entity (XXE)": (
        '<?xml version="1.0"?>\n<!DOCTYPE adf [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        "<adf><prospect><customer><contact><name>&xxe;</name></contact></customer>"
        "</prospect></adf>"
    ),
}


def fill_lead_mailbox(
    mailbox: dict[str, Any], leads: list[AdfLead], *, resend: int = 1, hostile: bool = False
) -> int:
    """E-mail the leads to the lead mailbox (its port-file entry) over SMTP, the last
    ``resend`` of them twice, as lead sites do, and the ``HOSTILE`` samples when asked;
    returns how many messages were sent."""
    where = urlsplit(mailbox["url"])
    sender = SmtpSender(
        where.hostname or "127.0.0.1",
        where.port or 25,
        mail_from="leads@lead-sites.example",
        mail_to=mailbox["credentials"]["address"],
        starttls=False,
    )
    sent = 0
    with sender:
        for lead in [*leads, *leads[len(leads) - resend :]] if resend else leads:
            sender.send(render_adf(lead), f"New lead: {lead.first_name} {lead.last_name}")
            sent += 1
        for subject, document in HOSTILE.items() if hostile else ():
            sender.send(document, subject)
            sent += 1
    return sent
