"""The demo dealership's servers as tests see them: exports, a DMS client, and the check
that every DMS customer is in the CRM exactly once."""

from __future__ import annotations

from collections import Counter
from contextlib import closing
from typing import Any

import httpx

from app.sandbox.servers import SandboxServers


def export(sandbox: SandboxServers, server: str, entity: str) -> list[dict[str, Any]]:
    """Every current record of ``entity`` at a simulated server (no credentials needed)."""
    url = f"{sandbox.servers[server].url}/_sandbox/export/{entity}"
    response = httpx.get(url, timeout=30, trust_env=False)
    response.raise_for_status()
    data = response.json()
    assert isinstance(data, list)
    return data


def assert_crm_equals_dms(sandbox: SandboxServers) -> None:
    """Every DMS customer is in the CRM exactly once (by external id), with its name."""
    dms = {c["customer_id"]: c for c in export(sandbox, "dms", "customers")}
    contacts = [c for c in export(sandbox, "crm", "contacts") if c["external_id"] in dms]
    counts = Counter(c["external_id"] for c in contacts)
    assert set(counts) == set(dms), f"missing: {sorted(set(dms) - set(counts))[:5]}"
    assert max(counts.values()) == 1, "a customer was duplicated in the CRM"
    for c in contacts:
        source = dms[c["external_id"]]
        expected = (source["last_name"] or source["company_name"]).strip()
        assert c["last_name"].casefold() == " ".join(expected.split()).casefold()


def dms_client(sandbox: SandboxServers) -> httpx.Client:
    info = sandbox.servers["dms"]
    creds = info.credentials
    client = httpx.Client(base_url=info.url, timeout=30)
    token = client.post(
        creds["token_path"],
        data={"grant_type": "client_credentials"},
        auth=(creds["client_id"], creds["client_secret"]),
    ).json()["access_token"]
    client.headers.update(
        {"Authorization": f"Bearer {token}", "Subscription-Id": creds["subscription_id"]}
    )
    return client


def patch_customer(sandbox: SandboxServers, customer_id: str, changes: dict[str, str]) -> None:
    with closing(dms_client(sandbox)) as c:
        got = c.get(f"/customers/{customer_id}", headers={"Request-Id": "t1"})
        r = c.patch(
            f"/customers/{customer_id}",
            json=changes,
            headers={"Request-Id": "t2", "If-Match": got.headers["ETag"]},
        )
        r.raise_for_status()
