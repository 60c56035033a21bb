"""Times other parts of the app report for the alerts to watch (``alert_signals``): a
webhook arrived, a credential stops working. Here in the store so that the layers that
see them (feeds, services, connectors' hooks) can note them without knowing the alerts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.sqlite import insert

from app.store.db import Store
from app.store.scheduling_models import AlertSignal

WEBHOOK, CREDENTIAL = "webhook", "credential"


def put(store: Store, kind: str, key: str, label: str, at: datetime) -> None:
    """Note (or move) the time of signal ``kind``/``key``."""
    stmt = insert(AlertSignal).values(kind=kind, key=key[:200], label=label[:200], at=at)
    with store.session() as s:
        s.execute(
            stmt.on_conflict_do_update(
                index_elements=["kind", "key"], set_={"label": label[:200], "at": at}
            )
        )


def forget(store: Store, kind: str, key: str) -> None:
    with store.session() as s:
        s.execute(delete(AlertSignal).where(AlertSignal.kind == kind, AlertSignal.key == key))


def forget_prefix(store: Store, kind: str, prefix: str) -> None:
    """Forget every signal of ``kind`` whose key starts with ``prefix`` (a deleted profile)."""
    with store.session() as s:
        s.execute(
            delete(AlertSignal).where(AlertSignal.kind == kind, AlertSignal.key.startswith(prefix))
        )
