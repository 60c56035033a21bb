"""Run one ASGI app with uvicorn in a background thread on 127.0.0.1, port chosen by the OS.

The listening socket is bound here (port 0) and handed to uvicorn, so the port is known
before the thread starts. uvicorn only installs signal handlers in the main thread
(``Server.capture_signals`` yields untouched elsewhere), so threads are safe as is.
``log_config=None`` keeps uvicorn away from the app's logging set-up.
"""

from __future__ import annotations

import socket
import threading

import uvicorn
from starlette.types import ASGIApp

HOST = "127.0.0.1"


class UvicornThread:
    def __init__(self, name: str, app: ASGIApp, *, graceful_s: float = 1.0) -> None:
        self.name = name
        # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose
        # proto says TCP, and without it every response waits ~40 ms for a delayed ACK.
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.bind((HOST, 0))
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(
            app,
            host=HOST,
            port=self.port,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            http="h11",
            ws="none",
            loop="asyncio",
            timeout_graceful_shutdown=int(graceful_s) or 1,
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self.server.run,
            kwargs={"sockets": [self._sock]},
            name=f"sandbox-{name}-http",
            daemon=True,
        )

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def request_stop(self) -> None:
        """Ask the server to shut down (returns at once; see ``stop``)."""
        self.server.should_exit = True

    def stop(self, timeout_s: float = 10.0) -> None:
        self.request_stop()
        if self._thread.is_alive():
            self._thread.join(timeout=timeout_s)
        self._sock.close()
