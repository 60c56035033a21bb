"""The REST base: paging styles, sign-in modes, each stream's API address, and creates
that are never sent twice blindly."""

from __future__ import annotations

from typing import Any, ClassVar

import httpx
import pytest

from app.connectors.base import ConfigField
from app.connectors.errors import AmbiguousRequestError, ConnectorError, DeliveryError
from app.connectors.rest.auth import ApiKeyAuth, BearerAuth, OAuth2ClientCredentials
from app.connectors.rest.connector import RestConnector
from app.connectors.rest.paging import (
    CursorToken,
    LimitOffset,
    LinkCursor,
    NextLink,
    Page,
    PageNumber,
)
from app.connectors.rest.settings import rest_fields
from app.connectors.rest.stream import Api, RestStream
from app.connectors.rest.writes import create_once
from app.connectors.streams import StreamField, StreamSpec, WriteAction
from tests.support.http_script import Script, client_for

SPEC = StreamSpec(
    "things",
    "thing",
    (StreamField("id"), StreamField("name"), StreamField("updated")),
    "id",
    "updated",
)


def _api(script: Script, sleeps: list[float] | None = None, **kw: Any) -> Api:
    return Api(
        client_for(script, sleeps if sleeps is not None else [], **kw), "https://api.test/v1", "DMS"
    )


def _page(n: int, start: int = 0) -> list[dict[str, str]]:
    return [
        {"id": str(i), "name": f"n{i}", "updated": f"2026-01-0{1 + i % 9}"}
        for i in range(start, start + n)
    ]


def test_limit_offset_reads_until_a_short_page_and_asks_for_changes_since() -> None:
    script = Script([])
    script.replies = [
        httpx.Response(200, json={"data": _page(2)}),
        httpx.Response(200, json={"data": _page(2, 2)}),
        httpx.Response(200, json={"data": _page(1, 4)}),
    ]
    stream = RestStream(
        SPEC, _api(script), "/things", paginator=LimitOffset(), page_size=2, records="data",
        since=lambda c: {"filter": f"sdate:{c[:10]}"},
    )  # fmt: skip
    frames = list(stream.read("2026-01-01T10:00:00Z"))
    assert sum(len(f) for f in frames) == 5
    queries = [dict(r.url.params) for r in script.requests]
    assert [q["offset"] for q in queries] == ["0", "2", "4"]
    assert all(q["filter"] == "sdate:2026-01-01" and q["limit"] == "2" for q in queries)
    assert all(str(r.url).startswith("https://api.test/v1/things") for r in script.requests)
    assert stream.last_cursor == "2026-01-05"


def test_limit_offset_stops_at_the_total_the_body_gives() -> None:
    pager = LimitOffset(total="meta.total")
    page = Page("u", {"limit": 2, "offset": 2}, {"meta": {"total": 4}}, _page(2))
    assert pager.next(page) is None
    assert pager.next(Page("u", {"limit": 2, "offset": 0}, {"meta": {"total": 4}}, _page(2)))


def test_page_links_never_lead_to_another_server_or_in_circles() -> None:
    pager = PageNumber(link="links.next")
    pager.first(10)
    body = {"links": {"next": "/v1/things?page=2"}}
    url, query = pager.next(Page("https://api.test/v1/things", {}, body, []))  # type: ignore[misc]
    assert url == "https://api.test/v1/things?page=2" and query == {}
    with pytest.raises(ConnectorError, match="same next-page link twice"):
        pager.next(Page("https://api.test/v1/things", {}, body, []))
    evil = {"links": {"next": "https://evil.example/steal"}}
    with pytest.raises(ConnectorError, match="another server"):
        pager.next(Page("https://api.test/v1/things", {}, evil, []))
    numbered = PageNumber()
    assert numbered.next(Page("u", {"pageSize": 2}, {}, _page(2))) == (
        "u",
        {"pageSize": 2, "page": 2},
    )
    assert numbered.next(Page("u", {"pageSize": 2}, {}, _page(1))) is None


def test_cursor_token_and_next_link() -> None:
    cursor = CursorToken()
    assert cursor.next(Page("u", {"limit": 5}, {"has_more": True, "next_cursor": "c2"}, [])) == (
        "u",
        {"limit": 5, "cursor": "c2"},
    )
    assert cursor.next(Page("u", {}, {"has_more": False, "next_cursor": "c3"}, [])) is None
    with pytest.raises(ConnectorError, match="same page cursor twice"):
        cursor.next(Page("u", {"cursor": "c2"}, {"has_more": True, "next_cursor": "c2"}, []))
    link = NextLink(link="links.next")
    link.first(10)
    assert link.next(Page("https://a.test/x", {}, {"links": {"next": None}}, [])) is None


