"""The digital-retailing connection: its webhook door (signature, replay window, sensitive
data, newest version only), the inbox streams, the poll, and the deal status back."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.connectors.digital_retailing import DigitalRetailingConnector
from app.connectors.digital_retailing_receiver import WebhookServer, signature
from app.connectors.rest.client import ResilientClient, RetryPolicy
from app.connectors.streams import WriteAction, WriteRecord
from app.formats.star.codec import format_timestamp
from app.sandbox.servers.retailing_deals import bump, jacket_body, new_deal
from app.services.profiles import ProfileService
from app.store import Store, retailing_inbox

SECRET = "shh-retailing-secret"
UNIT = {"vin": "1G4AH59H45G118341", "stock_number": "N1001", "year": "2026",
        "make": "Buick", "model": "Enclave", "price": "45999.00"}  # fmt: skip


def _now() -> str:
    return format_timestamp(datetime.now(UTC))


def _jacket(
    key: str = "DR-1", version: int = 1, seed: int | None = None, **changes: str
) -> dict[str, Any]:
    rng = random.Random(f"{key}/{seed}")  # one shopper per deal (and seed)
    deal = new_deal(rng, key, 1, [UNIT], [], {}, existing_share=0.0, stamp=_now())
    for _ in range(version):
        bump(deal, _now(), changes)
    return jacket_body(deal, f"evt-{key}-{version}", _now())


def _connector(store: Store, **settings: Any) -> DigitalRetailingConnector:
    profiles = ProfileService(store)
    info = profiles.create(
        "Deal builder",
        "digital_retailing",
        {"base_url": "https://tool.invalid", "listen_port": 0, "max_attempts": 1, **settings},
        {"api_key": "k-1", "webhook_secret": SECRET},
    )
    connector = profiles.connector(info.id)
    assert isinstance(connector, DigitalRetailingConnector)
    return connector


@pytest.fixture
def receiver(store: Store) -> Iterator[tuple[WebhookServer, list[str]]]:
    connector = _connector(store)
    heard: list[str] = []
    server = connector.webhook_server(connector.intake(lambda j: heard.append(j.deal_key)))
    server.start()
    yield server, heard
    server.stop()


def _post(server: WebhookServer, body: Any, *, secret: str = SECRET, **headers: str) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = {
        "Content-Type": "application/json",
        "X-Signature-SHA256": "sha256=" + signature(secret, raw),
    }
    sent.update(headers)
    return httpx.post(server.url, content=raw, headers=sent, timeout=10, trust_env=False)


def test_signed_jackets_are_kept_once_and_only_the_newest(
    store: Store, receiver: tuple[WebhookServer, list[str]]
) -> None:
    server, heard = receiver
    first = _post(server, _jacket(version=1))
    assert (first.status_code, first.json()["result"]) == (202, "stored")
    again = _post(server, _jacket(version=1))  # the tool missed our answer
    assert (again.status_code, again.json()["result"]) == (202, "duplicate")
    newer = _post(server, _jacket(version=3))
    late = _post(server, _jacket(version=2))  # arrives after version 3
    assert newer.json()["result"] == "stored"
    assert (late.status_code, late.json()["result"]) == (202, "stale")
    assert heard == ["DR-1", "DR-1"]
    with store.session() as s:
        (kept,) = retailing_inbox.since(s, next(iter(_uids(store))), 0)
    assert kept.version == 3 and kept.seq == 2


def _uids(store: Store) -> list[str]:
    return [p.uid for p in ProfileService(store).list() if p.kind == "digital_retailing"]


@pytest.mark.parametrize(
    ("tamper", "status", "words"),
    [
        ({"secret": "not-it"}, 401, "signature does not match"),
        ({"X-Signature-SHA256": ""}, 401, "no x-signature-sha256 header"),
        ({"body": b"{not json"}, 400, "not JSON"),
        ({"body": b"[1, 2]"}, 400, "not a JSON object"),
        ({"sent_at": "2020-01-01T00:00:00Z"}, 401, "replay window"),
        ({"sent_at": None}, 401, "no sent_at"),
        ({"no_key": True}, 422, "vehicle_invoice_key"),
    ],
)
def test_refused_deliveries_keep_nothing(
    store: Store,
    receiver: tuple[WebhookServer, list[str]],
    tamper: dict[str, Any],
    status: int,
    words: str,
) -> None:
    server, heard = receiver
    body: Any = _jacket()
    if "sent_at" in tamper:
        body["sent_at"] = tamper["sent_at"]
    if tamper.get("no_key"):
        del body["vehicle_invoice"]["vehicle_invoice_key"]
    body = tamper.get("body", body)
    headers = {k: v for k, v in tamper.items() if k.startswith("X-")}
    answer = _post(server, body, secret=tamper.get("secret", SECRET), **headers)
    assert answer.status_code == status
    assert words in json.dumps(answer.json())
    assert heard == []
    with store.session() as s:
        assert retailing_inbox.count(s, _uids(store)[0]) == 0


def test_plumbing_answers(receiver: tuple[WebhookServer, list[str]]) -> None:
    server, _ = receiver
    with httpx.Client(timeout=10, trust_env=False) as c:
        assert c.get(server.url).status_code == 405
        assert (
            c.post(server.url.replace("/retailing/deals", "/other"), content=b"{}").status_code
            == 404
        )
        big = c.post(server.url, content=b"x" * (1024 * 1024 + 1))
        assert big.status_code == 413


def test_sensitive_data_never_reaches_the_inbox(
    store: Store, receiver: tuple[WebhookServer, list[str]]
) -> None:
    server, _ = receiver
    for seed in range(40):  # until a deal with a credit application comes up
        body = _jacket(seed=seed)
        if "credit_authorization" in body:
            break
    ssn = body["vehicle_invoice"]["party_references"][0]["snapshot_detail"]["value"]
    answer = _post(server, body)
    assert answer.json()["result"] == "stored" and answer.json()["refused_fields"] >= 3
    with store.session() as s:
        (kept,) = retailing_inbox.since(s, _uids(store)[0], 0)
    text = json.dumps(kept.body)
    assert ssn not in text and "TRADELINE" not in text and "credit_report" not in text
    assert kept.body["credit_authorization"]["credit_authorization_key"]


def test_streams_read_the_inbox_by_its_cursor(
    store: Store, receiver: tuple[WebhookServer, list[str]]
) -> None:
    server, _ = receiver
    _post(server, _jacket("DR-1", 1))
    _post(server, _jacket("DR-2", 1))
    _post(server, _jacket("DR-1", 2, down_payment="4321.00"))
    connector = _connector_again(store)
    deals = connector.streams()["deals"]
    (frame,) = list(deals.read(None))
    assert list(frame["deal_id"]) == ["DR-2", "DR-1"]
    assert frame.set_index("deal_id").loc["DR-1", "down_payment"] == "4321.00"
    assert list(frame["received_seq"]) == ["000000000002", "000000000003"]
    assert list(deals.read("000000000003")) == []
    (after,) = list(deals.read("000000000002"))
    assert list(after["deal_id"]) == ["DR-1"]
    shoppers = next(iter(connector.streams()["shoppers"].read(None)))
    assert set(shoppers["deal_id"]) == {"DR-1", "DR-2"} and all(shoppers["last_name"])
    fetched = deals.fetch(["DR-1"])
    assert list(fetched["version"]) == ["2"]


def _mocked(connector: DigitalRetailingConnector, handler: Any) -> DigitalRetailingConnector:
    """The connector's one client, answering from ``handler``."""
    connector._client = ResilientClient(
        connector.base_url,
        connector.auth(),
        retry=RetryPolicy(max_attempts=1),
        default_headers=connector.default_headers(),
        transport=httpx.MockTransport(handler),
    )
    return connector


