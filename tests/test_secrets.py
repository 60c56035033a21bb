import keyring
import keyring.backends.fail
import pytest

from app import secrets


def test_round_trip_through_the_real_keyring() -> None:
    assert "SecretService" in secrets.check_round_trip() or "WinVault" in secrets.backend_name()
    secrets.set_secret("test-owner", "token", "s3cr3t-value")
    try:
        assert secrets.get_secret("test-owner", "token") == "s3cr3t-value"
        # stored where any keyring client sees it, under our service name
        assert keyring.get_password(secrets.SERVICE, "test-owner/token") == "s3cr3t-value"
    finally:
        secrets.delete_secret("test-owner", "token")
    assert secrets.get_secret("test-owner", "token") is None


def test_empty_value_deletes_and_missing_delete_is_quiet() -> None:
    secrets.set_secret("test-owner", "x", "value-1234")
    secrets.set_secret("test-owner", "x", "")
    assert secrets.get_secret("test-owner", "x") is None
    secrets.delete_secret("test-owner", "never-stored")


def test_no_usable_backend_is_refused_in_plain_words() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        with pytest.raises(secrets.KeyringUnavailableError) as err:
            secrets.set_secret("test-owner", "x", "value")
        message = str(err.value)
        assert "No secure keyring" in message and "never stores passwords in plain" in message
        with pytest.raises(secrets.KeyringUnavailableError):
            secrets.check_round_trip()
    finally:
        keyring.set_keyring(previous)


def test_reference_format() -> None:
    ref = secrets.reference("profile/abc", "api_key")
    assert ref == "keyring:RooftopSync/profile/abc/api_key"
    assert secrets.is_reference(ref) and not secrets.is_reference("plain")
