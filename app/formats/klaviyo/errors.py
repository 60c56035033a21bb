"""JSON:API error bodies: read into plain words, and built (for the sandbox).

Every Klaviyo 4xx/5xx is ``{"errors": [{"id", "code", "title", "detail", "source":
{"pointer" | "parameter"}}]}`` (``ClientError`` / ``ServerError`` in the specs)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from app.formats.klaviyo.common import obj, text


def error_message(body: Any) -> str:
    """'Invalid input: 'email' is not a valid email (at /data/attributes/email)'; several
    errors joined by '; '; '' when the body holds none."""
    errors = obj(body).get("errors")
    if not isinstance(errors, list):
        return ""
    words = []
    for item in errors:
        err = obj(item)
        title = text(err.get("title")).strip().rstrip(".")
        detail = text(err.get("detail")).strip()
        if detail and title and detail.lower().startswith(title.lower()):
            title = ""
        message = ": ".join(p for p in (title, detail) if p) or text(err.get("code"))
        source = obj(err.get("source"))
        where = text(source.get("pointer") or source.get("parameter"))
        if where and where not in ("/data", "/"):
            message += f" (at {where})"
        if message:
            words.append(message)
    return "; ".join(dict.fromkeys(words))


def error_code(body: Any) -> str:
    """The first error's ``code`` (e.g. ``duplicate_profile``), '' if none."""
    errors = obj(body).get("errors")
    return text(obj(errors[0]).get("code")) if isinstance(errors, list) and errors else ""


def error_body(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    pointer: str = "",
    parameter: str = "",
    meta: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One error as Klaviyo answers it."""
    err: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "status": status,
        "code": code,
        "title": title,
        "detail": detail,
    }
    if pointer or parameter:
        err["source"] = {"pointer": pointer} if pointer else {"parameter": parameter}
    if meta:
        err["meta"] = dict(meta)
    return {"errors": [err]}
