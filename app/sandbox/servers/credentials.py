"""Demo credentials, derived from the seed so a demo set-up is repeatable.

They only ever live in memory, the port file and ``state_dir/credentials.json``; nothing
here logs them.
"""

from __future__ import annotations

import hashlib
import uuid


def _derive(seed: int, label: str, length: int = 32) -> str:
    return hashlib.sha256(f"rooftop-sync-sandbox/{seed}/{label}".encode()).hexdigest()[:length]


def demo_credentials(seed: int) -> dict[str, dict[str, str]]:
    """Server name -> its credentials (what a connection profile would hold)."""
    subscription = uuid.UUID(hex=_derive(seed, "dms-subscription"))
    return {
        "dms": {
            "client_id": "demo-dms-client",
            "client_secret": _derive(seed, "dms-client-secret"),
            "subscription_id": str(subscription),
            "webhook_secret": _derive(seed, "dms-webhook-secret"),
            "token_path": "/oauth2/token",
            "star_api_key": "star_" + _derive(seed, "dms-star-api-key"),
            "star_base_path": "/v1/v1_0_0",
        },
        "crm": {
            "api_key": "crm_" + _derive(seed, "crm-api-key"),
            "client_id": "demo-crm-client",
            "client_secret": _derive(seed, "crm-client-secret"),
            "webhook_secret": _derive(seed, "crm-webhook-secret"),
            "token_path": "/oauth/token",
            "elead_subscription_id": str(uuid.UUID(hex=_derive(seed, "crm-elead-subscription"))),
        },
        "website": {"api_key": "web_" + _derive(seed, "website-api-key")},
        "marketing": {
            "api_key": "mkt_" + _derive(seed, "marketing-api-key"),
            # Klaviyo's private keys: pk_ and 34 hex digits (Authorization: Klaviyo-API-Key)
            "klaviyo_api_key": "pk_" + _derive(seed, "klaviyo-private-key", 34),
        },
        "crm_smtp": {"recipient": "leads@crm.sandbox.test"},
        "lead_mailbox": {  # the dealership's own lead inbox, read over IMAPS
            "address": "leads@demo-motors.sandbox.test",
            "username": "leads@demo-motors.sandbox.test",
            "password": "mbx_" + _derive(seed, "lead-mailbox-password", 24),
        },
        "retailing": {  # the digital-retailing tool: its API key, the webhook signing secret
            "api_key": "drt_" + _derive(seed, "retailing-api-key"),
            "webhook_secret": _derive(seed, "retailing-webhook-secret"),
        },
    }
