"""The demo dealership's servers as tests see them: exports, a DMS client, a DMS
customer's CRM contact (by the links the flows made), and the check that every DMS
customer is in the CRM exactly once."""

from __future__ import annotations

from contextlib import closing
from typing import Any

import httpx
from sqlalchemy import select

from app.sandbox.demo_names import CRM_ELEAD, DMS_STAR
from app.sandbox.servers import SandboxServers
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import DeliveryState, Flow, Link


def export(sandbox: SandboxServers, server: str, entity: str) -> list[dict[str, Any]]:
    """Every current record of ``entity`` at a simulated server (no credentials needed)."""
    url = f"{sandbox.servers[server].url}/_sandbox/export/{entity}"
    response = httpx.get(url, timeout=30, trust_env=False)
    response.raise_for_status()
    data = response.json()
    assert isinstance(data, list)
    return data


def linked(store: Store, key: str, source: str = DMS_STAR, to: str = CRM_ELEAD) -> str | None:
    """The id, in the connection named ``to``, of the customer known as ``key`` in the
    connection named ``source`` (through the identity links the flows made)."""
    profiles = ProfileService(store)
    systems = [profiles.identity_system(profiles.get_by_name(n)) for n in (source, to)]
    with store.session() as s:
        gold = s.scalar(
            select(Link.golden_id).where(
                Link.entity == "customer", Link.system == systems[0], Link.external_id == key
            )
        )
        return s.scalar(
            select(Link.external_id)
            .where(Link.entity == "customer", Link.system == systems[1], Link.golden_id == gold)
            .order_by(Link.id)
            .limit(1)
        )


def crm_contact_of(store: Store, sandbox: SandboxServers, customer_id: str) -> dict[str, Any]:
    """The CRM contact the demo flows made or updated for a DMS customer (Elead has no
    external id: the link says which)."""
    contact_id = linked(store, customer_id)
    contacts = {c["contact_id"]: c for c in export(sandbox, "crm", "contacts")}
    assert contact_id in contacts, f"{customer_id} has no CRM contact ({contact_id})"
    return contacts[contact_id]


def crm_contact_ids(sandbox: SandboxServers) -> set[str]:
    return {c["contact_id"] for c in export(sandbox, "crm", "contacts")}


def assert_crm_equals_dms(
    store: Store, sandbox: SandboxServers, before: set[str], flow: str = "customers-dms-to-crm"
) -> None:
    """Nothing lost, nothing created twice: every DMS customer was delivered to a CRM
    contact that exists, with its name, and every contact made since ``before`` (the
    CRM's contact ids then) is one of those. (Two DMS copies of one person may share a
    contact: a create retried after an unclear answer finds the customer by e-mail.)"""
    dms = {c["customer_id"]: c for c in export(sandbox, "dms", "customers")}
    contacts = {c["contact_id"]: c for c in export(sandbox, "crm", "contacts")}
    with store.session() as s:
        flow_id = s.scalar(select(Flow.id).where(Flow.slug == flow))
        delivered = dict(
            s.execute(
                select(DeliveryState.record_key, DeliveryState.dest_id).where(
                    DeliveryState.flow_id == flow_id
                )
            ).all()
        )
    missing = sorted(cid for cid in dms if delivered.get(cid) not in contacts)
    assert not missing, f"missing: {missing[:5]}"
    orphans = set(contacts) - before - set(delivered.values())
    assert not orphans, f"{len(orphans)} contacts created twice, e.g. {sorted(orphans)[:3]}"
    for cid, source in dms.items():
        expected = (source["last_name"] or source["company_name"]).strip()
        got = contacts[str(delivered[cid])]["last_name"]
        assert got.casefold() == " ".join(expected.split()).casefold(), (cid, got, expected)


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
