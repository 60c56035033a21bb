"""Segment list membership (``app.connectors.klaviyo_lists``) against Prism mocks of
Klaviyo's published ``lists.json`` and ``profiles.json``: find or create the list by
name, read its members with their consent, look people's consent up, write profiles with
campaign properties and add them, remove leavers — zero request violations, every
expected operation seen.

Patches touch response schemas only: one page per list read (``-d`` would otherwise make
up a ``links.next`` to follow for ever) and the profiles spec pinned as in
``test_klaviyo_contract`` (definite consent and profile ids)."""

from __future__ import annotations

import json
from typing import Any

from app.connectors.klaviyo_lists import KlaviyoLists
from tests.contracts.conftest import PrismMocks
from tests.contracts.test_klaviyo_contract import LISTS, PRIVACY, PROFILES, _connector, pinned


def one_page(spec: dict[str, Any]) -> dict[str, Any]:
    links = spec["components"]["schemas"]["CollectionLinks"]
    links["properties"].pop("next", None)
    links["additionalProperties"] = False
    return spec


def test_list_membership_follows_the_specs(prism_mocks: PrismMocks) -> None:
    profiles = prism_mocks(PROFILES, dynamic=True, patch=pinned)
    lists = prism_mocks(LISTS, dynamic=True, patch=one_page)
    privacy = prism_mocks(PRIVACY, dynamic=True)
    k = _connector(profiles, lists, privacy, bulk_threshold=100)
    km = KlaviyoLists(k)
    list_id, _created = km.find_or_create("Lease maturity 90 days")
    assert list_id
    km.find_or_create('Service "lapsed", 12 months')  # quotes and commas in the filter
    km.members(list_id)
    works = km.consent([("ann.walker@example.com", ""), ("", "(313) 555-0100")])
    assert [w.current["email"].state for w in works] == ["never_subscribed"] * 2
    props = {
        "dms_customer_id": "C100001",
        "vehicle_year": "2023",
        "vehicle_make": "Ford",
        "vehicle_model": "F-150",
        "lease_end_date": "2026-12-01",
        "equity": "4210.00",
        "declined_work": "Front brake pads at 3mm",
    }
    rows = [
        (
            "C100001",
            {
                "email": "ann.walker@example.com",
                "first_name": "Ann",
                "last_name": "Walker",
                "properties": json.dumps(props),
            },
        ),
        (
            "C100002",
            {
                "phone_number": "(313) 555-0100",
                "first_name": "Bo",
                "last_name": "Li",
                "properties": json.dumps({"equity": "10.00"}),
            },
        ),
    ]
    done = km.upsert(list_id, rows)
    assert all(d.profile_id and not d.error for d in done), done
    assert km.remove(list_id, ["01GDDKASAP8TKDDA2GRZDSVP4H"]) == []
    k.close()
    lists.assert_clean(
        [
            ("GET", "/api/lists"),
            ("POST", "/api/lists"),
            ("GET", "/api/lists/{id}/profiles"),
            ("POST", "/api/lists/{id}/relationships/profiles"),
            ("DELETE", "/api/lists/{id}/relationships/profiles"),
        ]
    )
    profiles.assert_clean([("GET", "/api/profiles"), ("POST", "/api/profile-import")])
