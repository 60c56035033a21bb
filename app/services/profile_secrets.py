"""Where a connection profile's secrets live in the keyring, the fingerprint of the address
they were stored for, and writing them so a failure puts back what was there."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from app import secrets
from app.connectors.base import Connector


def secret_owner(uid: str) -> str:
    return f"profile/{uid}"


def to_reenter(
    cls: type[Connector],
    stored: dict[str, Any],
    secrets_set: Iterable[str],
    settings: dict[str, Any],
) -> dict[str, str]:
    """Stored secrets that must be typed again if a profile stored with ``stored``
    settings is saved with ``settings`` (field name -> why): they would go somewhere new."""
    moved = cls.address_changes(stored, settings)
    if not moved:
        return {}
    return {
        n: f"The {', '.join(moved)} changed: enter the {cls.field(n).label} again "
        "(a stored secret is never sent to a new address)."
        for n in sorted(set(secrets_set) & set(cls.secret_field_names()))
    }


ADDRESS_FIELD = "_address"  # beside the secrets: where they were meant to be sent


def address_fingerprint(cls: type[Connector], settings: dict[str, Any]) -> str:
    """What the address settings of a profile amount to (hashed): a secret stored for
    one address is only ever used with the same address, in any data folder."""
    values = {}
    for f in cls.fields:
        if f.secret or not f.is_address:
            continue
        try:
            values[f.name] = f.coerce(settings.get(f.name, f.default))
        except (TypeError, ValueError):
            values[f.name] = settings.get(f.name)
    raw = json.dumps([cls.kind, values], sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()


def stored_fingerprint(uid: str) -> str | None:
    return secrets.get_secret(secret_owner(uid), ADDRESS_FIELD)


@contextmanager
def secrets_swapped(owner: str, given: dict[str, str], cleared: Iterable[str]) -> Iterator[None]:
    """Write ``given`` and delete ``cleared`` in the keyring; if that or the block fails,
    put back what was there before."""
    previous = {n: secrets.get_secret(owner, n) for n in [*given, *cleared]}
    try:
        for field_name, value in given.items():
            secrets.set_secret(owner, field_name, value)
        for field_name in cleared:
            secrets.delete_secret(owner, field_name)
        yield
    except BaseException:
        for field_name, old in previous.items():
            if old is None:
                secrets.delete_secret(owner, field_name)
            else:
                secrets.set_secret(owner, field_name, old)
        raise
