"""The faster segment evaluation gives exactly the members it gave before: every built-in
segment (with several parameters) and a few custom rules, evaluated by the app and by
the frozen copy in ``tests/segments/legacy`` on seeded demo data and on the same data
mangled with the cases a real DMS has (VINs in lower case, deals and warranties of
unknown customers, duplicate vehicles, junk and timestamp dates, junk money, repeated
and blank declined items, no warranties or no repair orders at all), compared frame
for frame: every member, every column, the row order."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.sandbox.generator import build_dataset
from app.sandbox.generator.generate import write_dataset
from app.segments.builtin import Context
from app.segments.data import SegmentData, conform, from_folder
from app.segments.errors import SegmentError
from app.segments.evaluate import evaluate
from app.segments.model import Condition, SegmentDef, builtin_segments
from app.segments.valuation import load_valuation
from tests.segments.legacy import builtin as old_builtin
from tests.segments.legacy import data as old_data
from tests.segments.legacy import evaluate as old_evaluate
from tests.segments.legacy import valuation as old_valuation

FRAMES = ("customers", "vehicles", "deals", "repair_orders", "warranties", "crm")
TODAYS = (date(2026, 11, 1), date(2026, 3, 31))  # the generator's "now"; a month end

SEGMENTS = [
    *builtin_segments(),
    SegmentDef("eq1k", "equity_mining", {"min_equity": 1000}),
    SegmentDef("eq-neg", "equity_mining", {"min_equity": -5000}),
    SegmentDef("lease30", "lease_maturity", {"days": 30}),
    SegmentDef("lease1y", "lease_maturity", {"days": 365}),
    SegmentDef("svc6", "service_retention", {"months": 6}),
    SegmentDef("svc24", "service_retention", {"months": 24}),
    SegmentDef("declined30", "declined_work", {"days": 30}),
    SegmentDef("declined3y", "declined_work", {"days": 1100}),
    SegmentDef("cpo", "warranty_ending", {"days": 365, "coverage": "cpo"}),
    SegmentDef("basic", "warranty_ending", {"days": 180, "coverage": "BASIC"}),
    SegmentDef("bday+1", "birthday_month", {"months_ahead": 1}),
    SegmentDef("first3", "first_service_due", {"months": 3, "miles": 0}),
    SegmentDef("first12", "first_service_due", {"months": 12, "miles": 3000}),
    SegmentDef(
        "custom-lease",
        "custom",
        conditions=(
            Condition("deal_type", "eq", "lease"),
            Condition("lease_maturity_date", "next_days", "400"),
        ),
    ),
    SegmentDef(
        "custom-service",
        "custom",
        conditions=(
            Condition("last_service_date", "older_days", "200"),
            Condition("ro_count", "ge", "2"),
            Condition("declined_work", "contains", "brake"),
        ),
    ),
    SegmentDef("custom-state", "custom", conditions=(Condition("state", "in", "MI, OH"),)),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("segments-same")
    write_dataset(build_dataset(1500, seed=7), folder)
    return folder


def read(folder: Path) -> dict[str, pd.DataFrame]:
    data = from_folder(folder, today=TODAYS[0])
    return {k: getattr(data, k) for k in FRAMES}


def test_the_frames_read_are_the_same_but_for_columns_no_rule_reads(demo: Path) -> None:
    old = old_data.from_folder(demo, today=TODAYS[0])
    new = from_folder(demo, today=TODAYS[0])
    for k in FRAMES:
        want = getattr(old, k)
        got = getattr(new, k)
        assert list(got.columns) == list(want.columns), k
        unread = [c for c in want.columns if (got[c] == "").all() and not (want[c] == "").all()]
        assert unread == (["start_date", "end_miles"] if k == "warranties" else []), k
        pd.testing.assert_frame_equal(got.drop(columns=unread), want.drop(columns=unread))


def depreciation_table(folder: Path, tmp: Path) -> Path:
    guide = pd.read_csv(folder / "valuation_guide.csv", dtype=str, keep_default_na=False)
    models = guide.drop_duplicates(["make", "model"])[["make", "model"]].reset_index(drop=True)
    models = models.iloc[::2]  # half the models: the rest have no value
    models["new_value"] = [str(30000 + 750 * i) for i in range(len(models))]
    models["yearly_depreciation_pct"] = [str(8 + i % 9) for i in range(len(models))]
    models["min_value"] = ["1500" if i % 3 else "" for i in range(len(models))]
    path = tmp / "depreciation.csv"
    models.to_csv(path, index=False)
    return path


def mangle(frames: dict[str, pd.DataFrame], seed: int) -> dict[str, pd.DataFrame]:
    """The same dealership with what real extracts get wrong."""
    rng = np.random.default_rng(seed)
    out = {k: f.copy() for k, f in frames.items()}

    def some(frame: pd.DataFrame, share: float) -> np.ndarray:
        return rng.random(len(frame)) < share

    for name in ("vehicles", "deals", "repair_orders", "warranties"):
        f = out[name]
        pick = some(f, 0.15)
        f.loc[pick, "vin"] = f.loc[pick, "vin"].str.lower()
    v, d, r, w = (out[k] for k in ("vehicles", "deals", "repair_orders", "warranties"))
    # vehicles listed twice, and one VIN on two owners
    v = pd.concat([v, v.sample(40, random_state=seed)], ignore_index=True)
    moved = v.sample(30, random_state=seed + 1).assign(
        customer_id=out["customers"]["customer_id"].sample(30, random_state=seed).to_numpy()
    )
    v = pd.concat([v, moved], ignore_index=True)
    # rows of customers the DMS does not list
    ghost = v.sample(25, random_state=seed + 2).assign(customer_id="GHOST1")
    v = pd.concat([v, ghost], ignore_index=True)
    d_ghost = d.sample(25, random_state=seed + 3).assign(customer_id="GHOST1")
    d_ghost2 = d.sample(10, random_state=seed + 4).assign(customer_id="GHOST2")
    d = pd.concat([d, d_ghost, d_ghost2], ignore_index=True)
    w = pd.concat([w, w.sample(25, random_state=seed + 5).assign(customer_id="GHOST3")])
    r = pd.concat([r, r.sample(25, random_state=seed + 6).assign(customer_id="GHOST1")])
    # dates: junk, timestamps, blanks
    for frame, col in (
        (d, "lease_maturity_date"),
        (d, "delivery_date"),
        (r, "open_date"),
        (w, "end_date"),
        (out["customers"], "birth_date"),
    ):
        pick = some(frame, 0.05)
        choices = np.array(["", "not a date", "2026-13-45", "11/20/2026"], dtype=object)
        frame.loc[pick, col] = rng.choice(choices, pick.sum())
        stamp = some(frame, 0.1) & (frame[col].str.len() == 10)
        frame.loc[stamp, col] = frame.loc[stamp, col] + "T10:30:00Z"
    pick = some(d, 0.05)
    d.loc[pick, "payoff_amount"] = rng.choice(np.array(["", "abc", "-100", "1e3"]), pick.sum())
    pick = some(v, 0.03)
    v.loc[pick, "mileage"] = rng.choice(np.array(["", "n/a", "12,000"]), pick.sum())
    v.loc[some(v, 0.02), "year"] = ""
    said = r["declined_recommendations"] != ""
    pick = some(r, 0.05) & said
    r.loc[pick, "declined_recommendations"] = r.loc[pick, "declined_recommendations"] + "; ;"
    pick = some(r, 0.05) & said
    r.loc[pick, "declined_recommendations"] = " ; " + r.loc[pick, "declined_recommendations"]
    pick = some(r, 0.02)
    r.loc[pick, "declined_recommendations"] = ";"
    # a repair order repeated (same customer, VIN, day)
    r = pd.concat([r, r[said].sample(40, random_state=seed + 7)], ignore_index=True)
    if seed % 2:  # customers not listed by number
        out["customers"] = out["customers"].sample(frac=1, random_state=seed)
    out.update(vehicles=v, deals=d, repair_orders=r, warranties=w)
    return {k: conform(k, f) for k, f in out.items()}


def assert_same(
    frames: dict[str, pd.DataFrame],
    today: date,
    valuation_file: Path | None,
    segments: list[SegmentDef] = SEGMENTS,
) -> None:
    new = SegmentData(**{k: f.copy() for k, f in frames.items()}, today=today)
    old = old_data.SegmentData(**{k: f.copy() for k, f in frames.items()}, today=today)
    new_val = load_valuation(valuation_file) if valuation_file else None
    old_val = old_valuation.load_valuation(valuation_file) if valuation_file else None
    new_ctx = Context(new, new_val)
    old_ctx = old_builtin.Context(old, old_val)
    # twice: a shared context evaluated in another order must not change anything
    for i, seg in enumerate([*segments, *reversed(segments)]):
        try:
            want = old_evaluate.evaluate(seg, old, old_val, old_ctx)
        except SegmentError as exc:
            with pytest.raises(SegmentError, match="^" + str(exc)[:20]):
                evaluate(seg, new, new_val, new_ctx)
            continue
        got = evaluate(seg, new, new_val, new_ctx)
        assert got.notes == want.notes, seg.name
        pd.testing.assert_frame_equal(got.members, want.members, obj=seg.name)
        if i >= len(segments):
            continue
        alone = evaluate(
            seg, SegmentData(**{k: f.copy() for k, f in frames.items()}, today=today), new_val
        )
        pd.testing.assert_frame_equal(alone.members, want.members, obj=seg.name + " alone")


@pytest.mark.parametrize("today", TODAYS)
def test_demo_data_gives_the_same_members(demo: Path, today: date) -> None:
    assert_same(read(demo), today, demo / "valuation_guide.csv")


def test_a_depreciation_table_gives_the_same_members(demo: Path, tmp_path: Path) -> None:
    assert_same(read(demo), TODAYS[0], depreciation_table(demo, tmp_path))


@pytest.mark.parametrize("seed", [1, 2])
def test_mangled_data_gives_the_same_members(demo: Path, seed: int) -> None:
    frames = mangle(read(demo), seed)
    assert_same(frames, TODAYS[0], demo / "valuation_guide.csv")


def test_without_valuation_warranties_or_repair_orders_the_same(demo: Path) -> None:
    frames = read(demo)
    assert_same(frames, TODAYS[0], None)  # equity mining refuses in both
    bare = dict(frames, warranties=conform("warranties", None))
    assert_same(bare, TODAYS[0], demo / "valuation_guide.csv")
    bare = dict(frames, repair_orders=conform("repair_orders", None))
    assert_same(bare, TODAYS[0], demo / "valuation_guide.csv")
