"""A real SFTP server on 127.0.0.1 for tests: paramiko's server classes over a local
folder, a generated host key, password auth, one thread per connection. ``stop()`` closes
it; it also stops by itself after ``lifetime_s``.

``host_key`` may be replaced (``replace_host_key``): new connections get the new one.
``renames`` and ``reads`` (paths opened for reading) record what clients did."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import paramiko
from paramiko import SFTPAttributes, SFTPHandle, SFTPServer, SFTPServerInterface

USER, PASSWORD = "feeds", "s3cret-feeds"


class _Handle(SFTPHandle):
    def __init__(self, path: Path, flags: int, file_obj: Any) -> None:
        super().__init__(flags)
        self.filename = str(path)
        self.readfile = file_obj
        self.writefile = file_obj

    def stat(self) -> SFTPAttributes:
        return SFTPAttributes.from_stat(os.stat(self.filename))


class _Folder(SFTPServerInterface):
    def __init__(
        self, server: Any, root: Path, renames: list[tuple[str, str]], reads: list[str]
    ) -> None:
        super().__init__(server)
        self.root = root
        self.renames = renames
        self.reads = reads

    def _real(self, path: str) -> Path:
        clean = os.path.normpath("/" + path).lstrip("/")
        return self.root / clean

    def canonicalize(self, path: str) -> str:
        return "/" + os.path.normpath("/" + path).lstrip("/")

    def list_folder(self, path: str) -> Any:
        folder = self._real(path)
        if not folder.is_dir():
            return paramiko.sftp.SFTP_NO_SUCH_FILE
        out = []
        for child in folder.iterdir():
            attr = SFTPAttributes.from_stat(child.stat())
            attr.filename = child.name
            out.append(attr)
        return out

    def stat(self, path: str) -> Any:
        try:
            return SFTPAttributes.from_stat(self._real(path).stat())
        except OSError as exc:
            return SFTPServer.convert_errno(exc.errno)

    lstat = stat

    def open(self, path: str, flags: int, attr: Any) -> Any:
        real = self._real(path)
        if not flags & (os.O_WRONLY | os.O_RDWR):
            self.reads.append(self.canonicalize(path))
        try:
            fd = os.open(real, flags, 0o644)
            mode = "r+b" if flags & (os.O_WRONLY | os.O_RDWR) else "rb"
            if flags & os.O_WRONLY and not flags & os.O_RDWR:
                mode = "wb"
            return _Handle(real, flags, os.fdopen(fd, mode))
        except OSError as exc:
            return SFTPServer.convert_errno(exc.errno)

    def remove(self, path: str) -> int:
        try:
            self._real(path).unlink()
        except OSError as exc:
            return SFTPServer.convert_errno(exc.errno)
        return paramiko.sftp.SFTP_OK

    def mkdir(self, path: str, attr: Any) -> int:
        try:
            self._real(path).mkdir()
        except OSError as exc:
            return SFTPServer.convert_errno(exc.errno)
        return paramiko.sftp.SFTP_OK

    def rename(self, oldpath: str, newpath: str) -> int:
        if self._real(newpath).exists():
            return paramiko.sftp.SFTP_FAILURE  # SFTP v3 semantics
        return self.posix_rename(oldpath, newpath)

    def posix_rename(self, oldpath: str, newpath: str) -> int:
        try:
            os.replace(self._real(oldpath), self._real(newpath))
        except OSError as exc:
            return SFTPServer.convert_errno(exc.errno)
        self.renames.append((oldpath, newpath))
        return paramiko.sftp.SFTP_OK


class _Auth(paramiko.ServerInterface):
    def check_auth_password(self, username: str, password: str) -> int:
        ok = username == USER and password == PASSWORD
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return (
            paramiko.OPEN_SUCCEEDED
            if kind == "session"
            else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED
        )


class LocalSftpServer:
    def __init__(self, root: Path, lifetime_s: float = 120.0) -> None:
        self.root = root
        self.host_key: paramiko.PKey = paramiko.RSAKey.generate(2048)
        self.renames: list[tuple[str, str]] = []
        self.reads: list[str] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(5)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._transports: list[paramiko.Transport] = []
        self._timer = threading.Timer(lifetime_s, self.stop)
        self._timer.daemon = True
        self._thread = threading.Thread(target=self._serve, daemon=True, name="test-sftp")

    def start(self) -> LocalSftpServer:
        self._thread.start()
        self._timer.start()
        return self

    def replace_host_key(self) -> paramiko.PKey:
        """The server gets a new host key (as a reinstalled or impostor server would)."""
        self.host_key = paramiko.ECDSAKey.generate()
        return self.host_key

    def _folder(self, server: Any, *_args: Any, **_kwargs: Any) -> _Folder:
        return _Folder(server, self.root, self.renames, self.reads)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            transport = paramiko.Transport(conn)
            transport.add_server_key(self.host_key)
            transport.set_subsystem_handler("sftp", SFTPServer, sftp_si=self._folder)
            # with an event, start_server returns at once: one slow or abandoned handshake
            # must not keep the next client waiting for its banner
            transport.start_server(event=threading.Event(), server=_Auth())
            self._transports.append(transport)

    def stop(self) -> None:
        self._stop.set()
        self._timer.cancel()
        for t in self._transports:
            t.close()
        self._sock.close()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)


@contextmanager
def serving(root: Path, *folders: str) -> Iterator[LocalSftpServer]:
    """A server over ``root`` (created, with ``folders`` in it), stopped afterwards."""
    for folder in ("", *folders):
        (root / folder).mkdir(parents=True, exist_ok=True)
    server = LocalSftpServer(root).start()
    try:
        yield server
    finally:
        server.stop()
