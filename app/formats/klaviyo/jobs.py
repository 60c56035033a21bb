"""Bulk jobs: the state of a profile import (or suppression) job, its import errors tied
back to the profiles sent, and the data-privacy deletion request."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from app.formats.errors import KlaviyoError
from app.formats.klaviyo.common import obj, text, timestamp

QUEUED, PROCESSING, COMPLETE, CANCELLED = "queued", "processing", "complete", "cancelled"
FINISHED = frozenset({COMPLETE, CANCELLED})
# an import error's source pointer names the profile it is about
_POINTER = re.compile(r"^/data/attributes/profiles/data/(\d+)(?:/|$)")


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


@dataclass(frozen=True)
class JobState:
    """What ``GET …-jobs/{id}`` (or the ``202`` of its creation) says of a job."""

    id: str
    status: str
    total: int = 0
    completed: int = 0
    failed: int = 0
    skipped: int = 0
    created_at: str = ""
    completed_at: str = ""

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


def job_state(body: Any) -> JobState:
    data = obj(obj(body).get("data"))
    attrs = obj(data.get("attributes"))
    return JobState(
        id=text(data.get("id")),
        status=text(attrs.get("status")).strip().lower(),
        total=_count(attrs.get("total_count")),
        completed=_count(attrs.get("completed_count")),
        failed=_count(attrs.get("failed_count")),
        skipped=_count(attrs.get("skipped_count")),
        created_at=timestamp(attrs.get("created_at")),
        completed_at=timestamp(attrs.get("completed_at")),
    )


@dataclass(frozen=True)
class ImportProblem:
    """One ``import-error``: the profile's place in the job (from ``source.pointer``)
    when it says, the profile as sent (``original_payload``), and Klaviyo's words."""

    index: int | None
    code: str
    title: str
    detail: str
    pointer: str = ""
    payload: dict[str, Any] = field(default_factory=dict)

    def words(self) -> str:
        """Klaviyo's reason, for the sync log: 'Invalid input: Invalid email address
        (email)'."""
        parts = [p for p in (self.title.rstrip(". "), self.detail.strip()) if p]
        if len(parts) == 2 and parts[1].lower().startswith(parts[0].lower()):
            parts = parts[1:]
        where = self.pointer.rsplit("/", 1)[-1] if "/attributes/" in self.pointer else ""
        message = ": ".join(parts) or self.code or "refused by Klaviyo"
        if where and where not in ("attributes", str(self.index)):
            message += f" ({where})"
        return message


def import_problems(body: Any) -> list[ImportProblem]:
    """The ``import-error`` resources of one page of ``…/import-errors``."""
    out = []
    for item in obj(body).get("data") or []:
        attrs = obj(obj(item).get("attributes"))
        pointer = text(obj(attrs.get("source")).get("pointer"))
        m = _POINTER.match(pointer)
        out.append(
            ImportProblem(
                index=int(m.group(1)) if m else None,
                code=text(attrs.get("code")),
                title=text(attrs.get("title")),
                detail=text(attrs.get("detail")),
                pointer=pointer,
                payload=dict(obj(attrs.get("original_payload"))),
            )
        )
    return out


def deletion_body(email: str = "", phone_number: str = "", profile_id: str = "") -> dict[str, Any]:
    """``POST /api/data-privacy-deletion-jobs``: exactly one identifier (Klaviyo refuses
    several); every profile it matches is deleted."""
    given = [(k, v.strip()) for k, v in (("email", email), ("phone_number", phone_number)) if v]
    if len(given) + bool(profile_id.strip()) != 1:
        raise KlaviyoError(
            "A deletion request names exactly one of: e-mail, phone number, profile id."
        )
    profile: dict[str, Any] = {"type": "profile", "attributes": dict(given)}
    if profile_id.strip():
        profile["id"] = profile_id.strip()
    return {
        "data": {
            "type": "data-privacy-deletion-job",
            "attributes": {"profile": {"data": profile}},
        }
    }
