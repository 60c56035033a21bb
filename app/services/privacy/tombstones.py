"""Tombstones: how the app recognises an erased person without remembering who they were.

Each identifier of an erased person's records -- ``entity|system|external id`` (their
DMS customer number, their CRM contact id, a repair order of theirs...) -- is kept only
as HMAC-SHA256 under a key that lives in the keyring, never in the data folder. Reading a
record, the engine hashes its key (and the keys it refers to: a repair order's customer)
the same way; a match is withheld. The digests are kept twice: in the database, and in
``<data folder>/privacy/tombstones.txt``, so restoring an old database backup cannot
bring an erased person back (the next load puts the file's digests back in the table).

A person who comes back on their own (a new web lead, a new DMS customer number) is a
new record and syncs as usual: the tombstone is for the records that were erased.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as pysecrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session

from app import secrets
from app.errors import RooftopError
from app.store import Store
from app.store.models import table_of, utcnow
from app.store.privacy_models import Tombstone

KEY_OWNER, KEY_FIELD = "privacy", "tombstone_key"


class TombstoneKeyMissingError(RooftopError):
    """Erasures were made here, but the key that recognises erased people is gone."""


def _file(store: Store) -> Path:
    return store.paths.data_dir / "privacy" / "tombstones.txt"


def identifier(entity: str, system: str, external_id: str) -> str:
    """The text hashed for one record: entity, the system it lives in, its id there."""
    return f"key|{entity}|{system}|{external_id.strip()}"


def _key(create: bool) -> bytes | None:
    value = secrets.get_secret(KEY_OWNER, KEY_FIELD)
    if value is None and create:
        value = pysecrets.token_hex(32)
        secrets.set_secret(KEY_OWNER, KEY_FIELD, value)
    return bytes.fromhex(value) if value else None


def digest(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ErasedPeople:
    """The tombstones as a run checks them: digest -> the erasure's reference."""

    key: bytes | None = None
    refs: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.refs)

    def ref_of(self, entity: str, system: str, external_id: str) -> str | None:
        """The erasure reference when this record belongs to an erased person."""
        if not self.refs or self.key is None or not external_id:
            return None
        return self.refs.get(digest(self.key, identifier(entity, system, str(external_id))))


def load(store: Store) -> ErasedPeople:
    """Every tombstone (the database's and the file's, re-united). Raises
    ``TombstoneKeyMissingError`` when there are tombstones but no key to check them with:
    a run must not go on blind and bring erased people back."""
    refs: dict[str, str] = {}
    with store.session() as s:
        refs.update({d: r for d, r in s.execute(select(Tombstone.digest, Tombstone.request_ref))})
    from_file = _read_file(store)
    missing = {d: r for d, r in from_file.items() if d not in refs}
    if missing:  # a database restored from before the erasure: put them back
        with store.session() as s:
            _insert(s, missing)
        refs.update(missing)
    if not refs:
        return ErasedPeople()
    key = _key(create=False)
    if key is None:
        raise TombstoneKeyMissingError(
            "People were erased in this data folder, but the key that recognises them is "
            "not in this computer's keyring (RooftopSync / privacy/tombstone_key).",
            hint="Restore it from the old computer's keyring before syncing; without it an "
            "erased person could be sent to the CRM or marketing again.",
        )
    return ErasedPeople(key, refs)


def add(store: Store, session: Session, ref: str, texts: Iterable[str]) -> int:
    """Keep tombstones for these identifiers (in the session's transaction and in the
    file); returns how many."""
    key = _key(create=True)
    assert key is not None
    digests = {digest(key, t): ref for t in set(texts)}
    _insert(session, digests)
    path = _file(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="ascii") as fh:
        for d in sorted(digests):
            fh.write(f"{d} {ref}\n")
    return len(digests)


def _insert(session: Session, digests: dict[str, str]) -> None:
    if not digests:
        return
    now = utcnow()
    rows = [{"digest": d, "request_ref": r, "created_at": now} for d, r in digests.items()]
    session.execute(insert(table_of(Tombstone)).on_conflict_do_nothing(), rows)


def _read_file(store: Store) -> dict[str, str]:
    try:
        text = _file(store).read_text(encoding="ascii")
    except FileNotFoundError:
        return {}
    out: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and len(parts[0]) == 64:
            out[parts[0]] = parts[1]
    return out