def test_a_cursor_answer_without_the_more_flag_goes_on_by_its_cursor() -> None:
    cursor = CursorToken()
    assert cursor.next(Page("u", {"limit": 5}, {"next_cursor": "c2"}, _page(5))) == (
        "u",
        {"limit": 5, "cursor": "c2"},
    )
    assert cursor.next(Page("u", {"limit": 5}, {"next_cursor": None}, _page(2))) is None


def test_page_numbers_stop_at_the_total_the_body_gives() -> None:
    """An API that answers a page past the end with the last page again never gives a
    short page: the total ends the read."""
    pager = PageNumber(total="totalItems")
    full = {"totalItems": 4}
    assert pager.next(Page("u", {"pageSize": 2}, full, _page(2))) == (
        "u",
        {"pageSize": 2, "page": 2},
    )
    assert pager.next(Page("u", {"pageSize": 2, "page": 2}, full, _page(2))) is None


class _Kind(RestConnector):
    kind = "test_rest_kind"
    label = "Test REST kind"
    system = "DMS"
    api_paths: ClassVar[dict[str, str]] = {"customers": "/star/v1", "orders": "/ro/v2"}
    fields: ClassVar[tuple[ConfigField, ...]] = rest_fields(
        system="DMS", streams=("customers", "orders"), base_example="https://x"
    )

    def probe(self) -> tuple[str, str, dict[str, Any]]:
        return "customers", "/customers", {"limit": 1}


def test_each_stream_has_its_api_address_and_an_override() -> None:
    kind = _Kind(
        {"base_url": "https://gw.test/dealer/", "api_base_urls": {"orders": "https://mock:4010/"}},
        {},
    )
    assert kind.api_url("customers") == "https://gw.test/dealer/star/v1"
    assert kind.api_url("orders") == "https://mock:4010"
    assert kind.api_url("other") == "https://gw.test/dealer"
    text = _Kind({"base_url": "https://gw.test", "api_base_urls": "orders = https://m.test/x"}, {})
    assert text.api_url("orders") == "https://m.test/x"


def test_sign_in_modes_and_what_each_needs() -> None:
    base = {"base_url": "https://gw.test"}
    assert isinstance(_Kind({**base, "auth_mode": "bearer"}, {"token": "t"}).auth(), BearerAuth)
    key = _Kind({**base, "auth_mode": "api_key", "api_key_header": "X-API-KEY"}, {"api_key": "k"})
    auth = key.auth()
    assert isinstance(auth, ApiKeyAuth) and auth.header == "X-API-KEY"
    oauth = _Kind({**base, "client_id": "app"}, {"client_secret": "s"}).auth()
    assert isinstance(oauth, OAuth2ClientCredentials)
    assert oauth.token_url == "https://gw.test/oauth2/token" and oauth.client_id == "app"
    legacy = _Kind(base, {"client_id": "old-app", "client_secret": "s"}).auth()
    assert isinstance(legacy, OAuth2ClientCredentials) and legacy.client_id == "old-app"
    problems = _Kind.validate({**base, "auth_mode": "oauth2"}, {})
    assert set(problems) == {"client_id", "client_secret"}
    assert set(_Kind.validate({**base, "auth_mode": "bearer"}, {})) == {"token"}
    assert _Kind.validate({**base, "auth_mode": "api_key"}, {"api_key": "k"}) == {}
    bad = _Kind.validate({**base, "api_base_urls": {"orders": "not a url"}}, {"token": "t"})
    assert "api_base_urls" in bad and "https://" in bad["api_base_urls"]
    unknown = _Kind.validate({**base, "api_base_urls": {"nope": "https://x.test"}}, {})
    assert "'nope' is not one of customers, orders" in unknown["api_base_urls"]


def test_an_unsafe_create_is_not_resent_on_an_unclear_failure() -> None:
    for failure in (
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("dropped"),
        httpx.Response(502),
    ):
        script = Script([failure, httpx.Response(201, json={"id": "X"})])
        api = _api(script)
        with pytest.raises(AmbiguousRequestError):
            api.request("POST", "/things", json={}, retry_ambiguous=False)
        assert len(script.requests) == 1
    # failures before the request left, and throttling, are retried as usual
    for safe in (httpx.ConnectError("refused"), httpx.Response(429, headers={"Retry-After": "0"})):
        script = Script([safe, httpx.Response(201, json={"id": "X"})])
        response = _api(script).request("POST", "/things", json={}, retry_ambiguous=False)
        assert response.status_code == 201 and len(script.requests) == 2


