"""The demo dealership's inventory feeds: Google, Meta and website feeds uploaded to the
simulated feed receiver, republished in real time from the simulated DMS's webhooks.

``install_demo_feeds(store, port_payload)`` adds the three feed destinations and feeds
(idempotent, like ``install_demo``); ``register_webhook`` subscribes a running
``RealtimeFeeds`` receiver to the simulated DMS's inventory events.
"""

from __future__ import annotations

from typing import Any

import httpx

from app.feeds.config import FeedConfig
from app.feeds.realtime import RealtimeFeeds, RealtimeSettings, save_settings
from app.feeds.setup import save_feed
from app.formats.feeds.common import DealerInfo
from app.sandbox import demo_names
from app.services.profile_info import ProfileInfo
from app.services.profiles import ProfileService
from app.store import Store
from app.store.errors import NotFoundError

DMS = demo_names.DMS_STAR  # the inventory_vehicles stream of the STAR REST connection
DEMO_DEALER = DealerInfo(
    store_code="DEMO-001",
    name="Demo Motors of Springfield",
    street="1800 Auto Center Dr",
    city="Springfield",
    region="IL",
    postal_code="62704",
    country="US",
    phone="+12175550100",
    vdp_url="https://www.demo-dealer.example/inventory/{vin}",
    latitude="39.7817",
    longitude="-89.6501",
)
FEEDS = (
    ("google", "feed-google", "Demo feed: Google vehicle listings"),
    ("meta", "feed-meta", "Demo feed: Meta automotive catalog"),
    ("website", "feed-website", "Demo feed: dealer website"),
)


def _profile(
    profiles: ProfileService, name: str, settings: dict[str, Any], secret: dict[str, str]
) -> ProfileInfo:
    try:
        existing = profiles.get_by_name(name)
    except NotFoundError:
        return profiles.create(name, "feed_target", settings, secret, is_demo=True)
    return profiles.update(existing.id, settings=settings, secret_values=dict(secret))


def install_demo_feeds(store: Store, port_payload: dict[str, Any]) -> list[str]:
    """Create or refresh the demo feed destinations and feeds; returns the feed slugs."""
    web = port_payload["servers"]["website"]
    profiles = ProfileService(store)
    dms = profiles.get_by_name(DMS)
    slugs = []
    for channel, slug, name in FEEDS:
        target = _profile(
            profiles,
            f"Demo website receiver: {channel} feed",
            {"delivery": "http", "http_url": f"{web['url']}/feeds/{channel}", "http_method": "PUT"},
            {"api_key": web["credentials"]["api_key"]},
        )
        info = save_feed(
            store,
            slug=slug,
            name=name,
            config=FeedConfig(channel, dealer=DEMO_DEALER),
            dms_profile_id=dms.id,
            target_profile_id=target.id,
        )
        slugs.append(info.slug)
    dms_secret = port_payload["servers"]["dms"]["credentials"]["webhook_secret"]
    save_settings(store, RealtimeSettings(webhook=True, port=0), secret=dms_secret)
    return slugs


def register_webhook(dms_url: str, receiver_url: str, secret: str) -> str:
    """Subscribe ``receiver_url`` to the simulated DMS's inventory events; returns its id."""
    response = httpx.post(
        f"{dms_url}/_sandbox/webhooks",
        json={"url": receiver_url, "secret": secret, "events": ["inventory.status.changed"]},
        timeout=10,
        trust_env=False,
    )
    response.raise_for_status()
    return str(response.json()["id"])


def start_demo_realtime(store: Store, port_payload: dict[str, Any]) -> RealtimeFeeds:
    """Start the real-time feed receiver and subscribe it to the simulated DMS.
    The caller stops it with ``.stop()`` (before stopping the servers)."""
    realtime = RealtimeFeeds.from_store(store)
    url = realtime.start()
    dms = port_payload["servers"]["dms"]
    register_webhook(dms["url"], url, dms["credentials"]["webhook_secret"])
    return realtime
