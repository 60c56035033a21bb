"""DDL of customer matching: source-record snapshots, candidate clusters, review
decisions, golden records and merges (with what an unmerge needs to restore).
Migration v7.
"""

from __future__ import annotations

STATEMENTS: list[str] = [
    """CREATE TABLE match_records (
        id INTEGER PRIMARY KEY,
        system VARCHAR(100) NOT NULL,
        system_label VARCHAR(200) NOT NULL DEFAULT '',
        system_kind VARCHAR(20) NOT NULL DEFAULT '',
        external_id VARCHAR(200) NOT NULL,
        display_name VARCHAR(300) NOT NULL DEFAULT '',
        payload JSON NOT NULL,
        source_updated_at VARCHAR(40) NOT NULL DEFAULT '',
        loaded_at DATETIME NOT NULL,
        UNIQUE (system, external_id)
    )""",
    """CREATE TABLE match_scans (
        id INTEGER PRIMARY KEY,
        started_at DATETIME NOT NULL,
        finished_at DATETIME,
        records INTEGER NOT NULL DEFAULT 0,
        pairs INTEGER NOT NULL DEFAULT 0,
        candidates INTEGER NOT NULL DEFAULT 0,
        thresholds JSON NOT NULL,
        model JSON NOT NULL,
        timings JSON NOT NULL
    )""",
    """CREATE TABLE match_candidates (
        id INTEGER PRIMARY KEY,
        scan_id INTEGER REFERENCES match_scans(id) ON DELETE SET NULL,
        score REAL NOT NULL,
        band VARCHAR(10) NOT NULL,
        status VARCHAR(20) NOT NULL DEFAULT 'open',
        systems VARCHAR(300) NOT NULL DEFAULT '',
        size INTEGER NOT NULL,
        title VARCHAR(300) NOT NULL DEFAULT '',
        record_ids JSON NOT NULL,
        reasons TEXT NOT NULL DEFAULT '',
        created_at DATETIME NOT NULL,
        decided_at DATETIME,
        decided_by VARCHAR(100)
    )""",
    "CREATE INDEX ix_match_candidates_queue ON match_candidates (status, score DESC, id)",
    "CREATE INDEX ix_match_candidates_created ON match_candidates (created_at)",
    """CREATE TABLE match_pairs (
        id INTEGER PRIMARY KEY,
        candidate_id INTEGER NOT NULL REFERENCES match_candidates(id) ON DELETE CASCADE,
        a_record INTEGER NOT NULL,
        b_record INTEGER NOT NULL,
        score REAL NOT NULL,
        band VARCHAR(10) NOT NULL,
        reasons TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX ix_match_pairs_candidate ON match_pairs (candidate_id)",
    """CREATE TABLE match_decisions (
        id INTEGER PRIMARY KEY,
        system_a VARCHAR(100) NOT NULL,
        external_a VARCHAR(200) NOT NULL,
        system_b VARCHAR(100) NOT NULL,
        external_b VARCHAR(200) NOT NULL,
        decision VARCHAR(20) NOT NULL DEFAULT 'not_duplicate',
        decided_by VARCHAR(100) NOT NULL DEFAULT '',
        decided_at DATETIME NOT NULL,
        UNIQUE (system_a, external_a, system_b, external_b)
    )""",
    """CREATE TABLE golden_records (
        golden_id VARCHAR(36) PRIMARY KEY,
        entity VARCHAR(50) NOT NULL,
        fields JSON NOT NULL,
        sources JSON NOT NULL,
        created_at DATETIME NOT NULL,
        updated_at DATETIME NOT NULL
    )""",
    """CREATE TABLE merges (
        id INTEGER PRIMARY KEY,
        golden_id VARCHAR(36) NOT NULL,
        entity VARCHAR(50) NOT NULL,
        candidate_id INTEGER,
        title VARCHAR(300) NOT NULL DEFAULT '',
        merged_at DATETIME NOT NULL,
        merged_by VARCHAR(100) NOT NULL,
        status VARCHAR(20) NOT NULL DEFAULT 'merged',
        record_ids JSON NOT NULL,
        before JSON NOT NULL,
        after JSON NOT NULL,
        overrides JSON NOT NULL,
        propagation JSON NOT NULL,
        undone_at DATETIME,
        undone_by VARCHAR(100)
    )""",
    "CREATE INDEX ix_merges_at ON merges (merged_at)",
]
