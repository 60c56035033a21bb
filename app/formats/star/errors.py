"""STAR error bodies: read them into plain words, and build them (for the sandbox).

The five specs with errors answer every 4xx/5xx with ``ErrorDetail`` (``required: category,
code, message, timestamp, trace_id``; optional ``doc_url`` and ``details[]`` of ``{field,
issue, rejected_value}``); they also define an RFC 7807 ``ProblemDetail`` (``title``,
``detail``, ``error_code``, ``violations[] {pointer, message}``) that no operation uses.
We read both, and a plain ``{"code", "message"}`` or text as a last resort.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CATEGORIES = (
    "VALIDATION",
    "AUTHENTICATION",
    "AUTHORIZATION",
    "INFRASTRUCTURE",
    "BUSINESS_LOGIC",
    "DATA_INTEGRITY",
)
_STATUS_CODES = {
    400: ("BAD_REQUEST", "VALIDATION"),
    401: ("UNAUTHORIZED", "AUTHENTICATION"),
    403: ("FORBIDDEN", "AUTHORIZATION"),
    404: ("NOT_FOUND", "DATA_INTEGRITY"),
    405: ("METHOD_NOT_ALLOWED", "VALIDATION"),
    406: ("NOT_ACCEPTABLE", "VALIDATION"),
    409: ("CONFLICT", "DATA_INTEGRITY"),
    412: ("PRECONDITION_FAILED", "DATA_INTEGRITY"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "VALIDATION"),
    422: ("UNPROCESSABLE_ENTITY", "BUSINESS_LOGIC"),
    428: ("PRECONDITION_REQUIRED", "DATA_INTEGRITY"),
    429: ("TOO_MANY_REQUESTS", "INFRASTRUCTURE"),
}
MAX_TEXT = 300


def _s(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def error_message(body: Any) -> str:
    """The error in plain words: the message, then the field problems, then the code."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        return _clip(body) or "no details given"
    if not isinstance(body, Mapping):
        return "no details given"
    message = _s(body.get("message")) or _s(body.get("detail")) or _s(body.get("title"))
    message = message or _s(body.get("error_description")) or _s(body.get("error"))
    problems: list[str] = []
    for item in body.get("details") or []:
        if isinstance(item, Mapping) and (_s(item.get("field")) or _s(item.get("issue"))):
            issue = _s(item.get("issue"))
            if issue == message:  # the message said it already: name only the field
                issue = ""
            text = f"{_s(item.get('field'))}: {issue}".strip(": ")
            rejected = _s(item.get("rejected_value"))
            problems.append(f"{text} (sent '{rejected}')" if rejected else text)
    for item in body.get("violations") or []:
        if isinstance(item, Mapping):
            where = _s(item.get("pointer")) or _s(item.get("path"))
            text = _s(item.get("message")) or _s(item.get("code"))
            if where or text:
                problems.append(f"{where}: {text}".strip(": "))
    code = body.get("code") if "code" in body else body.get("error_code")
    code_text = _s(code) or (str(code) if isinstance(code, int) else "")
    parts = [message or "no message given"]
    if problems:
        parts.append("; ".join(problems))
    text = " — ".join(p for p in parts if p)
    if code_text:
        text += f" (code {code_text})"
    return _clip(text)


def describe_error(body: Any, *, system: str = "The DMS", what: str = "the record") -> str:
    """``"The DMS refused the record: <message> (code ...)"``."""
    return f"{system} refused {what}: {error_message(body)}"


def error_body(
    status: int,
    message: str,
    *,
    timestamp: str,
    trace_id: str,
    code: str = "",
    field: str = "",
    issue: str = "",
    rejected_value: str = "",
) -> dict[str, Any]:
    """An ``ErrorDetail`` for ``status`` (code and category derived from it)."""
    default_code, category = _STATUS_CODES.get(
        status, ("SERVER_ERROR", "INFRASTRUCTURE") if status >= 500 else ("ERROR", "VALIDATION")
    )
    body: dict[str, Any] = {
        "code": code or default_code,
        "message": message,
        "category": category,
        "timestamp": timestamp,
        "trace_id": trace_id,
    }
    if field:
        detail = {"field": field, "issue": issue or message}
        if rejected_value:
            detail["rejected_value"] = rejected_value
        body["details"] = [detail]
    return body
