"""The contract-test harness itself: real Prism, plain httpx requests.

Most tests use STAR's customer spec (tests/contracts/specs/star/customer.yaml); the
mechanics (start-up failures, port collisions, stopping) use a tiny spec that starts fast.
"""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.contracts.conftest import PrismMocks
from tests.support.prism import (
    PrismMock,
    PrismNotInstalled,
    PrismStartError,
    drop_query_params,
    load_spec,
    parse_log,
    violations_in,
)

CUSTOMER_SPEC = "star/customer.yaml"

# Every header STAR's customer spec marks `required: true` (see specs/README.md), with
# values its schemas accept, plus credentials for its security requirement.
STAR_HEADERS = {
    "Authorization": "Bearer test-token",
    "Transaction-ID": "550e8400-e29b-41d4-a716-446655440000",
    "Standards-Version": "2026.01",
    "Country-Code": "1",
    "Locale": "en-US",
    "Correlation-ID": "550e8400-e29b-41d4-a716-446655440000",
    "Org-Version": "2026.01",
    "Preference-Applied": "return=minimal",
    "Source-System": "ROOFTOP_SYNC",
}


@pytest.fixture
def customers(prism_mocks: PrismMocks) -> PrismMock:
    return prism_mocks(CUSTOMER_SPEC)


def get(mock: PrismMock, path: str, headers: dict[str, str] | None = None, **params: Any) -> int:
    r = httpx.get(
        mock.url + path,
        headers=STAR_HEADERS if headers is None else headers,
        params=params,
        timeout=30,
    )
    return r.status_code


def without(name: str) -> dict[str, str]:
    return {k: v for k, v in STAR_HEADERS.items() if k != name}


def test_a_valid_request_is_clean_and_its_operation_listed(customers: PrismMock) -> None:
    status = get(customers, "/customers", limit=1, filter="sdate:2026-02-09,edate:2026-02-09")

    assert status == 200
    assert customers.violations() == []
    assert customers.operations() == [("GET", "/customers")]
    customers.assert_clean([("GET", "/customers")])


def test_the_specs_own_bad_examples_are_not_request_violations(customers: PrismMock) -> None:
    get(customers, "/customers", limit=1)

    assert customers.violations() == []
    problems = customers.response_problems()
    assert problems and all("Violation: response" in p for p in problems)


def test_a_missing_required_header_is_a_violation(customers: PrismMock) -> None:
    status = get(customers, "/customers", headers=without("Transaction-ID"), limit=1)

    assert status == 400
    [v] = customers.violations()
    assert (v.method, v.path) == ("GET", "/customers")
    assert "transaction-id" in v.message
    with pytest.raises(AssertionError, match="transaction-id"):
        customers.assert_clean([("GET", "/customers")])


@pytest.mark.parametrize(
    ("limit", "words"), [(500, "limit must be <= 100"), ("many", "limit must be integer")]
)
def test_a_bad_query_parameter_is_a_violation(
    customers: PrismMock, limit: object, words: str
) -> None:
    get(customers, "/customers", limit=limit)

    assert [v.message for v in customers.violations()] == [f"Request query parameter {words}"]


def test_a_header_breaking_its_format_is_a_violation(customers: PrismMock) -> None:
    get(customers, "/customers", headers={**STAR_HEADERS, "Correlation-ID": "not-a-uuid"})

    assert [v.message for v in customers.violations()] == [
        'Request header parameter correlation-id must match format "uuid"'
    ]


def test_missing_credentials_are_a_violation(customers: PrismMock) -> None:
    assert get(customers, "/customers", headers=without("Authorization")) == 401

    assert [v.message for v in customers.violations()] == ["Invalid security scheme used"]


def test_an_operation_the_spec_does_not_have_is_a_violation(customers: PrismMock) -> None:
    assert httpx.put(customers.url + "/customers", headers=STAR_HEADERS).status_code == 405
    assert get(customers, "/customer-list") == 404

    assert [(v.method, v.path, v.code) for v in customers.violations()] == [
        ("PUT", "/customers", "NO_METHOD_MATCHED_ERROR"),
        ("GET", "/customer-list", "NO_PATH_MATCHED_ERROR"),
    ]


def test_assert_clean_fails_when_nothing_was_called(customers: PrismMock) -> None:
    with pytest.raises(AssertionError) as failed:
        customers.assert_clean([("GET", "/customers")])

    assert "expected operations Prism never received (1):\n    GET /customers" in str(failed.value)
    assert "operations received: none" in str(failed.value)


