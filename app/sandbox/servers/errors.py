"""Errors of the simulated servers.

``ApiError`` is what a handler raises to answer a client with a JSON error body; it never
leaves the server. ``SandboxError`` is for the code that runs the servers (start-up
failures, bad fault specs) and is readable by a person.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.errors import RooftopError


class SandboxError(RooftopError):
    """The demo dealership could not be started or configured."""


class ApiError(Exception):
    """An HTTP error answer: status, readable message, optionally the offending field."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        field: str = "",
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        """The JSON body, shaped like the Fortellis ``ErrorResponse`` (code + message)."""
        out: dict[str, Any] = {"code": self.status, "message": self.message}
        if self.field:
            out["field"] = self.field
        out.update(self.extra)
        return out
