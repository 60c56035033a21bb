"""Admin and manager modes: the PIN, kept hashed in the keyring, guards leaving manager
mode; new PINs have at least 6 digits, and wrong ones lock it for longer and longer."""

from collections.abc import Iterator

import pytest

from app import secrets
from app.services.access import LOCKOUT_FIELD, PIN_FIELD, PIN_OWNER, AccessService
from app.services.errors import AccessDeniedError
from app.store import Store

PIN = "246813"


@pytest.fixture
def no_pin() -> Iterator[None]:
    for field in (PIN_FIELD, LOCKOUT_FIELD):
        secrets.delete_secret(PIN_OWNER, field)
    yield
    for field in (PIN_FIELD, LOCKOUT_FIELD):
        secrets.delete_secret(PIN_OWNER, field)


@pytest.mark.usefixtures("no_pin")
def test_manager_mode_needs_a_pin_to_leave(store: Store) -> None:
    access = AccessService(store)
    assert access.policy().can_edit_connections
    with pytest.raises(AccessDeniedError, match="Set an admin PIN first"):
        access.enter_manager_mode()
    with pytest.raises(AccessDeniedError, match="6 to 12 digits"):
        access.set_pin("12a456")
    access.set_pin(PIN)
    stored = secrets.get_secret(PIN_OWNER, PIN_FIELD) or ""
    assert PIN not in stored and stored.startswith("pbkdf2_sha256$")
    policy = access.enter_manager_mode()
    assert policy.is_manager and not policy.can_see_secrets and not policy.can_edit_mappings
    assert policy.can_sync_now and policy.can_resync and policy.can_work_duplicates
    assert AccessService(store).policy().is_manager  # persisted
    with pytest.raises(AccessDeniedError, match="Leave manager mode"):
        access.set_pin("111111")
    with pytest.raises(AccessDeniedError, match="not right"):
        access.leave_manager_mode("135799")
    assert access.policy().is_manager
    assert not access.leave_manager_mode(PIN).is_manager


@pytest.mark.usefixtures("no_pin")
def test_new_pins_have_at_least_six_digits_and_are_not_obvious(store: Store) -> None:
    access = AccessService(store)
    for weak in ("2468", "24681", "1234567890123", "000000", "123456", "987654"):
        with pytest.raises(AccessDeniedError):
            access.set_pin(weak)
    assert not access.has_pin()
    access.set_pin("802417")
    assert access.has_pin()


@pytest.mark.usefixtures("no_pin")
def test_wrong_pins_lock_it_for_twice_as_long_each_time(store: Store) -> None:
    now = [1_000_000.0]
    access = AccessService(store, clock=lambda: now[0])
    access.set_pin(PIN)
    access.enter_manager_mode()
    for _ in range(4):  # four free tries
        with pytest.raises(AccessDeniedError, match=r"not right\. Manager mode stays on\.$"):
            access.leave_manager_mode("000001")
    with pytest.raises(AccessDeniedError, match="Try again in 30 seconds"):
        access.leave_manager_mode("000001")  # the fifth wrong one
    # locked: even the right PIN is not tried now, and the wait stays put
    with pytest.raises(AccessDeniedError, match="Too many wrong PINs"):
        access.leave_manager_mode(PIN)
    now[0] += 30
    with pytest.raises(AccessDeniedError, match="Try again in 60 seconds"):
        access.leave_manager_mode("000001")
    now[0] += 60
    with pytest.raises(AccessDeniedError, match="Try again in 2 minutes"):
        access.leave_manager_mode("000001")
    assert access.locked_for() == 120
    # a new data folder (or an edited database) does not reset the count: it is in the keyring
    fresh = AccessService(store, clock=lambda: now[0])
    assert fresh.locked_for() == 120
    now[0] += 120
    assert access.policy().is_manager
    assert not access.leave_manager_mode(PIN).is_manager
    assert access.locked_for() == 0 and secrets.get_secret(PIN_OWNER, LOCKOUT_FIELD) is None
