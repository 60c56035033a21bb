"""Feed upload over SFTP (paramiko), atomic on the server: upload under a hidden
temporary name, then ``posix-rename`` over the final name.

The server's host key must match the fingerprint saved in the profile (``SHA256:…``,
as ``ssh-keygen -lf`` prints it). "Test connection" shows the fingerprint it saw, so the
admin can compare it with the provider's and paste it in; we never trust a key blindly.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import posixpath
import socket
from dataclasses import dataclass

import paramiko

from app.connectors.errors import AuthError, ConnectorError
from app.connectors.feed_files import ChunkHook, DeliveryReceipt, temp_name


@dataclass(frozen=True)
class SftpSettings:
    host: str
    port: int
    username: str
    password: str = ""
    private_key: str = ""  # PEM text (from the keyring)
    folder: str = "."
    host_key: str = ""  # SHA256:… fingerprint
    timeout_s: float = 30.0


def fingerprint(key: paramiko.PKey) -> str:
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def _pkey(text: str) -> paramiko.PKey:
    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        with contextlib.suppress(paramiko.SSHException, ValueError):
            return cls.from_private_key(io.StringIO(text))
    raise AuthError("The SFTP private key is not a key paramiko can read (PEM/OpenSSH).")


class SftpSession:
    """One connection: verified host key, authenticated, an open SFTP channel."""

    def __init__(self, settings: SftpSettings) -> None:
        self.settings = settings
        self.transport: paramiko.Transport | None = None
        self.sftp: paramiko.SFTPClient | None = None
        self.seen_key = ""

    def __enter__(self) -> SftpSession:
        s = self.settings
        try:
            sock = socket.create_connection((s.host, s.port), timeout=s.timeout_s)
            self.transport = paramiko.Transport(sock)
            self.transport.start_client(timeout=s.timeout_s)
            self.seen_key = fingerprint(self.transport.get_remote_server_key())
            if not s.host_key.strip():
                raise ConnectorError(
                    f"The SFTP server's key is {self.seen_key}, and no host key is saved yet.",
                    hint="Check it with your feed provider, then paste it into 'Host key "
                    "fingerprint' so Rooftop Sync trusts this server.",
                )
            if s.host_key.strip() != self.seen_key:
                raise ConnectorError(
                    f"The SFTP server's key {self.seen_key} is not the saved one "
                    f"({s.host_key.strip()}). Nothing was sent.",
                    hint="If the provider really changed its key, save the new fingerprint.",
                )
            if s.private_key.strip():
                self.transport.auth_publickey(s.username, _pkey(s.private_key))
            else:
                self.transport.auth_password(s.username, s.password)
            self.sftp = paramiko.SFTPClient.from_transport(self.transport)
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

    def upload(self, name: str, data: bytes, on_chunk: ChunkHook | None = None) -> str:
        assert self.sftp is not None
        folder = self.settings.folder or "."
        final = posixpath.join(folder, name)
        temp = posixpath.join(folder, temp_name(name))
        try:
            with self.sftp.open(temp, "wb") as handle:
                handle.set_pipelined(True)
                step = 64 * 1024
                for start in range(0, len(data), step):
                    handle.write(data[start : start + step])
                    if on_chunk is not None:
                        on_chunk(min(start + step, len(data)))
            self._replace(temp, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                self.sftp.remove(temp)
            raise ConnectorError(f"Could not upload the feed to {final}: {exc}.") from exc
        return final

    def _replace(self, temp: str, final: str) -> None:
        assert self.sftp is not None
        try:
            self.sftp.posix_rename(temp, final)
        except OSError:
            # Servers without the posix-rename extension refuse to rename over a file:
            # remove the old feed first (a short gap, but never a partial file).
            with contextlib.suppress(OSError):
                self.sftp.remove(final)
            self.sftp.rename(temp, final)


def upload(
    settings: SftpSettings, name: str, data: bytes, on_chunk: ChunkHook | None = None
) -> DeliveryReceipt:
    with SftpSession(settings) as session:
        where = session.upload(name, data, on_chunk)
    return DeliveryReceipt(f"sftp://{settings.host}:{settings.port}/{where.lstrip('/')}", len(data))


def probe(settings: SftpSettings) -> str:
    with SftpSession(settings) as session:
        assert session.sftp is not None
        try:
            session.sftp.listdir(settings.folder or ".")
        except OSError as exc:
            raise ConnectorError(
                f"The SFTP folder '{settings.folder}' cannot be listed: {exc}."
            ) from exc
        return f"Connected to SFTP {settings.host} (key {session.seen_key})"
