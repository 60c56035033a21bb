"""A connection profile as others may see it: ``ProfileInfo`` for the UI and CLI, and the
audit log's snapshot — neither holds a secret value, only which secrets are stored."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.connectors.errors import ConnectorError
from app.connectors.registry import get_kind
from app.store.models import ConnectionProfile


@dataclass(frozen=True)
class ProfileInfo:
    """A profile as the UI and CLI see it: no secret values, only which secrets are set."""

    id: int
    uid: str
    name: str
    kind: str
    kind_label: str
    settings: dict[str, Any]
    secrets_set: frozenset[str]
    is_demo: bool
    created_at: datetime
    updated_at: datetime
    last_test_at: datetime | None
    last_test_ok: bool | None
    last_test_message: str | None
    last_used_at: datetime | None
    protocol: str = ""  # "STAR REST", "CDK Fortellis": what carries its data


def profile_info(row: ConnectionProfile) -> ProfileInfo:
    try:
        kind = get_kind(row.kind)
        label, protocol = kind.label, kind.protocol or kind.label
    except ConnectorError:  # an unknown kind must not hide the profile from the list
        label = protocol = f"{row.kind} (unknown kind)"
    return ProfileInfo(
        id=row.id,
        uid=row.uid,
        name=row.name,
        kind=row.kind,
        kind_label=label,
        protocol=protocol,
        settings=dict(row.settings or {}),
        secrets_set=frozenset(row.secret_fields or ()),
        is_demo=row.is_demo,
        created_at=row.created_at,
        updated_at=row.updated_at,
        last_test_at=row.last_test_at,
        last_test_ok=row.last_test_ok,
        last_test_message=row.last_test_message,
        last_used_at=row.last_used_at,
    )


def audit_snapshot(row: ConnectionProfile, changed_secrets: Iterable[str] = ()) -> dict[str, Any]:
    """What the audit log may see of a profile: secrets only as 'stored' / 'not set'."""
    changed = set(changed_secrets)
    return {
        "name": row.name,
        "kind": row.kind,
        "settings": dict(row.settings or {}),
        "secrets": {
            name: ("stored (new value)" if name in changed else "stored")
            for name in sorted(row.secret_fields or ())
        },
    }
