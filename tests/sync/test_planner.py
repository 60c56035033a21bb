"""The planner: what each record needs, and the field diff only where it is shown."""

from app.sync.planner import plan_record
from app.sync.state import Delivered

PAYLOAD = {"first_name": "Al", "last_name": "Smith", "email": "al@example.com"}


def test_a_create_lists_every_field_in_its_diff_when_asked() -> None:
    plan = plan_record("C1", "g1", PAYLOAD, None, None, set())
    assert plan.action == "create"
    assert plan.diff == {k: (None, v) for k, v in PAYLOAD.items()}


def test_without_diff_the_plan_is_the_same_but_for_the_diff() -> None:
    last = Delivered("g1", "D1", "old-hash", {**PAYLOAD, "last_name": "Smyth"})
    for previous in (None, last):
        shown = plan_record("C1", "g1", PAYLOAD, None, previous, {"email"})
        quiet = plan_record("C1", "g1", PAYLOAD, None, previous, {"email"}, with_diff=False)
        assert quiet.diff == {} and shown.diff
        assert (quiet.action, quiet.payload, quiet.full_payload, quiet.digest) == (
            shown.action, shown.payload, shown.full_payload, shown.digest,
        )  # fmt: skip
        assert (quiet.dest_id, quiet.conflicts) == (shown.dest_id, shown.conflicts)
    assert plan_record("C1", "g1", PAYLOAD, None, last, set()).diff == {
        "last_name": ("Smyth", "Smith")
    }
