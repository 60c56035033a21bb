"""Golden ids are time-ordered UUIDv7s (index-friendly), all distinct."""

import time
import uuid

from app.store.ids import new_golden_id


def test_golden_ids_are_version_7_and_sort_by_creation_time() -> None:
    first = new_golden_id()
    time.sleep(0.002)
    later = [new_golden_id() for _ in range(1000)]
    parsed = uuid.UUID(first)
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    assert all(first < g for g in later)  # a later millisecond sorts after
    assert len(set(later)) == 1000
    assert abs((parsed.int >> 80) - time.time_ns() // 1_000_000) < 5_000


def test_golden_ids_are_spelled_as_uuid_spells_them() -> None:
    for _ in range(1000):
        gold = new_golden_id()
        assert str(uuid.UUID(gold)) == gold and len(gold) == 36