def test_assert_clean_fails_when_an_expected_operation_never_happened(
    customers: PrismMock,
) -> None:
    get(customers, "/customers", limit=1)

    with pytest.raises(AssertionError, match=r"never received \(1\):\n    POST /customers"):
        customers.assert_clean([("GET", "/customers"), ("POST", "/customers")])


def test_assert_clean_needs_an_expected_operation(customers: PrismMock) -> None:
    with pytest.raises(ValueError, match="at least one operation"):
        customers.assert_clean([])


def test_expected_operations_may_be_path_templates(customers: PrismMock) -> None:
    get(customers, "/customers/870747795168952321")

    customers.assert_clean([("get", "/customers/{customer-key}")])
    with pytest.raises(AssertionError):
        customers.assert_clean([("GET", "/customers/{customer-key}/privacy-policy-rules")])


def test_each_use_of_the_fixture_sees_only_its_own_requests(prism_mocks: PrismMocks) -> None:
    first = prism_mocks(CUSTOMER_SPEC)
    get(first, "/customers", headers=without("Locale"))
    assert len(first.violations()) == 1

    second = prism_mocks(CUSTOMER_SPEC)
    assert second is first
    assert second.operations() == [] and second.violations() == []


# -- spec patches: the Power Platform copies' gateway query parameters ---------------------

GATEWAY_PARAMS = drop_query_params("client_id", "client_secret", "subscription_id")


def test_a_patched_spec_drops_the_gateway_query_parameters(prism_mocks: PrismMocks) -> None:
    original = prism_mocks("elead/customer-sales.swagger.json")
    patched = prism_mocks("elead/customer-sales.swagger.json", patch=GATEWAY_PARAMS)
    customer = f"/{uuid.uuid4()}"  # Prism ignores the spec's basePath: the mock answers at /
    headers = {"Request-Id": str(uuid.uuid4()), "Subscription-Id": "sub-1"}

    httpx.get(original.url + customer, headers=headers)
    httpx.get(patched.url + customer, headers=headers)

    missing = {v.message for v in original.violations()}
    assert missing == {
        f"Request query must have required property '{name}'"
        for name in ("client_id", "client_secret", "subscription_id")
    }
    patched.assert_clean([("GET", "/{customerId}")])


# -- mechanics, on a tiny spec --------------------------------------------------------------

TINY_SPEC = """\
openapi: 3.0.3
info: {title: tiny, version: "1"}
paths:
  /ping:
    get:
      parameters:
        - {name: n, in: query, required: true, schema: {type: integer}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {ok: {type: boolean}}}
"""


@pytest.fixture(scope="module")
def tiny_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tiny") / "tiny.yaml"
    path.write_text(TINY_SPEC, encoding="utf-8")
    return path


def test_a_violation_without_a_spec_response_is_reported_once(
    prism_mocks: PrismMocks, tiny_spec: Path
) -> None:
    tiny = prism_mocks(tiny_spec)
    # No 4xx in the spec: Prism makes up a 422 and logs no "Violation:" line.
    assert httpx.get(tiny.url + "/ping").status_code == 422

    assert [v.message for v in tiny.violations()] == [
        "Request query must have required property 'n'"
    ]
    assert "UNPROCESSABLE_ENTITY" in tiny.raw_log()


def test_a_patch_is_applied_to_a_copy(prism_mocks: PrismMocks, tiny_spec: Path) -> None:
    def optional_n(spec: dict[str, Any]) -> dict[str, Any]:
        spec["paths"]["/ping"]["get"]["parameters"][0]["required"] = False
        return spec

    tiny = prism_mocks(tiny_spec, patch=optional_n)
    assert httpx.get(tiny.url + "/ping").status_code == 200

    tiny.assert_clean([("GET", "/ping")])
    assert "required: true" in tiny_spec.read_text(encoding="utf-8")


