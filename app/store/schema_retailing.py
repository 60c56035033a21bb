"""DDL v14: the inbox of digital-retailing deal jackets, one row per deal and connection:
the newest version seen (sanitised), and the order in which stored versions arrived (the
cursor the connection's streams read by). ``retailing_sequence`` keeps each connection's last
number, so a jacket removed later (an erasure, retention) never gives its number again."""

from __future__ import annotations

STATEMENTS: list[str] = [
    """CREATE TABLE retailing_jackets (
        id INTEGER PRIMARY KEY,
        system VARCHAR(36) NOT NULL,
        deal_key VARCHAR(100) NOT NULL,
        version INTEGER NOT NULL,
        stamp VARCHAR(40) NOT NULL DEFAULT '',
        seq INTEGER NOT NULL,
        event_id VARCHAR(200) NOT NULL DEFAULT '',
        body JSON NOT NULL,
        received_at DATETIME NOT NULL,
        updated_at DATETIME NOT NULL,
        UNIQUE (system, deal_key)
    )""",
    "CREATE INDEX ix_retailing_jackets_seq ON retailing_jackets (system, seq)",
    """CREATE TABLE retailing_sequence (
        system VARCHAR(36) PRIMARY KEY,
        last_seq INTEGER NOT NULL
    )""",
]
