"""Feed upload over SFTP (paramiko), atomic on the server: upload under a hidden
temporary name, then ``posix-rename`` over the final name.

The server's host key must match the fingerprint saved in the profile (``SHA256:…``,
as ``ssh-keygen -lf`` prints it). "Test connection" shows the fingerprint it saw, so the
admin can compare it with the provider's and paste it in; we never trust a key blindly.
The connection itself is ``sftp_client``'s.
"""

from __future__ import annotations

import contextlib
import posixpath

from app.connectors.errors import ConnectorError
from app.connectors.feed_files import ChunkHook, DeliveryReceipt, temp_name
from app.connectors.sftp_client import SftpSession, SftpSettings, fingerprint

__all__ = ["SftpSettings", "fingerprint", "probe", "upload"]


def _upload(session: SftpSession, name: str, data: bytes, on_chunk: ChunkHook | None = None) -> str:
    sftp = session.client
    folder = session.settings.folder or "."
    final = posixpath.join(folder, name)
    temp = posixpath.join(folder, temp_name(name))
    try:
        with sftp.open(temp, "wb") as handle:
            handle.set_pipelined(True)
            step = 64 * 1024
            for start in range(0, len(data), step):
                handle.write(data[start : start + step])
                if on_chunk is not None:
                    on_chunk(min(start + step, len(data)))
        session.replace(temp, final)
    except OSError as exc:
        with contextlib.suppress(OSError):
            sftp.remove(temp)
        raise ConnectorError(f"Could not upload the feed to {final}: {exc}.") from exc
    return final


def upload(
    settings: SftpSettings, name: str, data: bytes, on_chunk: ChunkHook | None = None
) -> DeliveryReceipt:
    with SftpSession(settings) as session:
        where = _upload(session, name, data, on_chunk)
    return DeliveryReceipt(f"sftp://{settings.host}:{settings.port}/{where.lstrip('/')}", len(data))


def probe(settings: SftpSettings) -> str:
    with SftpSession(settings) as session:
        try:
            session.client.listdir(settings.folder or ".")
        except OSError as exc:
            raise ConnectorError(
                f"The SFTP folder '{settings.folder}' cannot be listed: {exc}."
            ) from exc
        return f"Connected to SFTP {settings.host} (key {session.seen_key})"
