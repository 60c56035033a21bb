"""ADF 1.0 lead intake on the CRM: HTTP POST and e-mail (SMTP sink), hostile XML refused."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import pytest

from app.sandbox.servers import SandboxServers
from tests.support.sandbox_api import client

ADF = """<?xml version="1.0" encoding="UTF-8"?>
<?adf version="1.0"?>
<adf>
  <prospect status="new">
    <id sequence="1" source="cars.com">CC-778</id>
    <requestdate>2024-03-10T14:22:00-05:00</requestdate>
    <vehicle interest="buy" status="used">
      <year>2021</year><make>Honda</make><model>CR-V</model>
      <vin>1FADP5AU6DL536022</vin><trim>EX</trim>
    </vehicle>
    <customer>
      <contact>
        <name part="full">Maria {last}</name>
        <email>{email}</email>
        <phone type="home">214-555-0101</phone>
        <phone type="mobile">(469) 555-0199</phone>
        <address><street line="1">12 Elm St</street><city>Plano</city>
          <regioncode>tx</regioncode><postalcode>75074</postalcode></address>
      </contact>
      <comments>Is it still available?</comments>
    </customer>
    <vendor><contact><name part="full">Demo Motors</name></contact></vendor>
    <provider><name>Cars.com</name></provider>
  </prospect>
</adf>
"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<adf><prospect><customer><contact><name>&lol3;</name></contact></customer></prospect></adf>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE adf [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<adf><prospect><customer><contact><name>&xxe;</name></contact></customer></prospect></adf>
"""


def _adf(last: str = "Lopez", email: str = "maria@lopez.example") -> str:
    return ADF.replace("{last}", last).replace("{email}", email)


def _post(servers: SandboxServers, body: str) -> tuple[int, dict[str, Any]]:
    crm = servers.servers["crm"]
    with client() as c:
        r = c.post(
            f"{crm.url}/adf",
            content=body.encode(),
            headers={"X-API-Key": crm.credentials["api_key"], "Content-Type": "application/xml"},
        )
    return r.status_code, r.json()


def test_adf_post_creates_lead_and_contact(servers: SandboxServers) -> None:
    status, body = _post(servers, _adf())
    assert status == 201, body
    [result] = body["leads"]
    assert result["contact_created"] is True
    crm = servers.app("crm").store
    contact = crm.contacts.get(result["contact_id"])
    assert (contact["first_name"], contact["last_name"]) == ("Maria", "Lopez")
    assert contact["phone"] == "214-555-0101"
    assert contact["mobile"] == "(469) 555-0199"
    assert (contact["state"], contact["postal_code"]) == ("TX", "75074")
    lead = crm.leads.get(result["lead_id"])
    assert lead["source"] == "Cars.com"  # provider name; the vendor has no vendorname
    assert lead["vehicle_of_interest"] == "2021 Honda CR-V EX"
    assert lead["vehicle_of_interest_vin"] == "1FADP5AU6DL536022"
    assert "still available" in lead["comments"] and "CC-778" in lead["comments"]
    # the same person again: matched on e-mail, no second contact
    status, again = _post(servers, _adf())
    assert again["leads"][0]["contact_id"] == result["contact_id"]
    assert again["leads"][0]["contact_created"] is False


@pytest.mark.parametrize(
    ("document", "status", "words"),
    [
        (BILLION_LAUGHS, 400, "entities"),
        (EXTERNAL_ENTITY, 400, "entities"),
        ("<adf><prospect>", 400, "well-formed"),
        ('<?xml version="1.0" encoding="klingon-8"?><adf/>', 400, "encoding cannot be used"),
        ("<lead/>", 400, "<adf>"),
        ("<adf/>", 422, "no <prospect>"),
        ("<adf><prospect><customer><contact/></customer></prospect></adf>", 422, "no name"),
    ],
)
def test_adf_rejections(servers: SandboxServers, document: str, status: int, words: str) -> None:
    got, body = _post(servers, document)
    assert got == status
    assert words in str(body["message"])
    assert servers.app("crm").counts()["leads"] == 5


def _smtp(servers: SandboxServers) -> tuple[str, int]:
    parts = urlsplit(servers.servers["crm_smtp"].url)
    assert parts.hostname == "127.0.0.1" and parts.port
    return parts.hostname, parts.port


def _message(servers: SandboxServers, subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "leads@cars.example"
    msg["To"] = servers.servers["crm_smtp"].credentials["recipient"]
    msg["Subject"] = subject
    return msg


def test_adf_by_email_body_and_attachment(servers: SandboxServers) -> None:
    host, port = _smtp(servers)
    plain = _message(servers, "New lead")
    plain.set_content(f"Hello,\n\n{_adf('Body', 'body@x.example')}\n-- \nSent from Cars.com")
    attached = _message(servers, "Lead attached")
    attached.set_content("Please see the attached lead.")
    attached.add_attachment(
        _adf("Attach", "att@x.example").encode(),
        maintype="application",
        subtype="xml",
        filename="lead.xml",
    )
    spam = _message(servers, "Cheap watches")
    spam.set_content("no lead here")
    with smtplib.SMTP(host, port, timeout=5) as smtp:
        for msg in (plain, attached, spam):
            smtp.send_message(msg)
    store = servers.app("crm").store
    names = {c["last_name"] for c in store.contacts.all()}
    assert {"Body", "Attach"} <= names
    journal = servers.app("crm").exports()["emails"]()
    assert [len(e["lead_ids"]) for e in journal] == [1, 1, 0]
    assert "no ADF" in journal[2]["error"]


def test_hostile_adf_by_email_is_refused(servers: SandboxServers) -> None:
    host, port = _smtp(servers)
    msg = _message(servers, "lol")
    msg.set_content(BILLION_LAUGHS)
    with smtplib.SMTP(host, port, timeout=5) as smtp, pytest.raises(smtplib.SMTPDataError) as err:
        smtp.send_message(msg)
    assert err.value.smtp_code == 550
    assert servers.app("crm").counts()["leads"] == 5
