"""DDL of privacy requests (migration v12): erasure tombstones and the register of
erasure and access requests.

- ``privacy_tombstones``: one keyed hash (HMAC-SHA256, key in the keyring) per identifier
  of an erased person -- ``entity|system|external id`` of each of their records -- so the
  engine can recognise them on the next read without keeping who they were.
- ``privacy_requests``: who asked for an erasure or an access export, when, with what
  result, under an opaque reference (``ERA-…``/``SAR-…``); never whom it was about.
"""

from __future__ import annotations

STATEMENTS: list[str] = [
    """CREATE TABLE privacy_tombstones (
        digest VARCHAR(64) PRIMARY KEY,
        request_ref VARCHAR(40) NOT NULL,
        created_at DATETIME NOT NULL
    )""",
    """CREATE TABLE privacy_requests (
        id INTEGER PRIMARY KEY,
        ref VARCHAR(40) NOT NULL UNIQUE,
        action VARCHAR(20) NOT NULL,
        status VARCHAR(20) NOT NULL,
        requested_by VARCHAR(100) NOT NULL DEFAULT '',
        requested_at DATETIME NOT NULL,
        finished_at DATETIME,
        summary JSON NOT NULL
    )""",
    "CREATE INDEX ix_privacy_requests_at ON privacy_requests (requested_at)",
]
