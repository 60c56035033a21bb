"""Generic HTTPS endpoint with an API-key header: the simplest real connector kind."""

from __future__ import annotations

import time
from typing import ClassVar

import httpx

from app.connectors.base import CheckResult, ConfigField, Connector, FieldType


class HttpApiConnector(Connector):
    kind = "http_api"
    label = "HTTPS API (API key)"
    protocol = "HTTPS API"
    description = "Any web API that takes an API key in a request header."
    fields: ClassVar[tuple[ConfigField, ...]] = (
        ConfigField(
            "base_url",
            "Base URL",
            FieldType.URL,
            required=True,
            help="The API's address, e.g. https://api.example-crm.com/v2",
            placeholder="https://",
        ),
        ConfigField(
            "health_path",
            "Test path",
            help="Path requested by Test connection, relative to the base URL.",
            default="/",
        ),
        ConfigField(
            "api_key_header",
            "API key header",
            required=True,
            help="The request header that carries the key.",
            default="X-API-Key",
        ),
        ConfigField(
            "api_key",
            "API key",
            required=True,
            secret=True,
            help="Stored in the Windows Credential Manager / system keyring, never on disk.",
        ),
        ConfigField(
            "timeout_s",
            "Timeout (seconds)",
            FieldType.INTEGER,
            default=10,
            minimum=1,
            maximum=300,
        ),
        ConfigField(
            "verify_tls",
            "Verify TLS certificate",
            FieldType.BOOLEAN,
            default=True,
            help="Turn off only for a test server with a self-signed certificate.",
            address=True,  # off, anyone on the way could read the key
        ),
    )

    def _url(self) -> str:
        base = str(self.settings.get("base_url", "")).rstrip("/")
        path = str(self.settings.get("health_path") or "/")
        return base + ("" if path == "/" else "/" + path.lstrip("/"))

    def check(self) -> CheckResult:
        url = self._url()
        header = str(self.settings.get("api_key_header") or "X-API-Key")
        headers = {header: self.secrets.get("api_key", ""), "User-Agent": "RooftopSync"}
        timeout = float(self.settings.get("timeout_s") or 10)
        started = time.perf_counter()
        try:
            with httpx.Client(
                timeout=httpx.Timeout(timeout),
                verify=bool(self.settings.get("verify_tls", True)),
            ) as client:
                response = client.get(url, headers=headers)
        except httpx.ConnectError as exc:
            return CheckResult(False, f"Could not reach {url}: {exc or 'connection refused'}.")
        except httpx.TimeoutException:
            return CheckResult(False, f"{url} did not answer within {timeout:g} seconds.")
        except httpx.HTTPError as exc:
            return CheckResult(False, f"Talking to {url} failed: {exc}.")
        elapsed = int((time.perf_counter() - started) * 1000)
        code = response.status_code
        if code in (401, 403):
            return CheckResult(
                False, f"The server rejected the API key (HTTP {code}).", elapsed, {"status": code}
            )
        if code >= 400:
            return CheckResult(
                False,
                f"The server answered with an error (HTTP {code} {response.reason_phrase}).",
                elapsed,
                {"status": code},
            )
        return CheckResult(True, f"Connected in {elapsed} ms (HTTP {code}).", elapsed)
