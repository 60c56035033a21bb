"""The ADF lead connector: its fields and validation, and delivery of leads to the
simulated CRM by HTTP POST and by SMTP."""

from __future__ import annotations

from typing import Any

from app.connectors.adf_lead import AdfLeadConnector
from app.connectors.registry import get_kind
from app.connectors.streams import WriteAction, WriteRecord
from app.sandbox.servers import SandboxServers
from tests.support.sandbox import export


def test_connector_fields_and_validation() -> None:
    assert get_kind("adf_lead") is AdfLeadConnector
    assert set(AdfLeadConnector.secret_field_names()) == {"api_key", "smtp_password"}
    problems = AdfLeadConnector.validate({"delivery": "smtp", "vendor_name": "X"}, {})
    assert set(problems) == {"smtp_host", "mail_from", "mail_to"}


def lead_record(key: str, email: str, **extra: str) -> WriteRecord:
    payload = {
        "first_name": "Tess",
        "last_name": "Adler",
        "email": email,
        "vehicle_year": "2023",
        "vehicle_make": "Ford",
        "vehicle_model": "Escape",
        **extra,
    }
    return WriteRecord(key=key, golden_id=f"g-{key}", payload=payload)


def http_connector(sandbox: SandboxServers, key: str | None = None) -> AdfLeadConnector:
    crm = sandbox.servers["crm"]
    settings = {"delivery": "http_post", "url": f"{crm.url}/adf", "vendor_name": "Demo Motors"}
    return AdfLeadConnector(settings, {"api_key": key or crm.credentials["api_key"]})


def test_http_post_to_the_crm_intake_creates_a_lead(calm: SandboxServers) -> None:
    connector = http_connector(calm)
    assert connector.check().ok
    assert not http_connector(calm, key="crm_wrong").check().ok
    stream = connector.streams()["leads"]
    good = lead_record("ADF-HTTP-1", "tess.adler@example.com", comments="Trade-in too")
    nameless = WriteRecord("ADF-HTTP-2", "g", {"email": "x@example.com"})
    results = stream.write([good, nameless])
    assert results[0].action is WriteAction.CREATED and results[0].dest_id, results[0].error
    assert results[1].action is WriteAction.REJECTED and "no customer name" in str(results[1].error)
    lead = next(x for x in export(calm, "crm", "leads") if x["lead_id"] == results[0].dest_id)
    assert (
        "ADF id ADF-HTTP-1" in lead["comments"]
        and lead["vehicle_of_interest"] == "2023 Ford Escape"
    )
    people = {c["contact_id"]: c for c in export(calm, "crm", "contacts")}
    assert people[lead["contact_id"]]["email"] == "tess.adler@example.com"


def test_smtp_to_the_crm_inbox_creates_a_lead(calm: SandboxServers) -> None:
    sink = calm.servers["crm_smtp"]
    host, port = sink.url.removeprefix("smtp://").split(":")
    settings: dict[str, Any] = {
        "delivery": "smtp",
        "smtp_host": host,
        "smtp_port": int(port),
        "starttls": False,
        "mail_from": "leads@demo-motors.test",
        "mail_to": sink.credentials["recipient"],
        "vendor_name": "Demo Motors",
    }
    connector = AdfLeadConnector(settings, {})
    check = connector.check()
    assert check.ok, check.message
    before = len(export(calm, "crm", "emails"))
    result = connector.streams()["leads"].write(
        [lead_record("ADF-MAIL-1", "mail.lead@example.com")]
    )
    assert result[0].action is WriteAction.CREATED, result[0].error
    emails = export(calm, "crm", "emails")
    assert len(emails) == before + 1 and emails[-1]["lead_ids"] and not emails[-1]["error"]
    lead = next(
        x for x in export(calm, "crm", "leads") if x["lead_id"] == emails[-1]["lead_ids"][0]
    )
    assert "ADF id ADF-MAIL-1" in lead["comments"]
