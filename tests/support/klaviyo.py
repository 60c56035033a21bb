"""The sandbox marketing platform's Klaviyo side as tests see it: its profiles, and a
person unsubscribing (as a click in an e-mail would) or being suppressed (a hard bounce,
a spam complaint, or the marketer's own suppression list)."""

from __future__ import annotations

from typing import Any

import httpx

from app.formats import klaviyo as kl
from app.sandbox.servers import SandboxServers
from tests.support.sandbox import export


def profiles(sandbox: SandboxServers) -> dict[str, dict[str, str]]:
    """Every sandbox profile as the codec reads it, by lower-case e-mail (or id)."""
    rows = export(sandbox, "marketing", "klaviyo_profiles")
    return {(r["email"].lower() or r["profile_id"]): r for r in rows}


def _post(sandbox: SandboxServers, path: str, body: dict[str, Any]) -> None:
    mkt = sandbox.servers["marketing"]
    response = httpx.post(
        f"{mkt.url}{path}",
        json=body,
        headers={
            "Authorization": f"Klaviyo-API-Key {mkt.credentials['klaviyo_api_key']}",
            "revision": kl.REVISION,
        },
        timeout=10,
    )
    assert response.status_code == 202, response.text


def unsubscribe_at_klaviyo(sandbox: SandboxServers, email: str) -> None:
    """The person clicks "unsubscribe" in an e-mail (Klaviyo records it like its own
    delete job): e-mail marketing only."""
    body = kl.unsubscribe_job_body([kl.ConsentTarget(email=email, channels={"email": ""})])
    _post(sandbox, "/api/profile-subscription-bulk-delete-jobs", body)


def suppress_at_klaviyo(sandbox: SandboxServers, email: str) -> None:
    """The address is suppressed at Klaviyo (no e-mail marketing, whatever its consent)."""
    _post(sandbox, "/api/profile-suppression-bulk-create-jobs", kl.suppress_job_body([email]))
