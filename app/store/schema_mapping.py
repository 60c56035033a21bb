"""DDL for mapping schema-drift snapshots (migration v5)."""

STATEMENTS: list[str] = [
    """CREATE TABLE schema_snapshots (
        id INTEGER PRIMARY KEY,
        flow_id INTEGER NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
        side VARCHAR(12) NOT NULL,
        origin VARCHAR(20) NOT NULL DEFAULT 'run',
        run_id INTEGER,
        mapping_version INTEGER,
        fields JSON NOT NULL,
        rows_seen INTEGER NOT NULL DEFAULT 0,
        taken_at DATETIME NOT NULL,
        last_seen_at DATETIME NOT NULL
    )""",
    "CREATE INDEX ix_schema_snapshots_flow ON schema_snapshots (flow_id, side, id)",
]
