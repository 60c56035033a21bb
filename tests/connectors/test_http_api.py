import socket

from app.connectors.base import FieldType
from app.connectors.http_api import HttpApiConnector
from app.connectors.registry import get_kind, kinds
from tests.support.fake_api import FakeApi


def _connector(url: str, key: str, **extra: object) -> HttpApiConnector:
    settings = {"base_url": url, "health_path": "/health", "api_key_header": "X-API-Key"}
    settings.update(extra)
    return HttpApiConnector(settings, {"api_key": key})


def test_registered_with_declared_fields() -> None:
    assert get_kind("http_api") is HttpApiConnector
    assert HttpApiConnector in kinds()
    assert HttpApiConnector.secret_field_names() == ("api_key",)
    assert HttpApiConnector.field("base_url").type is FieldType.URL


def test_check_really_connects_with_the_key(fake_api: FakeApi) -> None:
    result = _connector(fake_api.url, fake_api.api_key).check()
    assert result.ok, result.message
    assert "Connected" in result.message
    assert fake_api.requests[-1]["path"] == "/health"
    assert fake_api.requests[-1]["X-API-Key"] == fake_api.api_key


def test_wrong_key_is_reported_as_rejected(fake_api: FakeApi) -> None:
    result = _connector(fake_api.url, "wrong").check()
    assert not result.ok and "rejected the API key (HTTP 401)" in result.message


def test_server_error_is_reported(fake_api: FakeApi) -> None:
    fake_api.status = 503
    result = _connector(fake_api.url, fake_api.api_key).check()
    assert not result.ok and "HTTP 503" in result.message


def test_timeout_is_reported(fake_api: FakeApi) -> None:
    fake_api.delay_s = 2.5
    result = _connector(fake_api.url, fake_api.api_key, timeout_s=1).check()
    assert not result.ok and "did not answer within 1 seconds" in result.message


def test_unreachable_host_is_reported() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = _connector(f"http://127.0.0.1:{port}", "k").check()
    assert not result.ok and "Could not reach" in result.message


def test_validation_messages() -> None:
    problems = HttpApiConnector.validate({"base_url": "ftp://x", "timeout_s": 0}, {})
    assert problems["base_url"].startswith("Base URL must be a web address")
    assert problems["api_key"] == "API key is required."
    assert problems["timeout_s"] == "Timeout (seconds) must be at least 1."