def test_create_once_looks_before_it_sends_again() -> None:
    script = Script([httpx.ReadTimeout("slow"), httpx.Response(201, json={"id": "NEW"})])
    api = _api(script)
    finds: list[str] = []

    def send() -> httpx.Response:
        return api.request("POST", "/things", json={"name": "a"}, retry_ambiguous=False)

    found = create_once(api, "the thing", send, lambda: finds.append("x") or "SRV-1", _id)
    assert found.action is WriteAction.CREATED and found.dest_id == "SRV-1"
    assert len(script.requests) == 1 and finds == ["x"]  # found: not sent again

    script = Script([httpx.ReadTimeout("slow"), httpx.Response(201, json={"id": "NEW"})])
    api = _api(script)
    created = create_once(api, "the thing", lambda: api.request(
        "POST", "/things", json={}, retry_ambiguous=False), lambda: None, _id)  # fmt: skip
    assert created.dest_id == "NEW" and len(script.requests) == 2  # not there: sent again

    script = Script([httpx.Response(422, json={"message": "name is required"})])
    api = _api(script)
    refused = create_once(api, "the thing", lambda: api.request(
        "POST", "/things", json={}, retry_ambiguous=False), lambda: None, _id)  # fmt: skip
    assert refused.action is WriteAction.REJECTED
    assert refused.error == "The DMS refused the thing: name is required (HTTP 422)"

    script = Script([httpx.ReadTimeout("slow")])
    api = _api(script)
    with pytest.raises(DeliveryError, match="not found there either"):
        create_once(api, "the thing", lambda: api.request(
            "POST", "/things", json={}, retry_ambiguous=False), lambda: None, _id)  # fmt: skip
    assert len(script.requests) == 3


def _id(response: httpx.Response) -> str:
    return str(response.json()["id"])


class _SchemeKind(RestConnector):
    kind = "scheme_test"
    label = "Scheme test"
    system = "API"
    default_auth = "api_key"
    fields: ClassVar[tuple[ConfigField, ...]] = rest_fields(
        system="API",
        streams=("things",),
        base_example="https://api.test",
        auth_modes=("api_key",),
        default_auth="api_key",
        api_key_header="Authorization",
        api_key_scheme="Vendor-Key",
    )


def test_an_api_key_can_go_after_a_scheme_word() -> None:
    base = {"base_url": "https://gw.test"}
    auth = _SchemeKind(base, {"api_key": "pk_1"}).auth()
    assert isinstance(auth, ApiKeyAuth)
    assert auth.headers(httpx.Client()) == {"Authorization": "Vendor-Key pk_1"}
    other = _SchemeKind({**base, "api_key_scheme": "Token"}, {"api_key": "pk_1"}).auth()
    assert other is not None and other.headers(httpx.Client()) == {"Authorization": "Token pk_1"}
    plain = _Kind({**base, "auth_mode": "api_key"}, {"api_key": "k"}).auth()
    assert plain is not None and plain.headers(httpx.Client()) == {"X-API-Key": "k"}
    assert "api_key_scheme" not in {f.name for f in _Kind.fields}  # only where a kind asks
    assert set(_SchemeKind.validate(base, {})) == {"api_key"}


def test_a_cursor_from_the_next_link_goes_back_to_our_own_address() -> None:
    script = Script([])
    script.replies = [
        httpx.Response(200, json={"data": _page(2), "links": {
            "next": "https://elsewhere.test/api/things?page%5Bcursor%5D=bmV4dA&page%5Bsize%5D=2"}}),
        httpx.Response(200, json={"data": _page(1, 2), "links": {"next": "https://x.test/no-cursor"}}),
    ]  # fmt: skip
    stream = RestStream(
        SPEC, _api(script), "/things", paginator=LinkCursor(), page_size=2, records="data",
        params={"sort": "updated"}, since=lambda c: {"filter": f"greater-than(updated,{c})"},
    )  # fmt: skip
    frames = list(stream.read("2026-01-01T00:00:00Z"))
    assert sum(len(f) for f in frames) == 3
    first, second = (r.url for r in script.requests)
    assert all(u.host == "api.test" and u.path == "/v1/things" for u in (first, second))
    assert dict(first.params) == {
        "sort": "updated", "page[size]": "2", "filter": "greater-than(updated,2026-01-01T00:00:00Z)"
    }  # fmt: skip
    assert dict(second.params) == {**dict(first.params), "page[cursor]": "bmV4dA"}
    again = Page("https://api.test/v1/things", {"page[cursor]": "c"},
                 {"links": {"next": "/things?page[cursor]=c"}}, [])  # fmt: skip
    with pytest.raises(ConnectorError, match="same page cursor twice"):
        LinkCursor().next(again)
