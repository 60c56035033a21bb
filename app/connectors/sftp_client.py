"""One SFTP connection (paramiko) with the server's host key checked before any password
or key is sent: shared by feed upload (``feed_sftp``) and DMS extract pickup
(``dms_sftp``).

Host keys are compared as ``SHA256:…`` fingerprints, as ``ssh-keygen -lf`` prints them.
Two policies:

- *saved key required* (feeds): with no key saved the connection stops and says which key
  the server showed, so the admin can compare it with the provider's and paste it in;
- *pinned on first use* (``pin`` given): with no key saved, the key seen is accepted, and
  once signed in and the SFTP channel is open ``pin(seen)`` saves it; from then on another
  key is refused.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import re
import socket
from collections.abc import Callable
from typing import NoReturn

import paramiko

from app.connectors.errors import AuthError, ConnectorError
from app.connectors.sftp_settings import SftpSettings

__all__ = ["HostKeyMismatchError", "PinHostKey", "SftpSession", "SftpSettings", "fingerprint"]

# Given the key seen on a first connection, save it; answer the key now pinned (another
# process may have pinned one first).
PinHostKey = Callable[[str], str]


def fingerprint(key: paramiko.PKey) -> str:
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


_PEM = re.compile(r"(-----BEGIN [A-Z ]+-----)\s*(.*?)\s*(-----END [A-Z ]+-----)", re.S)


def _pem_lines(text: str) -> str:
    """A key pasted into a one-line field arrives with spaces for its line breaks: put the
    breaks back (base64 has no spaces, so every space inside the body was one)."""
    found = _PEM.search(text)
    if not found or "\n" in found.group(2).strip():
        return text
    begin, body, end = found.groups()
    return "\n".join([begin, *body.split(), end]) + "\n"


def private_key(text: str) -> paramiko.PKey:
    text = _pem_lines(text)
    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        with contextlib.suppress(paramiko.SSHException, ValueError):
            return cls.from_private_key(io.StringIO(text))
    raise AuthError("The SFTP private key is not a key paramiko can read (PEM/OpenSSH).")


class HostKeyMismatchError(ConnectorError):
    """The server showed another host key than the one saved for the connection."""


class SftpSession:
    """One connection: verified host key, authenticated, an open SFTP channel.

    ``nothing_done`` finishes a refusal's message ("Nothing was sent.").
    """

    def __init__(
        self,
        settings: SftpSettings,
        *,
        pin: PinHostKey | None = None,
        nothing_done: str = "Nothing was sent.",
    ) -> None:
        self.settings = settings
        self.pin = pin
        self.nothing_done = nothing_done
        self.transport: paramiko.Transport | None = None
        self.sftp: paramiko.SFTPClient | None = None
        self.seen_key = ""
        self.pinned_now = False  # this connection pinned the key (first use)

    @property
    def where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def _refuse_key(self, saved: str) -> NoReturn:
        if self.pin is not None:
            hint = (
                "If the server was really replaced (or its key was regenerated), clear the "
                "pinned key in the connection settings; the next connection pins the new "
                "one. If not, someone may be intercepting the connection: ask your DMS "
                "provider before you clear it."
            )
        else:
            hint = "If the provider really changed its key, save the new fingerprint."
        kept = "saved" if self.pin is None else "pinned"
        raise HostKeyMismatchError(
            f"The SFTP server {self.where} showed the host key {self.seen_key}, which is not "
            f"the {kept} one ({saved}). {self.nothing_done}",
            hint=hint,
        )

    def _check_key(self) -> None:
        saved = self.settings.host_key.strip()
        if saved and saved != self.seen_key:
            self._refuse_key(saved)
        if not saved and self.pin is None:
            raise ConnectorError(
                f"The SFTP server's key is {self.seen_key}, and no host key is saved yet.",
                hint="Check it with your feed provider, then paste it into 'Host key "
                "fingerprint' so Rooftop Sync trusts this server.",
            )

    def _pin_first_key(self) -> None:
        if self.settings.host_key.strip() or self.pin is None:
            return
        pinned = self.pin(self.seen_key).strip()
        if pinned != self.seen_key:  # another connection pinned a different key first
            self._refuse_key(pinned)
        self.pinned_now = True

    def __enter__(self) -> SftpSession:
        s = self.settings
        try:
            sock = socket.create_connection((s.host, s.port), timeout=s.timeout_s)
            self.transport = paramiko.Transport(sock)
            self.transport.start_client(timeout=s.timeout_s)
            self.seen_key = fingerprint(self.transport.get_remote_server_key())
            self._check_key()
            if s.private_key.strip():
                self.transport.auth_publickey(s.username, private_key(s.private_key))
            else:
                self.transport.auth_password(s.username, s.password)
            self.sftp = paramiko.SFTPClient.from_transport(self.transport)
            self._pin_first_key()
        except paramiko.AuthenticationException as exc:
            self.close()
            raise AuthError(
                f"The SFTP server refused the user name or password/key: {exc}."
            ) from exc
        except (OSError, paramiko.SSHException, EOFError) as exc:
            self.close()
            raise ConnectorError(f"Could not connect to SFTP {s.host}:{s.port}: {exc}.") from exc
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.sftp is not None:
            self.sftp.close()
        if self.transport is not None:
            self.transport.close()
        self.sftp, self.transport = None, None

    @property
    def client(self) -> paramiko.SFTPClient:
        if self.sftp is None:
            raise ConnectorError("The SFTP connection is closed.")
        return self.sftp

    def replace(self, temp: str, final: str) -> None:
        """Rename ``temp`` over ``final``."""
        try:
            self.client.posix_rename(temp, final)
        except OSError:
            # Servers without the posix-rename extension refuse to rename over a file:
            # remove the old one first (a short gap, but never a partial file).
            with contextlib.suppress(OSError):
                self.client.remove(final)
            self.client.rename(temp, final)
