"""DDL for the sync log viewer (migration v6): indexes that keep filters, search and the
record timeline answering from an index on a store with millions of record events.
Every statement is idempotent (``IF NOT EXISTS``).

Why these indexes (``record_outcomes`` pages newest-first by ``id``, and SQLite appends the
rowid to every index, so an equality prefix walks the rows already in page order):
- (flow_id, status): a flow filter (or a system, expanded to its flows) per status.
- (golden_id): a record's story across systems and flows (timeline, search).
- (replay_of): "this attempt was replayed by ..." next to the original error.
- runs (started_at): the runs list and the time window, newest first.
- runs (status): the runs list filtered by status.
"""

from __future__ import annotations

STATEMENTS: list[str] = [
    "CREATE INDEX IF NOT EXISTS ix_synclog_outcomes_flow_status "
    "ON record_outcomes (flow_id, status)",
    "CREATE INDEX IF NOT EXISTS ix_synclog_outcomes_golden ON record_outcomes (golden_id)",
    "CREATE INDEX IF NOT EXISTS ix_synclog_outcomes_replay ON record_outcomes (replay_of) "
    "WHERE replay_of IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS ix_synclog_runs_started ON runs (started_at)",
    "CREATE INDEX IF NOT EXISTS ix_synclog_runs_status ON runs (status)",
]
