"""A Klaviyo list kept equal to a set of people (a marketing segment), over the list
membership API (``lists.json``):

- ``find_or_create(name)``: ``GET /api/lists?filter=equals(name,"…")``, else
  ``POST /api/lists``;
- ``members(list_id)``: ``GET /api/lists/{id}/profiles`` (cursor paged, with the
  members' ``subscriptions``), so leavers are known by profile id;
- ``consent(people)``: what Klaviyo reports per channel for people known by e-mail or
  phone (``GET /api/profiles`` filtered with ``any``), before anyone is written;
- ``upsert(rows, list_id)``: profiles with their campaign fields as properties, through
  the profiles stream (``profile-import`` or a bulk import job), each saved profile added
  to the list (``POST /api/lists/{id}/relationships/profiles``);
- ``remove(list_id, ids)``: ``DELETE /api/lists/{id}/relationships/profiles``.

Membership never touches consent: nothing here subscribes anyone. The caller leaves out
everyone Klaviyo reports unsubscribed or suppressed before ``upsert``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.connectors.errors import ConnectorError
from app.connectors.klaviyo import KlaviyoConnector
from app.connectors.klaviyo_consent import ConsentWork, lookup_consent, refused_words, send_json
from app.connectors.klaviyo_streams import MEMBERS_MAX, SUBSCRIPTIONS, ProfilesStream
from app.connectors.rest.paging import LinkCursor, Page
from app.connectors.rest.stream import Api
from app.connectors.streams import WriteAction, WriteRecord
from app.formats import klaviyo as kl

MEMBER_PAGE = 100


@dataclass
class Member:
    profile_id: str
    email: str
    phone_number: str
    consent: dict[str, kl.ChannelConsent] = field(default_factory=dict)


@dataclass
class Upserted:
    """One row of ``upsert``: Klaviyo's profile id, or why it was not saved / listed."""

    key: str
    profile_id: str = ""
    created: bool = False
    error: str = ""
    failed: bool = False  # transient: try again next run


class KlaviyoLists:
    def __init__(self, connector: KlaviyoConnector) -> None:
        self.connector = connector
        self.lists: Api = connector.api("lists")
        self.profiles: Api = connector.api("profiles")

    def _pages(self, path: str, params: Mapping[str, Any], size: int) -> Iterator[Any]:
        paginator = LinkCursor()
        query: dict[str, Any] = {**params, **paginator.first(size)}
        url = path
        while True:
            response = self.lists.request("GET", url, params=query)
            self.lists.raise_for_read(response)
            body = response.json()
            yield from body.get("data") or []
            here = url if "://" in url else f"{self.lists.url}{url}"
            following = paginator.next(Page(here, query, body, []))
            if following is None:
                return
            url, query = following

    def find_or_create(self, name: str) -> tuple[str, bool]:
        """(list id, created) of the list named ``name`` (exactly)."""
        for item in self._pages("/api/lists", {"filter": kl.equals("name", name)}, 10):
            row = kl.flatten_list(item)
            if row["name"] == name and row["list_id"]:
                return row["list_id"], False
        response = send_json(self.lists, "POST", "/api/lists", kl.list_body(name))
        if response.status_code >= 300:
            raise ConnectorError(refused_words(self.lists, response, f"the list '{name}'"))
        list_id = kl.flatten_list(response.json().get("data"))["list_id"]
        if not list_id:
            raise ConnectorError(f"Klaviyo created the list '{name}' but did not say its id.")
        return list_id, True

    def members(self, list_id: str) -> dict[str, Member]:
        out: dict[str, Member] = {}
        for item in self._pages(f"/api/lists/{list_id}/profiles", SUBSCRIPTIONS, MEMBER_PAGE):
            row = kl.flatten_profile(item)
            if not row["profile_id"]:
                continue
            out[row["profile_id"]] = Member(
                row["profile_id"],
                row["email"],
                row["phone_number"],
                {
                    "email": kl.ChannelConsent(
                        row["email_consent"], row["email_consent_at"], row["email_suppression"]
                    ),
                    "sms": kl.ChannelConsent(row["sms_consent"], row["sms_consent_at"]),
                },
            )
        return out

    def consent(self, people: Sequence[tuple[str, str]]) -> list[ConsentWork]:
        """What Klaviyo reports for each (e-mail, phone): ``current`` per channel and the
        profile id when it has one (NEVER_SUBSCRIBED for a person it does not know)."""
        works = [
            ConsentWork(email=e.strip(), phone_number=kl.e164(p), desired={}) for e, p in people
        ]
        lookup_consent(self.profiles, works)
        return works

    def upsert(self, list_id: str, rows: Sequence[tuple[str, dict[str, Any]]]) -> list[Upserted]:
        """Write (key, profile row) and add each saved profile to ``list_id``."""
        options = self.connector.options()
        options.list_id = list_id
        stream = ProfilesStream(
            self.profiles, int(self.connector.setting("page_size")), options, self.lists
        )
        out: list[Upserted] = []
        step = stream.spec.max_batch
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            records = [WriteRecord(key=k, golden_id=k, payload=dict(p)) for k, p in chunk]
            for (key, _), result in zip(chunk, stream.write(records), strict=True):
                if result.action in (WriteAction.CREATED, WriteAction.UPDATED):
                    created = result.action == WriteAction.CREATED
                    out.append(Upserted(key, result.dest_id or "", created))
                else:
                    out.append(
                        Upserted(
                            key,
                            result.dest_id or "",
                            error=result.error or "not saved",
                            failed=result.action == WriteAction.FAILED,
                        )
                    )
        return out

    def remove(self, list_id: str, profile_ids: Sequence[str]) -> list[str]:
        """Take profiles off the list; returns the problems (one per refused chunk)."""
        problems = []
        path = f"/api/lists/{list_id}/relationships/profiles"
        ids = list(profile_ids)
        for start in range(0, len(ids), MEMBERS_MAX):
            chunk = ids[start : start + MEMBERS_MAX]
            response = send_json(self.lists, "DELETE", path, kl.members_body(chunk))
            if response.status_code >= 300:
                problems.append(refused_words(self.lists, response, f"removing from {list_id}"))
        return problems
