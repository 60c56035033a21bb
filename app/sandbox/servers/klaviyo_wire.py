"""Klaviyo's words on the wire for the simulated marketing platform: its JSON:API error
answers (``KlaviyoFault``, injected faults and 429s), its date-times and its ids."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from app.formats import klaviyo as kl
from app.sandbox.servers.errors import ApiError


class KlaviyoFault(ApiError):
    """An error answer in Klaviyo's JSON:API shape."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str,
        *,
        pointer: str = "",
        parameter: str = "",
        headers: Mapping[str, str] | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(status, detail, headers=headers)
        self.error = kl.error_body(
            status, code, title, detail, pointer=pointer, parameter=parameter, meta=meta
        )

    def body(self) -> dict[str, Any]:
        return self.error


def invalid(detail: str, *, pointer: str = "", parameter: str = "") -> KlaviyoFault:
    return KlaviyoFault(
        400, "invalid", "Invalid input.", detail, pointer=pointer, parameter=parameter
    )


def klaviyo_ts(stamp: str) -> str | None:
    """Our stored ``…Z`` as Klaviyo writes date-times (``…+00:00``)."""
    return stamp[:-1] + "+00:00" if stamp.endswith("Z") else (stamp or None)


def new_id() -> str:
    return "01" + uuid.uuid4().hex[:24].upper()


def klaviyo_fault_body(status: int, message: str) -> dict[str, Any]:
    """An injected fault or 429 on an ``/api`` path, as Klaviyo words it."""
    if status == 429:
        return kl.error_body(
            429, "throttled", "Request was throttled.", f"Request was throttled ({message})."
        )
    return kl.error_body(status, "error", "A server error occurred.", message)
