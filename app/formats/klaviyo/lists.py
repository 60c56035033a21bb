"""Lists: JSON:API ``list`` resources as flat rows, and list membership bodies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.formats.klaviyo.common import obj, text, timestamp

LIST_FIELDS = ("list_id", "name", "opt_in_process", "created", "updated")


def flatten_list(resource: Any) -> dict[str, str]:
    data = obj(resource)
    attrs = obj(data.get("attributes"))
    return {
        "list_id": text(data.get("id")),
        "name": text(attrs.get("name")),
        "opt_in_process": text(attrs.get("opt_in_process")),
        "created": timestamp(attrs.get("created")),
        "updated": timestamp(attrs.get("updated")),
    }


def members_body(profile_ids: Sequence[str]) -> dict[str, Any]:
    """``POST`` / ``DELETE /api/lists/{id}/relationships/profiles`` (``ListMembersAddQuery``
    / ``ListMembersDeleteQuery``, at most 1000 profiles). Neither touches consent."""
    return {"data": [{"type": "profile", "id": pid} for pid in profile_ids]}


def list_body(name: str) -> dict[str, Any]:
    """``POST /api/lists`` (``ListCreateQuery``)."""
    return {"data": {"type": "list", "attributes": {"name": name}}}
