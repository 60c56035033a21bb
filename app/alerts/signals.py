"""Hooks other parts of the app call so alerts can watch what only they see: a webhook
arrived (for "silent for N hours"), a credential or token's expiry date. (The writing
lives in ``app.store.alert_signals`` so lower layers can note them too: the real-time
webhook receiver, and profiles for the dates their settings and OAuth answers give.)"""

from __future__ import annotations

from datetime import datetime

from app.store import Store, alert_signals
from app.store.models import utcnow


def record_webhook_received(
    store: Store, source: str, label: str = "", at: datetime | None = None
) -> None:
    """Call when a webhook from ``source`` (e.g. a profile uid) was accepted."""
    alert_signals.put(store, alert_signals.WEBHOOK, source, label, at or utcnow())


def record_credential_expiry(store: Store, key: str, label: str, expires_at: datetime) -> None:
    """Call when a token or password's expiry becomes known (e.g. after an OAuth grant)."""
    alert_signals.put(store, alert_signals.CREDENTIAL, key, label, expires_at)


def forget_signal(store: Store, kind: str, key: str) -> None:
    alert_signals.forget(store, kind, key)
