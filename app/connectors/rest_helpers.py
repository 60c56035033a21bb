"""Small pieces the REST connector kinds share: readable error text from an answer,
string-only DataFrames, stream field lists, idempotency keys and "Test connection"
wrapping."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import httpx
import orjson
import pandas as pd

from app.connectors.base import CheckResult
from app.connectors.errors import AuthError, ConnectorError, DeliveryError, ServerRefusedError
from app.connectors.streams import FieldKind, StreamField, WriteRecord

_LONG_NUMBER = re.compile(rb"[0-9]{19}")
REJECTING_STATUS = frozenset({400, 404, 409, 410, 412, 413, 422, 428})


def response_json(response: httpx.Response) -> Any:
    """The answer's JSON (``ValueError`` if it is none): orjson for UTF-8 bodies, several
    times faster than ``Response.json`` on a page of a thousand records; the standard
    library for anything orjson refuses (another encoding) and for answers with a number
    of 19 digits or more, which orjson would read as a float (an id would lose digits)."""
    content = response.content
    if _LONG_NUMBER.search(content) is None:
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError:
            pass
    return response.json()


def error_text(response: httpx.Response) -> str:
    """The server's own explanation (``message``, ``error_description``...) or the status."""
    detail = ""
    try:
        body = response_json(response)
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("message", "error_description", "error", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                detail = value.strip()
                break
    elif response.text.strip():
        detail = " ".join(response.text.split())[:300]
    status = f"HTTP {response.status_code}"
    return f"{detail} ({status})" if detail else status


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The answer as a JSON object, or a ``ConnectorError`` saying it is not one."""
    try:
        body = response_json(response)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ConnectorError(
            f"The server answered {response.request.method} {response.request.url.path} "
            "with something that is not a JSON object.",
            hint="Check that the base URL points at the API itself.",
        )
    return body


def raise_for_read(response: httpx.Response, system: str) -> None:
    """Turn a failed read into a readable error (auth problems become ``AuthError``)."""
    code = response.status_code
    if code < 400:
        return
    if code in (401, 403):
        raise AuthError(
            f"The {system} refused access: {error_text(response)}.",
            hint="Check the credentials in the connection profile.",
        )
    raise ServerRefusedError(f"The {system} could not answer the read: {error_text(response)}.")


def as_text(value: Any) -> str:
    if type(value) is str:  # most values; skip the checks below
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


def frame(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """Rows as a DataFrame with exactly ``columns``, every value a string ('' if missing)."""
    data = {c: [as_text(r.get(c)) for r in rows] for c in columns}
    return pd.DataFrame(data, columns=list(columns), dtype=object)


def fields(
    names: Iterable[str],
    *,
    required: Iterable[str] = (),
    kinds: Mapping[str, FieldKind] | None = None,
    notes: Mapping[str, str] | None = None,
) -> tuple[StreamField, ...]:
    """StreamFields for ``names``; ``*_at`` are datetimes and ``*_date`` dates unless told."""
    must = set(required)
    kinds = kinds or {}
    notes = notes or {}
    out = []
    for name in names:
        kind = kinds.get(name)
        if kind is None:
            if name.endswith("_at"):
                kind = FieldKind.DATETIME
            elif name.endswith("_date"):
                kind = FieldKind.DATE
            else:
                kind = FieldKind.STRING
        out.append(StreamField(name, kind, name in must, notes.get(name, "")))
    return tuple(out)


def idempotency_key(record: WriteRecord) -> str:
    """The engine's key when given, else one derived from the record's identity and content
    (so a retried create of the same payload is recognised by the server)."""
    if record.idempotency_key:
        return record.idempotency_key
    raw = json.dumps(
        [record.golden_id, record.key, record.payload], sort_keys=True, default=str
    ).encode()
    return hashlib.sha256(raw).hexdigest()[:40]


def clean_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Drop ``None`` values (unknown) but keep '' (an explicit blank)."""
    return {k: v for k, v in payload.items() if v is not None}


def timed_check(system: str, probe: Callable[[], str]) -> CheckResult:
    """Run ``probe`` (returns a success sentence) and turn every failure into plain words."""
    started = time.perf_counter()

    def elapsed() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        message = probe()
    except AuthError as exc:
        return CheckResult(False, str(exc), elapsed())
    except DeliveryError as exc:
        return CheckResult(False, f"Could not reach the {system}: {exc}", elapsed())
    except ConnectorError as exc:
        return CheckResult(False, str(exc), elapsed())
    except httpx.HTTPError as exc:
        return CheckResult(False, f"Talking to the {system} failed: {exc}.", elapsed())
    ms = elapsed()
    return CheckResult(True, f"{message} ({ms} ms).", ms)
