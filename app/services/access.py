"""Admin and manager modes. A manager keeps Sync now, re-sync, the sync log and the
duplicate queue; connection secrets, connection editing, mapping editing, flows and
feeds (the wizards, field owners), schedules and alert settings are for the admin.
Leaving manager mode needs the admin PIN, which is kept (salted and hashed) in the
keyring — never in the database or a file.

This guards against a curious manager at the dealership's workstation, not against a
Windows administrator: anyone who can edit the data folder can change the mode."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets as pysecrets
from dataclasses import dataclass

from app import secrets
from app.services import audit
from app.services.errors import AccessDeniedError
from app.store import Store
from app.store.models import Setting

MODE_KEY = "access.mode"
PIN_OWNER, PIN_FIELD = "app", "admin_pin"
_ITERATIONS = 200_000
_PIN = re.compile(r"^\d{4,12}$")


@dataclass(frozen=True)
class AccessPolicy:
    """What the current mode allows; screens ask this instead of checking the mode."""

    mode: str = "admin"  # admin | manager

    @property
    def is_manager(self) -> bool:
        return self.mode == "manager"

    # admin only
    @property
    def can_see_secrets(self) -> bool:
        return not self.is_manager

    @property
    def can_edit_connections(self) -> bool:
        return not self.is_manager

    @property
    def can_edit_mappings(self) -> bool:
        return not self.is_manager

    @property
    def can_edit_schedules(self) -> bool:
        return not self.is_manager

    @property
    def can_edit_flows(self) -> bool:
        """Create, change, duplicate or delete flows and feeds, and their field owners."""
        return not self.is_manager

    @property
    def can_edit_alerts(self) -> bool:
        return not self.is_manager

    # everyone
    can_sync_now: bool = True
    can_resync: bool = True
    can_view_log: bool = True
    can_work_duplicates: bool = True


def _hash(pin: str, salt: bytes) -> str:
    return hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, _ITERATIONS).hex()


class AccessService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def policy(self) -> AccessPolicy:
        with self.store.session() as s:
            row = s.get(Setting, MODE_KEY)
            mode = str(row.value) if row and row.value in ("admin", "manager") else "admin"
        return AccessPolicy(mode)

    def has_pin(self) -> bool:
        return bool(secrets.get_secret(PIN_OWNER, PIN_FIELD))

    def set_pin(self, new_pin: str) -> None:
        """Set or change the admin PIN (only from admin mode)."""
        if self.policy().is_manager:
            raise AccessDeniedError("Leave manager mode before changing the admin PIN.")
        if not _PIN.match(new_pin):
            raise AccessDeniedError("The PIN must be 4 to 12 digits.")
        salt = pysecrets.token_bytes(16)
        stored = f"pbkdf2_sha256${_ITERATIONS}${salt.hex()}${_hash(new_pin, salt)}"
        secrets.set_secret(PIN_OWNER, PIN_FIELD, stored)
        with self.store.session() as s:
            audit.record(s, "set_pin", "settings", object_name="admin PIN")

    def verify(self, pin: str) -> bool:
        stored = secrets.get_secret(PIN_OWNER, PIN_FIELD)
        if not stored:
            return False
        try:
            _algo, iterations, salt_hex, digest = stored.split("$")
            candidate = hashlib.pbkdf2_hmac(
                "sha256", pin.encode(), bytes.fromhex(salt_hex), int(iterations)
            ).hex()
        except ValueError:
            return False
        return hmac.compare_digest(candidate, digest)

    def enter_manager_mode(self) -> AccessPolicy:
        if not self.has_pin():
            raise AccessDeniedError(
                "Set an admin PIN first, so that manager mode can be left again."
            )
        return self._set_mode("manager")

    def leave_manager_mode(self, pin: str) -> AccessPolicy:
        if not self.verify(pin):
            with self.store.session() as s:
                audit.record(s, "pin_refused", "settings", object_name="manager mode")
            raise AccessDeniedError("That PIN is not right. Manager mode stays on.")
        return self._set_mode("admin")

    def _set_mode(self, mode: str) -> AccessPolicy:
        with self.store.session() as s:
            row = s.get(Setting, MODE_KEY)
            before = row.value if row else "admin"
            if row is None:
                s.add(Setting(key=MODE_KEY, value=mode))
            else:
                row.value = mode
            audit.record(
                s, "set_mode", "settings", object_name="access mode",
                before={"mode": before}, after={"mode": mode},
            )  # fmt: skip
        return AccessPolicy(mode)
