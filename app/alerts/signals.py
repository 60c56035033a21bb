"""Hooks other parts of the app call so alerts can watch what only they see: a webhook
arrived (for "silent for N hours"), a credential or token's expiry date."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.sqlite import insert

from app.store import Store
from app.store.models import utcnow
from app.store.scheduling_models import AlertSignal


def _put(store: Store, kind: str, key: str, label: str, at: datetime) -> None:
    stmt = insert(AlertSignal).values(kind=kind, key=key[:200], label=label[:200], at=at)
    with store.session() as s:
        s.execute(
            stmt.on_conflict_do_update(
                index_elements=["kind", "key"], set_={"label": label[:200], "at": at}
            )
        )


def record_webhook_received(
    store: Store, source: str, label: str = "", at: datetime | None = None
) -> None:
    """Call when a webhook from ``source`` (e.g. a profile uid) was accepted."""
    _put(store, "webhook", source, label, at or utcnow())


def record_credential_expiry(store: Store, key: str, label: str, expires_at: datetime) -> None:
    """Call when a token or password's expiry becomes known (e.g. after an OAuth grant)."""
    _put(store, "credential", key, label, expires_at)


def forget_signal(store: Store, kind: str, key: str) -> None:
    with store.session() as s:
        s.execute(delete(AlertSignal).where(AlertSignal.kind == kind, AlertSignal.key == key))
