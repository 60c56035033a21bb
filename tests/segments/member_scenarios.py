"""The scenarios ``test_same_members.py`` evaluates, the digest of a frame, and the
recorder of ``data/expected_members.json`` (what the evaluation gave before it was
made faster; see ``data/README.md``).

A scenario is the seeded demo dealership (or the same data mangled with what real DMS
extracts get wrong, or with a table missing) on a given day with a valuation source;
every segment in ``SEGMENTS`` is evaluated on it.

Re-record, after a change meant to alter members (review the JSON diff)::

    .venv/bin/python -m tests.segments.member_scenarios
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from app.sandbox.generator import build_dataset
from app.sandbox.generator.generate import write_dataset
from app.segments import builtin as segment_builtin
from app.segments import data as segment_data
from app.segments import evaluate as segment_evaluate
from app.segments import valuation as segment_valuation
from app.segments.errors import SegmentError
from app.segments.model import Condition, SegmentDef, builtin_segments

EXPECTED = Path(__file__).parent / "data" / "expected_members.json"
FRAMES = ("customers", "vehicles", "deals", "repair_orders", "warranties", "crm")
TODAYS = (date(2026, 11, 1), date(2026, 3, 31))  # the generator's "now"; a month end
# warranty columns no rule reads, which the reader leaves blank
UNREAD = {"warranties": ["start_date", "end_miles"]}


def custom(name: str, *conditions: tuple[str, str, str]) -> SegmentDef:
    return SegmentDef(name, "custom", conditions=tuple(Condition(*c) for c in conditions))


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
    custom(
        "custom-lease", ("deal_type", "eq", "lease"), ("lease_maturity_date", "next_days", "400")
    ),
    custom(
        "custom-service",
        ("last_service_date", "older_days", "200"),
        ("ro_count", "ge", "2"),
        ("declined_work", "contains", "brake"),
    ),
    custom("custom-state", ("state", "in", "MI, OH")),
]


@dataclass(frozen=True)
class Scenario:
    name: str
    frames: dict[str, pd.DataFrame]
    today: date
    valuation_file: Path | None

    def data(self) -> segment_data.SegmentData:
        frames = {k: f.copy() for k, f in self.frames.items()}
        return segment_data.SegmentData(**frames, today=self.today)

    def valuation(self) -> segment_valuation.ValuationSource | None:
        if self.valuation_file is None:
            return None
        return segment_valuation.load_valuation(self.valuation_file)


def write_demo(folder: Path) -> Path:
    write_dataset(build_dataset(1500, seed=7), folder)
    return folder


def read(folder: Path) -> dict[str, pd.DataFrame]:
    data = segment_data.from_folder(folder, today=TODAYS[0])
    return {k: getattr(data, k) for k in FRAMES}


def digest(frame: pd.DataFrame) -> str:
    """sha256 (first 16 hex digits) of the column names, the dtype names and the CSV text,
    floats and dates written one fixed way so the text does not depend on pandas' repr."""
    text = frame.copy()
    for c in text.columns:
        kind = text[c].dtype.kind
        if kind == "f":
            text[c] = text[c].map(lambda x: "" if pd.isna(x) else f"{x:.6f}")
        elif kind == "M":
            text[c] = text[c].map(lambda x: "" if pd.isna(x) else x.isoformat())
    h = hashlib.sha256()
    h.update("\x1f".join(map(str, frame.columns)).encode() + b"\n")
    h.update("\x1f".join(str(t) for t in frame.dtypes).encode() + b"\n")
    h.update(text.to_csv(index=False, lineterminator="\n").encode())
    return h.hexdigest()[:16]


def blank_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if (frame[c] == "").all()]


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
    return {k: segment_data.conform(k, f) for k, f in out.items()}


def scenarios(demo: Path, tmp: Path) -> Iterator[Scenario]:
    frames = read(demo)
    guide = demo / "valuation_guide.csv"
    for today in TODAYS:
        yield Scenario(f"demo {today}", frames, today, guide)
    yield Scenario("depreciation table", frames, TODAYS[0], depreciation_table(demo, tmp))
    for seed in (1, 2):
        yield Scenario(f"mangled seed {seed}", mangle(frames, seed), TODAYS[0], guide)
    yield Scenario("no valuation", frames, TODAYS[0], None)  # equity mining refuses
    for table in ("warranties", "repair_orders"):
        bare = dict(frames, **{table: segment_data.conform(table, None)})
        yield Scenario(f"no {table}", bare, TODAYS[0], guide)


def outcome(
    seg: SegmentDef,
    data: segment_data.SegmentData,
    valuation: segment_valuation.ValuationSource | None,
    ctx: segment_builtin.Context | None = None,
) -> tuple[dict[str, object], pd.DataFrame | None]:
    """What one segment gives, as recorded: rows + digest (+ notes), or the refusal."""
    try:
        got = segment_evaluate.evaluate(seg, data, valuation, ctx)
    except SegmentError as exc:
        return {"error": str(exc)}, None
    entry: dict[str, object] = {"rows": len(got.members), "sha256": digest(got.members)}
    if got.notes:
        entry["notes"] = list(got.notes)
    return entry, got.members


def record(demo: Path, tmp: Path) -> dict[str, object]:
    read_frames = {}
    for k, f in read(demo).items():
        unread = UNREAD.get(k, [])
        blank = [c for c in blank_columns(f) if c not in unread]
        read_frames[k] = {"rows": len(f), "blank": blank, "sha256": digest(f.drop(columns=unread))}
    members: dict[str, dict[str, object]] = {}
    for sc in scenarios(demo, tmp):
        data, valuation = sc.data(), sc.valuation()
        ctx = segment_builtin.Context(data, valuation)
        members[sc.name] = {seg.name: outcome(seg, data, valuation, ctx)[0] for seg in SEGMENTS}
    return {"read": read_frames, "members": members}


def dump(value: object, depth: int = 0) -> str:
    """JSON with a dict of plain values (a frame, a segment) on one line, so a re-recording
    diffs line by line."""
    if not isinstance(value, dict) or not any(isinstance(v, dict) for v in value.values()):
        return json.dumps(value)
    pad = " " * (depth + 1)
    items = [f"{pad}{json.dumps(k)}: {dump(v, depth + 1)}" for k, v in value.items()]
    return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="segments-record-") as tmp:
        demo = write_demo(Path(tmp) / "demo")
        out = Path(sys.argv[1]) if len(sys.argv) > 1 else EXPECTED
        out.write_text(dump(record(demo, Path(tmp))) + "\n", encoding="utf-8")
        print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
