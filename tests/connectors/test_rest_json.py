"""Request and answer bodies go through orjson (issue 27) and stay what httpx made of
them: the same bytes on the wire, the same values read, other encodings still read."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from app.connectors.rest.client import ResilientClient
from app.connectors.rest.stream import Api
from app.connectors.rest_helpers import response_json

BODY = {
    "idField": "externalId",
    "records": [{"name": "Zoë O'Brien \u2028 <&>", "n": 7, "none": None, "ok": True, "f": 1.5}],
}


def _api(seen: list[httpx.Request]) -> Api:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    client = ResilientClient("http://crm.test", transport=httpx.MockTransport(handler))
    return Api(client, "http://crm.test", "CRM")


def test_a_json_body_is_sent_byte_for_byte_as_httpx_would_send_it() -> None:
    seen: list[httpx.Request] = []
    _api(seen).request("POST", "/contacts/batch-upsert", json=BODY)
    expected = httpx.Request("POST", "http://crm.test/", json=BODY)
    assert seen[0].content == expected.content
    assert seen[0].headers["content-type"] == "application/json"


def test_a_vendor_media_type_is_kept_and_a_value_only_the_stdlib_takes_still_goes() -> None:
    seen: list[httpx.Request] = []
    api = _api(seen)
    api.request("PATCH", "/x", json={"a": 1}, headers={"content-type": "application/vnd.api+json"})
    assert seen[0].headers.get_list("content-type") == ["application/vnd.api+json"]
    with pytest.raises(TypeError):  # neither encoder takes a Decimal: httpx says so, as before
        api.request("POST", "/x", json={"price": Decimal("1.50")})


@pytest.mark.parametrize(
    "content",
    [
        json.dumps(BODY).encode("utf-8"),
        json.dumps(BODY, ensure_ascii=False).encode("utf-16"),  # BOM: orjson refuses, stdlib reads
        b'{"big": 123456789012345678901234567890}',  # orjson would make it a float
        b'{"id": 9223372036854775808, "n": -9223372036854775809}',  # just past 64 bits
    ],
)
def test_an_answer_reads_the_same_as_httpx_reads_it(content: bytes) -> None:
    response = httpx.Response(200, content=content)
    assert response_json(response) == response.json()


def test_an_answer_that_is_not_json_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        response_json(httpx.Response(200, content=b"<html>"))
