"""Set up (or refresh) the demo dealership's connections and flows in a data folder,
pointing at the simulated servers that are running right now; and, as they start fresh,
reset what the data folder remembered of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, or_, select

from app.sandbox.demo_flows import demo_flows
from app.sandbox.demo_names import (
    CRM,
    CRM_ELEAD,
    DMS,
    DMS_CDK,
    DMS_STAR,
    LEAD_INBOX,
    LEGACY_DMS,
    LEGACY_MARKETING,
    MARKETING,
    WEBSITE,
)
from app.sandbox.demo_retailing import install_demo_retailing
from app.services.flows import FlowService
from app.services.profile_info import ProfileInfo
from app.services.profiles import ProfileService
from app.store import Store, retailing_inbox
from app.store.errors import NotFoundError
from app.store.models import ConnectionProfile, DeliveryState, Flow, FlowState, Link, Run
from app.sync import history

DEMO_SEED = 42
DEMO_CUSTOMERS = 2_000
# Requests per second the demo's Elead connection sends: under the simulated CRM's own
# limit per key (runner.DEFAULTS), so its creates (one request per customer) are never
# answered 429.
ELEAD_RATE = 90
__all__ = [
    "CRM",
    "CRM_ELEAD",
    "DMS",
    "DMS_CDK",
    "DMS_STAR",
    "LEAD_INBOX",
    "MARKETING",
    "WEBSITE",
    "inbox_profile",
    "install_demo",
]


def inbox_profile(mailbox: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(settings, secrets) of an ``adf_inbox`` profile reading the sandbox lead mailbox
    (its port-file entry): IMAPS with the certificate pinned by its fingerprint."""
    where = urlsplit(mailbox["imap_url"])
    credentials = mailbox["credentials"]
    settings = {
        "imap_host": where.hostname,
        "imap_port": where.port,
        "username": credentials["username"],
        "folder": credentials.get("folder") or "INBOX",
        "processed_folder": "Processed",
        "cert_fingerprint": credentials["fingerprint"],
    }
    return settings, {"password": credentials["password"]}


@dataclass
class DemoInstall:
    profiles: dict[str, ProfileInfo] = field(default_factory=dict)
    flows: list[str] = field(default_factory=list)


def _profile_specs(
    servers: dict[str, Any],
) -> list[tuple[str, str, dict[str, Any], dict[str, str]]]:
    dms, crm = servers["dms"], servers["crm"]
    web, mkt = servers["website"], servers["marketing"]
    oauth = {
        "auth_mode": "oauth2",
        "token_url": dms["url"] + dms["credentials"]["token_path"],
        "client_id": dms["credentials"]["client_id"],
        "rate_limit_per_s": 0,  # the simulated DMS has no server-side limit
        "max_attempts": 8,
    }
    dms_secret = {"client_secret": dms["credentials"]["client_secret"]}
    return [
        (DMS_STAR, "star_rest", {"base_url": dms["url"], **oauth}, dms_secret),
        (
            DMS_CDK,
            "cdk_fortellis",
            {
                "base_url": dms["url"],
                **oauth,
                "subscription_id": dms["credentials"]["subscription_id"],
                "same_records_as": DMS_STAR,
            },
            dms_secret,
        ),
        (
            DMS,
            "dms_rest",
            {
                "base_url": dms["url"],
                "token_url": dms["url"] + dms["credentials"]["token_path"],
                "client_id": dms["credentials"]["client_id"],
                "subscription_id": dms["credentials"]["subscription_id"],
                "rate_limit_per_s": 50,  # the simulated DMS has no server-side limit
                "same_records_as": DMS_STAR,
            },
            {"client_secret": dms["credentials"]["client_secret"]},
        ),
        (
            CRM_ELEAD,
            "elead_crm",
            {
                "base_url": crm["url"],
                "auth_mode": "oauth2",
                "token_url": crm["url"] + crm["credentials"]["token_path"],
                "client_id": crm["credentials"]["client_id"],
                "subscription_id": crm["credentials"]["elead_subscription_id"],
                "rate_limit_per_s": ELEAD_RATE,
                "max_attempts": 8,
                "customers_on_read": True,  # leads reach the DMS with their customer
            },
            {"client_secret": crm["credentials"]["client_secret"]},
        ),
        (
            # the same CRM over its own REST API, for what Elead's API cannot carry
            # (service history activities, deal status, appointments)
            CRM,
            "crm_rest",
            {"base_url": crm["url"], "auth_mode": "api_key", "same_records_as": CRM_ELEAD},
            {"api_key": crm["credentials"]["api_key"]},
        ),
        (
            WEBSITE,
            "http_api",
            {"base_url": web["url"], "health_path": "/listings", "api_key_header": "X-API-Key"},
            {"api_key": web["credentials"]["api_key"]},
        ),
        (
            MARKETING,
            "klaviyo",
            {"base_url": mkt["url"], "max_attempts": 8, "job_poll_ms": 200},
            {"api_key": mkt["credentials"]["klaviyo_api_key"]},
        ),
        *(
            [(LEAD_INBOX, "adf_inbox", *inbox_profile(servers["lead_mailbox"]))]
            if "lead_mailbox" in servers  # a port file from before the lead mailbox
            else []
        ),
    ]


