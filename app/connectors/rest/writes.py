"""The per-record write loop's pieces: an answer turned into a ``WriteResult`` in the
vendor's own words, unknown fields refused before anything is sent, and creates on APIs
without an upsert — after an ambiguous failure (no answer, dropped connection, 5xx) the
record is looked for by our key before it is ever sent again, so a retry cannot make a
second copy."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from app.connectors.errors import AmbiguousRequestError, AuthError, DeliveryError
from app.connectors.rest.stream import Api
from app.connectors.rest_helpers import clean_payload
from app.connectors.streams import StreamSpec, WriteAction, WriteResult

CREATE_ATTEMPTS = 3


def rejected(message: str) -> WriteResult:
    return WriteResult(WriteAction.REJECTED, error=message)


def refusal(api: Api, response: httpx.Response, what: str) -> WriteResult:
    """A non-2xx answer to a write: credentials stop the batch, the rest refuse one record."""
    if response.status_code in (401, 403):
        raise AuthError(
            f"The {api.system} refused the write: {api.describe(response)}.",
            hint="Check the credentials in the connection profile.",
        )
    return rejected(f"The {api.system} refused {what}: {api.describe(response)}")


def unknown_fields(spec: StreamSpec, payload: Mapping[str, Any]) -> WriteResult | None:
    """Refuse a payload with fields the stream does not have (a mapping mistake)."""
    names = set(spec.field_names())
    extra = sorted(k for k in payload if k not in names)
    if extra:
        return rejected(f"Not a field of {spec.name}: {', '.join(extra)}. Fix the mapping.")
    return None


def checked_payload(
    spec: StreamSpec, payload: Mapping[str, Any], *, as_text: bool = False
) -> dict[str, Any] | WriteResult:
    """A record's payload ready to send: unknown (``None``) values dropped, every value as
    text when the API takes only strings; or the refusal when it names a field the stream
    does not have."""
    cleaned = clean_payload(payload)
    if as_text:
        cleaned = {k: str(v) for k, v in cleaned.items()}
    return unknown_fields(spec, cleaned) or cleaned


def answer(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of an answer ({} when there is none)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {"data": body}


def create_once(
    api: Api,
    what: str,
    send: Callable[[], httpx.Response],
    find: Callable[[], str | None],
    id_of: Callable[[httpx.Response], str],
    *,
    settle_s: float = 0.0,
) -> WriteResult:
    """Create with ``send`` (which must pass ``retry_ambiguous=False``). When the server
    may or may not have created it, ``find`` (our key, e-mail or phone) decides: found
    means created; only when it is not there is the create sent again. ``settle_s``: how
    long a create whose answer timed out is given to finish on the server before it is
    looked for — for an API that would not recognise the create sent again (no upsert,
    no idempotency key)."""
    last: AmbiguousRequestError | None = None
    for _attempt in range(CREATE_ATTEMPTS):
        try:
            response = send()
        except AmbiguousRequestError as exc:
            last = exc
            if settle_s and isinstance(exc.__cause__, httpx.TimeoutException):
                api.client.sleep(settle_s)  # no answer yet: it may still be under way
            found = find()
            if found:
                return WriteResult(
                    WriteAction.CREATED,
                    dest_id=found,
                    response={"found_after_unclear_create": str(exc)},
                )
            continue
        if response.status_code >= 300:
            return refusal(api, response, what)
        return WriteResult(WriteAction.CREATED, dest_id=id_of(response), response=answer(response))
    raise DeliveryError(
        f"The {api.system} did not confirm {what} after {CREATE_ATTEMPTS} attempts, and it "
        f"was not found there either ({last}). It will be tried again on the next run."
    )
