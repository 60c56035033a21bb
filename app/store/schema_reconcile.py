"""DDL of reconciliation and shadow runs: one row per comparison of two systems (its
four group counts, the fields that differ, how the destination was read). The records
behind a report are ``record_outcomes`` of its run (status ``found`` for reconcile,
``planned`` for a shadow run), so each one opens the record's timeline."""

STATEMENTS: list[str] = [
    """CREATE TABLE reconcile_reports (
        id INTEGER PRIMARY KEY,
        flow_id INTEGER REFERENCES flows(id) ON DELETE CASCADE,
        run_id INTEGER,
        kind VARCHAR(20) NOT NULL DEFAULT 'reconcile',
        status VARCHAR(20) NOT NULL DEFAULT 'running',
        method VARCHAR(20) NOT NULL DEFAULT 'list',
        trigger VARCHAR(20) NOT NULL DEFAULT 'manual',
        started_at DATETIME NOT NULL,
        finished_at DATETIME,
        source_count INTEGER NOT NULL DEFAULT 0,
        dest_count INTEGER NOT NULL DEFAULT 0,
        only_in_source INTEGER NOT NULL DEFAULT 0,
        only_in_destination INTEGER NOT NULL DEFAULT 0,
        different INTEGER NOT NULL DEFAULT 0,
        same INTEGER NOT NULL DEFAULT 0,
        field_counts JSON NOT NULL,
        notes JSON NOT NULL,
        error TEXT
    )""",
    "CREATE INDEX ix_reconcile_flow ON reconcile_reports (flow_id, kind, id)",
]
