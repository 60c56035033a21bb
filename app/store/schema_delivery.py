"""DDL v9: delivery state remembers that the last attempt failed.

What a flow last delivered is not proof the destination still holds it once a later
attempt at the same record failed (refused, parked, lost in transit): ``failed_at`` marks
such a record so skip-unchanged never hides it, until the destination accepts it again.
Records waiting in the retry queue when the store is upgraded are marked at once.
"""

from __future__ import annotations

STATEMENTS: list[str] = [
    "ALTER TABLE delivery_state ADD COLUMN failed_at DATETIME",
    """UPDATE delivery_state SET failed_at = strftime('%Y-%m-%d %H:%M:%S.000000', 'now')
        WHERE EXISTS (
            SELECT 1 FROM parked_records p
            WHERE p.flow_id = delivery_state.flow_id
              AND p.status = 'open'
              AND (p.golden_id = delivery_state.golden_id
                   OR p.record_key = delivery_state.record_key)
        )""",
]
