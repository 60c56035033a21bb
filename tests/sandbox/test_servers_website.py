"""The website / ad-channel feed receiver: full-feed replace, row rejections, listings."""

from __future__ import annotations

import httpx

from app.sandbox.servers import SandboxServers
from tests.support.sandbox_api import client

HEADER = "VIN,Stock,Year,Make,Model,Price\n"
GOOD = [
    "1G4AH59H45G118341,S1,2005,Buick,LaCrosse,4999",
    '1FADP5AU6DL536022,S2,2013,Ford,C-Max,"$10,499.00"',
]


def _put(
    servers: SandboxServers, channel: str, body: str, content_type: str = "text/csv"
) -> httpx.Response:
    site = servers.servers["website"]
    with client() as c:
        return c.put(
            f"{site.url}/feeds/{channel}",
            content=body.encode("utf-8"),
            headers={"X-API-Key": site.credentials["api_key"], "Content-Type": content_type},
        )


def _listings(servers: SandboxServers, channel: str = "website") -> list[dict[str, str]]:
    site = servers.servers["website"]
    with client() as c:
        r = c.get(
            f"{site.url}/listings",
            params={"channel": channel},
            headers={"X-API-Key": site.credentials["api_key"]},
        )
    r.raise_for_status()
    return list(r.json()["items"])


def test_feed_rejects_bad_rows_and_replaces_listings(servers: SandboxServers) -> None:
    rows = [
        "1G4AH59H45G118341,S1,2005,Buick,LaCrosse,4999",
        '"1FADP5AU6DL536022",S2,2013,Ford,C-Max,"10,499 USD"',
        "1G4AH59H45G118341,S3,2005,Buick,LaCrosse,5100",  # duplicate VIN
        "JH4KA7561PC008269,S4,1993,Acura,,7000",  # no model
        "SHORTVIN,S5,2020,Kia,Soul,9000",
        "2T1BURHE0JC034387,S6,2018,Toyota,Corolla,cheap",
        "2T1BURHE0JC034388,S7,20X8,Toyota,Corolla,9000",
        "2T1BURHE0JC034389,S8,2018,Toyota,Corolla,$9,000",  # unquoted comma: one cell too many
    ]
    r = _put(servers, "website", HEADER + "\n".join(rows) + "\n")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] == 2
    reasons = {x["row"]: x["reason"] for x in body["rejected"]}
    assert set(reasons) == {3, 4, 5, 6, 7, 8}
    assert "duplicate" in reasons[3] and "row 1" in reasons[3]
    assert "model" in reasons[4]
    assert "VIN" in reasons[5]
    assert "price" in reasons[6]
    assert "year" in reasons[7]
    assert "more fields" in reasons[8]
    assert body["rejected"][0]["vin"] == "1G4AH59H45G118341"
    assert [x["vin"] for x in _listings(servers)] == ["1G4AH59H45G118341", "1FADP5AU6DL536022"]

    # the next full feed without the Buick (sold) removes it from the listings
    assert _put(servers, "website", HEADER + GOOD[1] + "\n").json()["accepted"] == 1
    assert [x["vin"] for x in _listings(servers)] == ["1FADP5AU6DL536022"]


def test_missing_required_column_keeps_old_listings(servers: SandboxServers) -> None:
    _put(servers, "website", HEADER + "\n".join(GOOD))
    r = _put(servers, "website", "VIN,Make,Model,Year\n1G4AH59H45G118341,Buick,LaCrosse,2005\n")
    assert r.status_code == 422
    assert r.json()["field"] == "price"
    assert len(_listings(servers)) == 2
    assert _put(servers, "website", "").status_code == 400


def test_tsv_detection_bom_and_channels(servers: SandboxServers) -> None:
    tsv = "\ufeffvin\tprice\tcondition\tstore_code\n1G4AH59H45G118341\t4999 USD\tused\tDEMO1\n"
    r = _put(servers, "google", tsv, content_type="application/octet-stream")
    assert r.json() == {**r.json(), "accepted": 1, "format": "tsv", "rejected": []}
    meta = (
        "vehicle_id,vin,make,model,year,price\n"
        "V1,,Ford,Focus,2016,8000 USD\n"
        "V1,,Ford,Focus,2016,8100\n"
    )
    body = _put(servers, "meta", meta).json()
    assert body["accepted"] == 1
    assert "duplicate" in body["rejected"][0]["reason"]
    assert _listings(servers, "google")[0]["store_code"] == "DEMO1"
    assert _listings(servers, "website") == []
    assert _put(servers, "tiktok", tsv).status_code == 404
    site = servers.servers["website"]
    with client() as c:
        assert c.put(f"{site.url}/feeds/website", content=b"x").status_code == 401
        last = c.get(
            f"{site.url}/feeds/google", headers={"X-API-Key": site.credentials["api_key"]}
        ).json()
        assert last["accepted"] == 1
        assert c.get(f"{site.url}/_sandbox/stats").json()["counts"]["meta"] == 1