def _connector_again(store: Store) -> DigitalRetailingConnector:
    profiles = ProfileService(store)
    (info,) = [p for p in profiles.list() if p.kind == "digital_retailing"]
    connector = profiles.connector(info.id)
    assert isinstance(connector, DigitalRetailingConnector)
    return connector


def test_an_unsaved_connection_cannot_receive(store: Store) -> None:
    loose = DigitalRetailingConnector({"base_url": "https://tool.invalid"}, {})
    with pytest.raises(Exception, match="saved"):
        loose.intake()
    problems = DigitalRetailingConnector.validate(
        {"base_url": "https://tool.invalid", "webhook_path": "deals"}, {"api_key": "k"}
    )
    assert "signing secret" in problems["webhook_secret"]
    assert "path" in problems["webhook_path"]
    assert not DigitalRetailingConnector.validate(
        {"base_url": "https://tool.invalid", "listen": False}, {"api_key": "k"}
    )


def test_the_feed_is_polled_through_the_same_door(store: Store) -> None:
    feed = [_jacket("DR-1", 1), _jacket("DR-2", 1), _jacket("DR-1", 1)]
    feed[1]["sent_at"] = format_timestamp(datetime.now(UTC) - timedelta(days=3))  # old: fine
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["X-API-Key"] == "k-1"
        after = int(request.url.params.get("after") or 0)
        asked.append(str(after))
        page = feed[after : after + 2]
        nxt = after + len(page)
        return httpx.Response(
            200, json={"data": page, "has_more": nxt < len(feed), "next_after": str(nxt)}
        )

    connector = _mocked(_connector(store), answer)
    intake = connector.intake()
    assert connector.poll(intake) == "3"
    assert asked == ["0", "2"]
    assert intake.stats["stored"] == 2 and intake.stats["duplicate"] == 1


def test_deal_status_goes_back_as_a_star_merge_patch(store: Store) -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.url.path.endswith("/DR-404"):
            return httpx.Response(404, json={"errors": [{"message": "no such deal"}]})
        return httpx.Response(200, json={"vehicle_invoice_key": "DR-1"})

    connector = _mocked(_connector(store), answer)
    stream = connector.streams()["deal_status"]
    results = stream.write(
        [
            WriteRecord("DR-1", "g1", {"deal_id": "DR-1", "status": "ISSUED"}, dest_id="DR-1"),
            WriteRecord("DR-404", "g2", {"deal_id": "DR-404", "status": "VOIDED"}),
            WriteRecord("DR-3", "g3", {"deal_id": "DR-3", "sale_price": "1"}),
        ]
    )
    assert [r.action for r in results] == [
        WriteAction.UPDATED,
        WriteAction.REJECTED,
        WriteAction.REJECTED,
    ]
    assert "does not know deal DR-404" in (results[1].error or "")
    assert "Not a field of deal_status" in (results[2].error or "")
    first = sent[0]
    assert first.method == "PATCH"
    assert first.url.path == "/v1/v1_0_0/vehicle-invoices/DR-1"
    assert first.headers["Content-Type"] == "application/merge-patch+json"
    assert first.headers["Transaction-ID"] and first.headers["Correlation-ID"]
    assert json.loads(first.content) == {"invoice_status_type": "ISSUED"}
