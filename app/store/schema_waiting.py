"""DDL: what waits for replay, and how it adds up.

- ``runs.job_id``: the runs of one job share it (a date-range re-sync sent in chunks is
  one job of many runs); a run on its own is a job of one (its own id). The Flows screen,
  the dashboard and ``flow list`` total the last job across all its runs.
- ``parked_records.dismissed_by`` / ``dismiss_reason``: a record taken out of the retry
  queue without being delivered says who did it and why (status ``dismissed``).
"""

from __future__ import annotations

STATEMENTS: list[str] = [
    "ALTER TABLE runs ADD COLUMN job_id INTEGER",
    "UPDATE runs SET job_id = id",
    "CREATE INDEX ix_runs_job ON runs (job_id)",
    "ALTER TABLE parked_records ADD COLUMN dismissed_by VARCHAR(100)",
    "ALTER TABLE parked_records ADD COLUMN dismiss_reason TEXT",
]