def test_specs_are_read_as_yaml_1_2_like_prism_does(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text("a: NO\nb: 14:30:00\nc: 2026-07-30T19:20:52Z\nd: 0123\ne: true\nf: 1.5\n")

    assert load_spec(spec) == {
        "a": "NO",
        "b": "14:30:00",
        "c": "2026-07-30T19:20:52Z",
        "d": 123,
        "e": True,
        "f": 1.5,
    }


def test_dynamic_mode_passes_d(tiny_spec: Path) -> None:
    assert "-d" in PrismMock(tiny_spec, dynamic=True)._command(tiny_spec, 4010)
    assert "-d" not in PrismMock(tiny_spec)._command(tiny_spec, 4010)


def test_a_taken_port_is_retried_on_another(tiny_spec: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with PrismMock(tiny_spec, port=port) as tiny:
            assert tiny.url.startswith("http://127.0.0.1:")
            assert tiny.url != f"http://127.0.0.1:{port}"
            assert httpx.get(tiny.url + "/ping", params={"n": 1}).status_code == 200


def test_stopping_leaves_no_process(tiny_spec: Path) -> None:
    with PrismMock(tiny_spec) as tiny:
        pid = tiny.pid
        assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_spec_prism_cannot_serve_fails_with_its_reason(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text('openapi: 3.0.3\ninfo: {title: x, version: "1"}\npaths: {}\n')

    with pytest.raises(PrismStartError, match="No operations found in the current file"):
        PrismMock(empty).start()


def test_missing_prism_says_to_run_setup(tiny_spec: Path, tmp_path: Path) -> None:
    with pytest.raises(PrismNotInstalled, match=r"run scripts/setup\.sh"):
        PrismMock(tiny_spec, prism_cli=tmp_path / "no-prism.js").start()


def test_missing_node_says_to_run_setup(
    tiny_spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PrismNotInstalled, match=r"`node` is not on PATH: run scripts/setup\.sh"):
        PrismMock(tiny_spec).start()


# -- the log parser on Prism's real output --------------------------------------------------

REAL_LOG = """\
[8:13:51 PM] › [CLI] …  awaiting  Starting Prism…
[8:13:51 PM] › [CLI] ▶  start     Prism is listening on http://127.0.0.1:4021
[8:13:51 PM] › [HTTP SERVER] get /__prism_harness__/sync/0f1e ℹ  info      Request received
[8:13:51 PM] › [HTTP SERVER] get /__prism_harness__/sync/0f1e ✖  error     Request terminated with error: https://stoplight.io/prism/errors#NO_PATH_MATCHED_ERROR: Route not resolved, no path matched
[8:13:51 PM] › [HTTP SERVER] get /customers ℹ  info      Request received
[8:13:51 PM] ›     [NEGOTIATOR] ℹ  info      Request contains an accept header: */*
[8:13:51 PM] ›     [VALIDATOR] ✔  success   The request passed the validation rules. Looking for the best response
[8:13:51 PM] ›     [NEGOTIATOR] ✔  success   Responding with the requested status code 200
[8:13:52 PM] ›     [VALIDATOR] ✖  error     Violation: response.body.data.0.end_time Response body property data.0.end_time must match pattern "^([01]\\d|2[0-3]):([0-5]\\d):([0-5]\\d)$"
[8:13:52 PM] › [HTTP SERVER] get /customers ℹ  info      Request received
[8:13:52 PM] ›     [NEGOTIATOR] ℹ  info      Request contains an accept header: */*
[8:13:52 PM] ›     [VALIDATOR] ⚠  warning   Request did not pass the validation rules
[8:13:52 PM] ›     [VALIDATOR] ✖  error     Request header must have required property 'transaction-id'
[8:13:52 PM] ›     [NEGOTIATOR] ✔  success   Found response 400. I'll try with it.
[8:13:52 PM] ›     [NEGOTIATOR] ℹ  info      > Responding with "400"
[8:13:52 PM] ›     [VALIDATOR] ✖  error     Violation: request.header Request header must have required property 'transaction-id'
[8:13:52 PM] › [HTTP SERVER] put /customers ℹ  info      Request received
[8:13:52 PM] › [HTTP SERVER] put /customers ✖  error     Request terminated with error: https://stoplight.io/prism/errors#NO_METHOD_MATCHED_ERROR: Route resolved, but no method matched
"""  # noqa: E501


def test_the_parser_reads_prisms_real_lines() -> None:
    lines = parse_log(REAL_LOG)

    assert [(ln.method, ln.path) for ln in lines if ln.message == "Request received"] == [
        ("GET", "/customers"),
        ("GET", "/customers"),
        ("PUT", "/customers"),
    ]
    assert [str(v) for v in violations_in(lines)] == [
        "GET /customers: Request header must have required property 'transaction-id'",
        "PUT /customers: Route resolved, but no method matched [NO_METHOD_MATCHED_ERROR]",
    ]