@dataclass(frozen=True)
class DemoMemoryReset:
    """What the data folder remembered of simulated systems that now start fresh."""

    flows: list[str]  # demo flows (and feeds) whose sync history was forgotten
    links: int  # identity links of the demo systems dropped with it

    def describe(self) -> str:
        if not self.flows:
            return "The simulated systems start fresh with generated data."
        return (
            "The simulated systems start fresh with generated data, so this data folder's "
            f"memory of them was reset: the sync history, cursors, retry queue and "
            f"{self.links:,} record links of {len(self.flows)} demo flow(s). The next runs "
            "send everything again."
        )


def reset_demo_memory(store: Store) -> DemoMemoryReset:
    """Forget what the demo flows delivered to the simulated systems, and those systems'
    links: the servers keep nothing between starts, so remembered links and delivered
    hashes would point at records that no longer exist (and skip-unchanged would hide
    them). Connections and flows themselves stay."""
    with store.session() as s:
        demo = [p.id for p in s.scalars(select(ConnectionProfile).where(ConnectionProfile.is_demo))]
        systems = list(s.scalars(select(ConnectionProfile.uid).where(ConnectionProfile.is_demo)))
        flows = s.execute(
            select(Flow.id, Flow.slug).where(
                or_(Flow.source_profile_id.in_(demo), Flow.dest_profile_id.in_(demo))
            )
        ).all()
        ids = [fid for fid, _slug in flows]
        remembered = {
            fid
            for model in (Run, DeliveryState, FlowState)
            for fid in s.scalars(select(model.flow_id).where(model.flow_id.in_(ids)).distinct())
        }
        links = s.scalar(select(func.count()).select_from(Link).where(Link.system.in_(systems)))
        retailing_inbox.forget(s, systems)  # deal jackets of the simulated tool's last start
        if remembered or links:
            history.forget(s, ids, systems)
        return DemoMemoryReset([slug for fid, slug in flows if fid in remembered], int(links or 0))


def install_demo(store: Store, port_payload: dict[str, Any]) -> DemoInstall:
    """Create or update the demo profiles (secrets into the keyring) and demo flows."""
    profiles = ProfileService(store)
    result = DemoInstall()
    _rename_legacy(profiles)
    _drop_legacy_marketing(profiles)
    for name, kind, settings, secret_values in _profile_specs(port_payload["servers"]):
        try:
            existing = profiles.get_by_name(name)
        except NotFoundError:
            result.profiles[name] = profiles.create(
                name, kind, settings, secret_values, is_demo=True
            )
            continue
        result.profiles[name] = profiles.update(
            existing.id, settings=settings, secret_values=dict(secret_values)
        )
    install_demo_retailing(profiles, port_payload["servers"], result.profiles)
    flows = FlowService(store)
    ids = {name: info.id for name, info in result.profiles.items()}
    for definition in demo_flows(ids):
        result.flows.append(flows.upsert(definition, comment="demo mapping").slug)
    return result


def _rename_legacy(profiles: ProfileService) -> None:
    """A data folder from before the demo spoke STAR and CDK: its DMS connection keeps its
    history under the name it has now."""
    try:
        legacy = profiles.get_by_name(LEGACY_DMS)
    except NotFoundError:
        return
    try:
        profiles.get_by_name(DMS)
    except NotFoundError:
        profiles.update(legacy.id, name=DMS)


def _drop_legacy_marketing(profiles: ProfileService) -> None:
    """A data folder from before the demo spoke Klaviyo has a marketing connection that
    only answered a connection test (no flow used it): Klaviyo replaces it."""
    try:
        legacy = profiles.get_by_name(LEGACY_MARKETING)
    except NotFoundError:
        return
    if legacy.is_demo and legacy.kind == "http_api":
        profiles.delete(legacy.id)
