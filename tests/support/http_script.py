"""A scripted HTTP server for client tests: httpx's MockTransport answering from a list
(responses or exceptions) and recording every request."""

from __future__ import annotations

from typing import Any

import httpx

from app.connectors.rest.client import ResilientClient, RetryPolicy

Reply = httpx.Response | Exception


class Script:
    """A MockTransport handler answering from a list; records every request."""

    def __init__(self, replies: list[Reply]) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise reply
        return reply


def client_for(
    script: Script, sleeps: list[float], *, attempts: int = 6, auth: Any = None, **kw: Any
) -> ResilientClient:
    return ResilientClient(
        "https://api.test",
        auth,
        retry=RetryPolicy(max_attempts=attempts, base_delay_s=0.5, max_delay_s=4.0),
        sleep=sleeps.append,
        seed=7,
        transport=httpx.MockTransport(script),
        **kw,
    )
