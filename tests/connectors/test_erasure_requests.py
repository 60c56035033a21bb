"""Deletion requests of an erasure: the CRM deletes the contact with its leads,
activities and appointments; Klaviyo runs its data-privacy deletion job. Results name
no one."""

from __future__ import annotations

import json

import httpx

from app.connectors.crm_rest import CrmRestConnector
from app.connectors.erasure import ErasesPeople, ErasureSubject
from app.connectors.klaviyo import KlaviyoConnector
from app.connectors.streams import WriteRecord
from app.sandbox.servers import SandboxServers
from tests.support.sandbox import export


def test_the_crm_deletes_the_contact_and_what_hangs_on_it(calm: SandboxServers) -> None:
    info = calm.servers["crm"]
    headers = {"X-API-Key": info.credentials["api_key"]}
    email = "forget.me@example.org"
    with httpx.Client(base_url=info.url, headers=headers, trust_env=False) as c:
        lead = c.post(
            "/leads",
            json={"source": "Website", "contact": {"first_name": "Fern", "last_name": "Gotten",
                                                   "email": email, "mobile": "+13135550177"}},
            headers={"Idempotency-Key": "erase-1"},
        ).json()  # fmt: skip
        contact_id = lead["contact_id"]
        c.post("/activities", json={"contact_id": contact_id, "type": "call", "subject": "hi",
                                    "external_id": "act-erase-1"})  # fmt: skip
    crm = CrmRestConnector({"base_url": info.url}, {"api_key": info.credentials["api_key"]})
    try:
        assert isinstance(crm, ErasesPeople)
        # linked by nothing here: found by its e-mail
        result = crm.erase_person(ErasureSubject((), (email,), ("+13135550177",)))
        again = crm.erase_person(ErasureSubject((contact_id,), (email,), ()))
    finally:
        crm.close()
    assert result.status == "deleted" and "1 contact" in result.message
    assert email not in result.message and contact_id not in result.message
    everything = json.dumps([export(calm, "crm", e) for e in ("contacts", "leads", "activities")])
    assert email not in everything and "Gotten" not in everything and contact_id not in everything
    assert again.status == "not_found" and again.ok


def test_klaviyo_is_asked_to_delete_by_email_and_phone(calm: SandboxServers) -> None:
    mkt = calm.servers["marketing"]
    settings = {"base_url": mkt.url, "rate_limit_per_s": 0, "timeout_s": 5, "job_poll_ms": 20}
    k = KlaviyoConnector(settings, {"api_key": mkt.credentials["klaviyo_api_key"]})
    try:
        k.streams()["profiles"].write([WriteRecord("z", "gz", {"email": "zap.me@example.net"})])
        assert "zap.me@example.net" in json.dumps(export(calm, "marketing", "klaviyo_profiles"))
        result = k.erase_person(ErasureSubject((), ("zap.me@example.net",), ("+13135550188",)))
    finally:
        k.close()
    assert result.status == "requested" and "2 deletion request" in result.message
    assert "zap.me" not in result.message
    assert "zap.me@example.net" not in json.dumps(export(calm, "marketing", "klaviyo_profiles"))
