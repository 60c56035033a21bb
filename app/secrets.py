"""Secrets in the OS keyring — the only module that touches secret values.

Each secret is stored under the service ``RooftopSync`` with the user name
``<owner>/<field>`` (for profiles: ``profile/<uid>/<field>``). Exports carry the
reference ``keyring:RooftopSync/profile/<uid>/<field>``, never the value. There is no
plaintext fallback: with no usable backend the app stops and says how to fix it.
"""

from __future__ import annotations

import logging

import keyring
import keyring.backend
import keyring.errors

from app import APP_ID
from app.errors import RooftopError
from app.logging_setup import register_secret

log = logging.getLogger(__name__)

SERVICE = APP_ID
REFERENCE_PREFIX = "keyring:"

# Backends that would keep secrets in plain files or nowhere at all.
_REFUSED_BACKENDS = {
    "keyring.backends.fail.Keyring",
    "keyring.backends.null.Keyring",
    "keyrings.alt.file.PlaintextKeyring",
}


class KeyringUnavailableError(RooftopError):
    """No secure keyring backend is usable on this machine."""


class SecretStoreError(RooftopError):
    """The keyring refused to store, read or delete a secret."""


def _fix_hint() -> str:
    return (
        "On Windows the Credential Manager is used and needs no setup. On Linux, start a "
        "Secret Service (for example gnome-keyring or KWallet) in your desktop session; on a "
        "machine with no desktop, run Rooftop Sync through scripts/with-keyring.sh. "
        "Rooftop Sync never stores passwords in plain files."
    )


def backend_name(backend: keyring.backend.KeyringBackend | None = None) -> str:
    backend = backend or keyring.get_keyring()
    return f"{type(backend).__module__}.{type(backend).__name__}"


_FRIENDLY = {
    "WinVaultKeyring": "Windows Credential Manager",
    "SecretService": "Secret Service (GNOME Keyring or KWallet)",
    "macOS": "macOS Keychain",
    "libsecret": "Secret Service (libsecret)",
}


def friendly_backend_name(backend: keyring.backend.KeyringBackend | None = None) -> str:
    """'Windows Credential Manager' rather than 'keyring.backends.Windows.WinVaultKeyring'."""
    name = backend_name(backend)
    return next((label for key, label in _FRIENDLY.items() if key in name), name)


def ensure_backend() -> keyring.backend.KeyringBackend:
    """Return the active keyring backend, or raise ``KeyringUnavailableError``."""
    backend = keyring.get_keyring()
    name = backend_name(backend)
    usable = name not in _REFUSED_BACKENDS and getattr(backend, "priority", 0) > 0
    if name == "keyring.backends.chainer.ChainerBackend":
        usable = bool(getattr(backend, "backends", []))
    if not usable:
        raise KeyringUnavailableError(
            f"No secure keyring is available on this machine (backend: {name}).",
            hint=_fix_hint(),
        )
    return backend


def _key(owner: str, field: str) -> str:
    return f"{owner}/{field}"


def reference(owner: str, field: str) -> str:
    """The export-safe pointer to a secret: ``keyring:RooftopSync/<owner>/<field>``."""
    return f"{REFERENCE_PREFIX}{SERVICE}/{_key(owner, field)}"


def is_reference(value: object) -> bool:
    return isinstance(value, str) and value.startswith(REFERENCE_PREFIX)


def set_secret(owner: str, field: str, value: str) -> None:
    """Store a secret value; an empty value deletes it."""
    if not value:
        delete_secret(owner, field)
        return
    ensure_backend()
    register_secret(value)
    try:
        keyring.set_password(SERVICE, _key(owner, field), value)
    except keyring.errors.KeyringError as exc:
        raise SecretStoreError(
            f"The keyring refused to save the secret '{field}': {exc}", hint=_fix_hint()
        ) from exc


def get_secret(owner: str, field: str) -> str | None:
    """Read a secret value, or None if it was never stored."""
    ensure_backend()
    try:
        value = keyring.get_password(SERVICE, _key(owner, field))
    except keyring.errors.KeyringError as exc:
        raise SecretStoreError(
            f"The keyring could not read the secret '{field}': {exc}", hint=_fix_hint()
        ) from exc
    if value:
        register_secret(value)
    return value


def delete_secret(owner: str, field: str) -> None:
    """Remove a secret; a secret that is not there is not an error."""
    ensure_backend()
    try:
        keyring.delete_password(SERVICE, _key(owner, field))
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.KeyringError as exc:
        raise SecretStoreError(
            f"The keyring could not delete the secret '{field}': {exc}", hint=_fix_hint()
        ) from exc


def check_round_trip() -> str:
    """Write, read back and delete a throwaway secret; return the backend's name."""
    backend = ensure_backend()
    owner, field, value = "self-test", "probe", "rooftop-self-test-value"
    set_secret(owner, field, value)
    try:
        if get_secret(owner, field) != value:
            raise SecretStoreError(
                "The keyring stored a secret but gave a different value back.",
                hint=_fix_hint(),
            )
    finally:
        delete_secret(owner, field)
    if get_secret(owner, field) is not None:
        raise SecretStoreError("The keyring did not delete a secret when asked.")
    return backend_name(backend)
