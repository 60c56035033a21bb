"""DDL of the scheduling feature and its alerts (migration v4). APScheduler creates its own
``apscheduler_jobs`` table at start-up."""

STATEMENTS: list[str] = [
    """CREATE TABLE alert_state (
        key VARCHAR(200) PRIMARY KEY,
        condition VARCHAR(50) NOT NULL,
        flow_id INTEGER,
        title TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '',
        active BOOLEAN NOT NULL DEFAULT 1,
        started_at DATETIME NOT NULL,
        resolved_at DATETIME,
        updated_at DATETIME NOT NULL
    )""",
    """CREATE TABLE alert_events (
        id INTEGER PRIMARY KEY,
        key VARCHAR(200) NOT NULL,
        kind VARCHAR(20) NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL DEFAULT '',
        created_at DATETIME NOT NULL,
        sent_at DATETIME,
        channels_done JSON NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        suppressed BOOLEAN NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX ix_alert_events_unsent ON alert_events (sent_at, suppressed)",
    """CREATE TABLE alert_signals (
        kind VARCHAR(30) NOT NULL,
        key VARCHAR(200) NOT NULL,
        label VARCHAR(200) NOT NULL DEFAULT '',
        at DATETIME NOT NULL,
        PRIMARY KEY (kind, key)
    )""",
]
