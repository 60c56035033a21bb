"""Talk to the simulated servers over HTTP as a client would: a plain loopback client and
the DMS's OAuth token and headers."""

from __future__ import annotations

import httpx

from app.sandbox.servers import SandboxServers


def client(timeout: float = 5.0) -> httpx.Client:
    # Everything is plain http on loopback; verify=False just skips loading CA certs (slow).
    return httpx.Client(timeout=timeout, trust_env=False, verify=False)


def dms_token(url: str, creds: dict[str, str]) -> str:
    with client() as c:
        r = c.post(
            f"{url}/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": creds["client_id"],
                "client_secret": creds["client_secret"],
            },
        )
    r.raise_for_status()
    return str(r.json()["access_token"])


def dms_headers(servers: SandboxServers, request_id: str = "req-1") -> dict[str, str]:
    info = servers.servers["dms"]
    return {
        "Authorization": f"Bearer {dms_token(info.url, info.credentials)}",
        "Subscription-Id": info.credentials["subscription_id"],
        "Request-Id": request_id,
    }
