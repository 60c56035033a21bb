"""Admin and manager modes. A manager keeps Sync now, re-sync, the sync log and the
duplicate queue; connection secrets, connection editing, mapping editing, flows and
feeds (the wizards, field owners), schedules, alert settings and privacy requests are for
the admin -- in the window and on the command line alike. Leaving manager mode needs the
admin PIN, which is kept (salted and hashed) in the keyring — never in the database or a
file.

A new PIN has 6 to 12 digits, not all the same and not a run (123456). Five wrong PINs
are free; after that each wrong one locks the PIN for twice as long as the last (30 s,
1 min, 2 min … at most a day). The count and the lock are kept in the keyring too, where
editing the data folder cannot reset them.

This guards against a curious manager at the dealership's workstation, not against a
Windows administrator: anyone who can edit the data folder can change the mode."""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import secrets as pysecrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from app import secrets
from app.services import audit
from app.services.errors import AccessDeniedError
from app.store import Store
from app.store.models import Setting

MODE_KEY = "access.mode"
PIN_OWNER, PIN_FIELD = "app", "admin_pin"
LOCKOUT_FIELD = "admin_pin_lockout"
_ITERATIONS = 200_000
_PIN = re.compile(r"^\d{6,12}$")
FREE_TRIES = 5
FIRST_WAIT_S = 30.0
MAX_WAIT_S = 24 * 3600.0
Clock = Callable[[], float]


def pin_problem(pin: str) -> str | None:
    """Why ``pin`` cannot be the admin PIN, or None."""
    if not _PIN.match(pin):
        return "The PIN must be 6 to 12 digits."
    if len(set(pin)) == 1 or pin in "01234567890123" or pin in "98765432109876":
        return "Choose a PIN that is not one digit repeated or a run such as 123456."
    return None


def wait_after(failures: int) -> float:
    """Seconds the PIN is locked after ``failures`` wrong tries in a row."""
    if failures < FREE_TRIES:
        return 0.0
    return min(MAX_WAIT_S, FIRST_WAIT_S * 2 ** (failures - FREE_TRIES))


def _in_words(seconds: float) -> str:
    s = max(1, math.ceil(seconds))
    if s < 120:
        return f"{s} seconds"
    if s < 7200:
        return f"{math.ceil(s / 60)} minutes"
    return f"{math.ceil(s / 3600)} hours"


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


@dataclass(frozen=True)
class _Lockout:
    failures: int = 0
    until: float = 0.0


class AccessService:
    def __init__(self, store: Store, *, clock: Clock = time.time) -> None:
        self.store = store
        self.clock = clock

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
        problem = pin_problem(new_pin)
        if problem:
            raise AccessDeniedError(problem)
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

    # --- wrong PINs ---------------------------------------------------------------------
    def _lockout(self) -> _Lockout:
        raw = secrets.get_secret(PIN_OWNER, LOCKOUT_FIELD)
        try:
            data = json.loads(raw) if raw else {}
            return _Lockout(int(data.get("failures", 0)), float(data.get("until", 0.0)))
        except (ValueError, TypeError, AttributeError):
            return _Lockout(FREE_TRIES, self.clock() + FIRST_WAIT_S)  # tampered: locked

    def _save_lockout(self, state: _Lockout) -> None:
        if state.failures == 0:
            secrets.delete_secret(PIN_OWNER, LOCKOUT_FIELD)
        else:
            secrets.set_secret(
                PIN_OWNER,
                LOCKOUT_FIELD,
                json.dumps({"failures": state.failures, "until": state.until}),
            )

    def locked_for(self) -> float:
        """Seconds until the PIN may be tried again (0 when it may be tried now)."""
        return max(0.0, self._lockout().until - self.clock())

    def leave_manager_mode(self, pin: str) -> AccessPolicy:
        state = self._lockout()
        now = self.clock()
        if now < state.until:
            raise AccessDeniedError(
                f"Too many wrong PINs. Try again in {_in_words(state.until - now)}.",
                hint="Each wrong PIN after the fifth doubles the wait.",
            )
        if not self.verify(pin):
            failures = state.failures + 1
            wait = wait_after(failures)
            self._save_lockout(_Lockout(failures, now + wait))
            with self.store.session() as s:
                audit.record(
                    s, "pin_refused", "settings", object_name="manager mode",
                    extra={"wrong_tries": failures, "locked_s": wait},
                )  # fmt: skip
            message = "That PIN is not right. Manager mode stays on."
            if wait:
                message += f" Try again in {_in_words(wait)}."
            raise AccessDeniedError(message)
        if state.failures:
            self._save_lockout(_Lockout())
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
