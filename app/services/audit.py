"""The audit log: who changed what and when, with secrets redacted."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.store import Store
from app.store.models import AuditEntry, utcnow

REDACTED = "•••••• (hidden)"


def current_os_user() -> str:
    """The signed-in operating-system user, as Windows or Linux reports it."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = os.environ.get("USERNAME") or os.environ.get("USER") or "unknown"
    domain = os.environ.get("USERDOMAIN")
    return f"{domain}\\{user}" if domain and os.name == "nt" else user


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """Field-level before/after of two flat-ish dicts; nested dicts are compared per key."""
    before = before or {}
    after = after or {}
    changes: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        nested = isinstance(old, dict) or isinstance(new, dict)
        if nested and isinstance(old, dict | None) and isinstance(new, dict | None):
            inner = diff(old, new)
            if inner:
                changes[key] = inner
        elif old != new:
            changes[key] = {"before": old, "after": new}
    return changes


def record(
    session: Session,
    action: str,
    object_type: str,
    *,
    object_id: str = "",
    object_name: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Add an audit entry to the session's unit of work. Pass redacted snapshots only."""
    payload: dict[str, Any] = {"changes": diff(before, after)}
    if extra:
        payload.update(extra)
    session.add(
        AuditEntry(
            at=utcnow(),
            os_user=current_os_user(),
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_name=object_name,
            diff=payload,
        )
    )


@dataclass(frozen=True)
class AuditView:
    id: int
    at: datetime
    os_user: str
    action: str
    object_type: str
    object_name: str
    diff: dict[str, Any]


def recent(store: Store, limit: int = 500, offset: int = 0) -> list[AuditView]:
    """Newest audit entries first."""
    with store.session() as s:
        rows = s.scalars(
            select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
        ).all()
        return [
            AuditView(r.id, r.at, r.os_user, r.action, r.object_type, r.object_name, r.diff)
            for r in rows
        ]


def count(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count(AuditEntry.id))) or 0)
