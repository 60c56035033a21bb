"""DDL v16: a cheaper run log and search index for large syncs.

- ``payload_dictionaries`` keeps the preset dictionaries that record outcomes' payloads are
compressed with (see ``app.store.payload_codec``): a few records of one flow, so a
compressed payload holds little more than its values. A dictionary's id is a hash of its
bytes and it never changes; outcomes name it in their payload's header.
- The name index (FTS5) is no longer filled row by row by a trigger on ``record_index``
  inserts: ``app.sync.search.index_rows`` (the one writer of new index rows) adds a chunk's
  new rows to it in one statement, in the same transaction. The trigger's per-row program
  cost more than the rest of the row. Updates and deletes keep their triggers.
"""

from __future__ import annotations

STATEMENTS: list[str] = [
    """CREATE TABLE payload_dictionaries (
        id INTEGER PRIMARY KEY,
        flow_id INTEGER,
        data BLOB NOT NULL,
        created_at DATETIME NOT NULL
    )""",
    "CREATE INDEX ix_payload_dictionaries_flow ON payload_dictionaries (flow_id, created_at)",
    "DROP TRIGGER IF EXISTS record_index_ai",
]
