"""The digital-retailing inbox keeps the newest version of each deal, whatever order the
versions arrive in, and numbers each stored version for the streams' cursor."""

from __future__ import annotations

from sqlalchemy import text

from app.store import Store, retailing_inbox
from app.store.retailing_inbox import DUPLICATE, STALE, STORED


def _offer(store: Store, key: str, version: int, stamp: str = "", system: str = "tool") -> str:
    body = {"vehicle_invoice": {"vehicle_invoice_key": key, "v": version}}
    with store.session() as s:
        return retailing_inbox.offer(s, system, key, (version, stamp), body, f"evt-{version}")


def test_newest_version_wins_and_each_stored_one_moves_the_cursor(store: Store) -> None:
    assert _offer(store, "D1", 1) == STORED
    assert _offer(store, "D1", 1) == DUPLICATE  # a redelivery
    assert _offer(store, "D2", 1) == STORED
    assert _offer(store, "D1", 3) == STORED
    assert _offer(store, "D1", 2) == STALE  # arrived after version 3
    assert _offer(store, "D1", 3, "2026-01-01T00:00:00Z") == STORED  # same revision, later
    assert _offer(store, "D1", 3) == STALE
    assert _offer(store, "D1", 1, system="other") == STORED  # connections are apart
    with store.session() as s:
        kept = retailing_inbox.since(s, "tool", 0)
        assert [(k.deal_key, k.version, k.seq) for k in kept] == [("D2", 1, 2), ("D1", 3, 4)]
        assert kept[1].body["vehicle_invoice"]["v"] == 3
        assert [k.deal_key for k in retailing_inbox.since(s, "tool", 2)] == ["D1"]
        assert retailing_inbox.since(s, "tool", 4) == []
        assert [k.version for k in retailing_inbox.by_keys(s, "tool", ["D1", "X"])] == [3]
        assert retailing_inbox.count(s, "tool") == 2
        assert retailing_inbox.forget(s, ["tool"]) == 2
        assert retailing_inbox.count(s, "tool") == 0
        assert retailing_inbox.count(s, "other") == 1


def test_a_removed_jacket_never_gives_its_number_again(store: Store) -> None:
    """An erasure (or retention) may remove the newest jacket; a stream's cursor can be
    past it, so the next jacket must come after it, not take its number."""
    for key in ("D1", "D2", "D3"):
        assert _offer(store, key, 1) == STORED
    with store.session() as s:
        s.execute(text("DELETE FROM retailing_jackets WHERE deal_key = 'D3'"))
    assert _offer(store, "D4", 1) == STORED
    with store.session() as s:
        assert [(k.deal_key, k.seq) for k in retailing_inbox.since(s, "tool", 3)] == [("D4", 4)]
