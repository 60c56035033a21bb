"""Admin and manager modes: the PIN, kept hashed in the keyring, guards leaving manager mode."""

import pytest

from app import secrets
from app.services.access import PIN_FIELD, PIN_OWNER, AccessService
from app.services.errors import AccessDeniedError
from app.store import Store


def test_manager_mode_needs_a_pin_to_leave(store: Store) -> None:
    access = AccessService(store)
    secrets.delete_secret(PIN_OWNER, PIN_FIELD)
    try:
        assert access.policy().can_edit_connections
        with pytest.raises(AccessDeniedError, match="Set an admin PIN first"):
            access.enter_manager_mode()
        with pytest.raises(AccessDeniedError, match="4 to 12 digits"):
            access.set_pin("12a4")
        access.set_pin("2468")
        stored = secrets.get_secret(PIN_OWNER, PIN_FIELD) or ""
        assert "2468" not in stored and stored.startswith("pbkdf2_sha256$")
        policy = access.enter_manager_mode()
        assert policy.is_manager and not policy.can_see_secrets and not policy.can_edit_mappings
        assert policy.can_sync_now and policy.can_resync and policy.can_work_duplicates
        assert AccessService(store).policy().is_manager  # persisted
        with pytest.raises(AccessDeniedError, match="Leave manager mode"):
            access.set_pin("1111")
        with pytest.raises(AccessDeniedError, match="not right"):
            access.leave_manager_mode("1357")
        assert access.policy().is_manager
        assert not access.leave_manager_mode("2468").is_manager
    finally:
        secrets.delete_secret(PIN_OWNER, PIN_FIELD)
