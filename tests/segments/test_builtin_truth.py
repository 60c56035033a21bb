"""Acceptance: on the demo dealership, every built-in segment's members equal those
computed independently from the generator's CSVs (``truth.py``); the equity figures and
declined work are the ones the data says, and a vehicle the price guide leaves out is
never valued."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from app.sandbox.generator import build_dataset
from app.sandbox.generator.generate import write_dataset
from app.segments.data import from_folder
from app.segments.evaluate import evaluate
from app.segments.model import BUILTIN_NAMES, SegmentDef, builtin_segments
from app.segments.valuation import load_valuation
from tests.segments.truth import Truth

TODAY = date(2026, 11, 1)  # the generator's "now"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("segments-demo")
    write_dataset(build_dataset(2000, seed=42), folder)
    return folder


def members(demo: Path, seg: SegmentDef) -> pd.DataFrame:
    data = from_folder(demo, today=TODAY)
    return evaluate(seg, data, load_valuation(demo / "valuation_guide.csv")).members


def test_there_are_at_least_six_built_ins_and_each_finds_someone(demo: Path) -> None:
    segs = builtin_segments()
    assert len(segs) >= 6 and {s.name for s in segs} == set(BUILTIN_NAMES.values())
    for seg in segs:
        assert len(members(demo, seg)) > 0, seg.name


@pytest.mark.parametrize(
    "kind",
    [
        "equity_mining",
        "lease_maturity",
        "service_retention",
        "warranty_ending",
        "birthday_month",
        "first_service_due",
    ],
)
def test_members_equal_the_truth(demo: Path, kind: str) -> None:
    truth = Truth(demo, TODAY)
    expected = getattr(truth, kind)()
    got = members(demo, SegmentDef("x", kind))
    assert got["customer_id"].is_unique
    assert set(got["customer_id"]) == expected


def test_other_parameters_equal_the_truth_too(demo: Path) -> None:
    truth = Truth(demo, TODAY)
    for kind, params, expected in (
        ("lease_maturity", {"days": 30}, truth.lease_maturity(30)),
        ("lease_maturity", {"days": 365}, truth.lease_maturity(365)),
        ("service_retention", {"months": 24}, truth.service_retention(24)),
        ("equity_mining", {"min_equity": 10000}, truth.equity_mining(10000)),
        ("first_service_due", {"months": 3, "miles": 0}, truth.first_service_due(3, 0)),
    ):
        got = members(demo, SegmentDef("x", kind, params))
        assert set(got["customer_id"]) == expected, (kind, params)


def test_declined_work_names_the_work(demo: Path) -> None:
    expected = Truth(demo, TODAY).declined_work()
    got = members(demo, SegmentDef("x", "declined_work"))
    assert set(got["customer_id"]) == set(expected)
    for row in got.itertuples():
        assert set(row.declined_work.split("; ")) == expected[row.customer_id]


def test_equity_is_guide_value_minus_payoff_and_says_its_source(demo: Path) -> None:
    got = members(demo, SegmentDef("x", "equity_mining"))
    guide = pd.read_csv(demo / "valuation_guide.csv", dtype=str, keep_default_na=False)
    deals = pd.read_csv(demo / "dms_deals.csv", dtype=str, keep_default_na=False)
    for row in got.head(25).itertuples():
        src = row.equity_source
        assert src.startswith("price guide valuation_guide.csv (as of ")
        year, make, model = row.vehicle_year, row.vehicle_make, row.vehicle_model
        g = guide[(guide.year == year) & (guide.make == make) & (guide.model == model)]
        trims = [t for t in g.trim if src.endswith(f"{year} {make} {model} {t}")]
        assert trims, src
        value = float(g[g.trim == trims[0]].trade_in_value.iloc[0])
        payoffs = deals[(deals.customer_id == row.customer_id) & (deals.vin == row.vin)]
        assert any(
            abs(value - float(p) - float(row.equity)) < 0.01 for p in payoffs.payoff_amount if p
        )


def test_a_vehicle_the_guide_does_not_cover_gets_no_value(demo: Path, tmp_path: Path) -> None:
    """Drop the guide rows of every equity member's vehicle: no such vehicle is valued
    again (the app never makes a value up), so the segment shrinks."""
    seg = SegmentDef("x", "equity_mining")
    got = members(demo, seg)
    guide = pd.read_csv(demo / "valuation_guide.csv", dtype=str, keep_default_na=False)
    keys = set(zip(got.vehicle_year, got.vehicle_make, got.vehicle_model, strict=True))
    kept = guide[[k not in keys for k in zip(guide.year, guide.make, guide.model, strict=True)]]
    kept.to_csv(tmp_path / "guide.csv", index=False)
    data = from_folder(demo, today=TODAY)
    again = evaluate(seg, data, load_valuation(tmp_path / "guide.csv")).members
    left = set(zip(again.vehicle_year, again.vehicle_make, again.vehicle_model, strict=True))
    assert left.isdisjoint(keys) and len(again) < len(got) // 2
