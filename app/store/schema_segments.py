"""DDL: marketing segments, the app's own do-not-contact list and erasures, and what
each list sync did (members, adds, removals, and how many consent left out).

- ``segments``: a named rule (a built-in kind with parameters, or custom conditions) and
  the channel its list is for;
- ``contact_blocks``: people the app must never add to a list (``do_not_contact``) or
  never export again (``erasure``), by DMS customer number, e-mail or phone;
- ``segment_syncs``: one row per list sync, tied to its run in the sync log.
"""

from __future__ import annotations

STATEMENTS: list[str] = [
    """CREATE TABLE segments (
        id INTEGER PRIMARY KEY,
        name VARCHAR(200) NOT NULL UNIQUE,
        kind VARCHAR(50) NOT NULL,
        params JSON NOT NULL,
        conditions JSON NOT NULL,
        channel VARCHAR(10) NOT NULL DEFAULT 'email',
        description TEXT NOT NULL DEFAULT '',
        created_at DATETIME NOT NULL,
        updated_at DATETIME NOT NULL
    )""",
    """CREATE TABLE contact_blocks (
        id INTEGER PRIMARY KEY,
        kind VARCHAR(20) NOT NULL,
        customer_id VARCHAR(100) NOT NULL DEFAULT '',
        email VARCHAR(320) NOT NULL DEFAULT '',
        phone VARCHAR(40) NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT '',
        created_by VARCHAR(100) NOT NULL DEFAULT '',
        created_at DATETIME NOT NULL
    )""",
    "CREATE INDEX ix_contact_blocks_kind ON contact_blocks (kind)",
    """CREATE TABLE segment_syncs (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
        flow_id INTEGER REFERENCES flows(id) ON DELETE SET NULL,
        segment VARCHAR(200) NOT NULL,
        list_id VARCHAR(100) NOT NULL DEFAULT '',
        members INTEGER NOT NULL DEFAULT 0,
        added INTEGER NOT NULL DEFAULT 0,
        updated INTEGER NOT NULL DEFAULT 0,
        removed INTEGER NOT NULL DEFAULT 0,
        left_out INTEGER NOT NULL DEFAULT 0,
        left_out_reasons JSON NOT NULL,
        at DATETIME NOT NULL
    )""",
    "CREATE INDEX ix_segment_syncs_segment ON segment_syncs (segment, at)",
]
