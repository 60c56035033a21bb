"""The faster segment evaluation gives exactly the members it gave before: every built-in
segment (with several parameters) and a few custom rules, on seeded demo data and on the
same data mangled with the cases a real DMS has (VINs in lower case, deals and warranties
of unknown customers, duplicate vehicles, junk and timestamp dates, junk money, repeated
and blank declined items, no warranties or no repair orders at all). Each member frame
(every member, every column, the row order) must match the digest recorded in
``data/expected_members.json`` from the evaluation before the speed-up (d33f841); the
scenarios and the recorder are in ``member_scenarios.py``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from app.segments.builtin import Context
from tests.segments.member_scenarios import (
    EXPECTED,
    SEGMENTS,
    UNREAD,
    Scenario,
    blank_columns,
    digest,
    outcome,
    read,
    scenarios,
    write_demo,
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo(tmp_path_factory.mktemp("segments-same"))


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


def differs(
    what: str, want: dict[str, Any], got: dict[str, Any], frame: pd.DataFrame | None
) -> str:
    """A readable failure: where, expected vs actual, and the first rows of the frame."""
    lines = [f"{what}: expected {want}, got {got}"]
    if frame is not None:
        with pd.option_context("display.width", 250, "display.max_columns", 30):
            lines.append(f"first rows of the actual frame:\n{frame.head(5).to_string()}")
    return "\n".join(lines)


def test_the_frames_read_are_the_recorded_ones_but_for_columns_no_rule_reads(
    demo: Path, expected: dict[str, Any]
) -> None:
    for k, frame in read(demo).items():
        want = expected["read"][k]
        unread = UNREAD.get(k, [])
        assert set(blank_columns(frame)) == {*want["blank"], *unread}, k
        got = {
            "rows": len(frame),
            "blank": want["blank"],
            "sha256": digest(frame.drop(columns=unread)),
        }
        assert got == want, differs(f"read {k}", want, got, frame)


def assert_recorded(sc: Scenario, expected: dict[str, Any]) -> None:
    want = expected["members"][sc.name]
    assert set(want) == {seg.name for seg in SEGMENTS}, sc.name
    valuation = sc.valuation()
    data = sc.data()
    ctx = Context(data, valuation)
    # twice: a shared context evaluated in another order must not change anything
    for i, seg in enumerate([*SEGMENTS, *reversed(SEGMENTS)]):
        how = "shared context" if i < len(SEGMENTS) else "shared context, reversed order"
        got, members = outcome(seg, data, valuation, ctx)
        where = f"scenario {sc.name!r}, segment {seg.name!r} ({how})"
        assert got == want[seg.name], differs(where, want[seg.name], got, members)
        if i >= len(SEGMENTS):
            continue
        got, members = outcome(seg, sc.data(), valuation)
        where = f"scenario {sc.name!r}, segment {seg.name!r} (alone)"
        assert got == want[seg.name], differs(where, want[seg.name], got, members)


SCENARIOS = [
    "demo 2026-11-01",
    "demo 2026-03-31",
    "depreciation table",
    "mangled seed 1",
    "mangled seed 2",
    "no valuation",
    "no warranties",
    "no repair_orders",
]


def test_every_scenario_is_recorded(demo: Path, tmp_path: Path, expected: dict[str, Any]) -> None:
    names = [sc.name for sc in scenarios(demo, tmp_path)]
    assert names == SCENARIOS == list(expected["members"])


@pytest.mark.parametrize("name", SCENARIOS)
def test_members_are_the_recorded_ones(
    demo: Path, tmp_path: Path, expected: dict[str, Any], name: str
) -> None:
    sc = next(sc for sc in scenarios(demo, tmp_path) if sc.name == name)
    assert_recorded(sc, expected)


def test_a_digest_changes_with_a_value_or_the_row_order() -> None:
    frame = pd.DataFrame({"customer_id": ["C1", "C2"], "vin": ["1ABC", "2DEF"]})
    same = digest(frame.copy())
    assert digest(frame) == same
    assert digest(frame.iloc[::-1]) != same
    assert digest(frame.assign(vin=["1abc", "2DEF"])) != same
    assert digest(frame.astype(object)) != digest(frame.astype("string"))
