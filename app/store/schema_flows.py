"""DDL v10: a flow says in words what it does and which protocol carries it; delivery
state is found by source key (the drift guard asks which records a flow delivered before)."""

from __future__ import annotations

STATEMENTS: list[str] = [
    "ALTER TABLE flows ADD COLUMN description TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX IF NOT EXISTS ix_delivery_record_key ON delivery_state (flow_id, record_key)",
]
