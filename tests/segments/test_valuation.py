"""A depreciation table written as people write money ("$32,000", "12%") values vehicles
and says where each figure came from (it used to fail when saying so)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from app.segments.data import SegmentData, conform
from app.segments.evaluate import evaluate
from app.segments.model import SegmentDef
from app.segments.valuation import DEPRECIATION, load_valuation


def test_a_depreciation_table_with_dollars_and_percents(tmp_path: Path) -> None:
    (tmp_path / "dep.csv").write_text(
        'make,model,new_value,yearly_depreciation_pct,min_value\nHonda,Civic,"$32,000",12%,\n',
        encoding="utf-8",
    )
    source = load_valuation(tmp_path / "dep.csv")
    assert source.kind == DEPRECIATION
    customers = pd.DataFrame({"customer_id": ["C1"], "first_name": ["Ann"]})
    vehicles = pd.DataFrame(
        {"customer_id": ["C1"], "vin": ["1HGCM82633A004352"], "year": ["2023"]}
        | {"make": ["HONDA"], "model": ["civic"]}
    )
    deals = pd.DataFrame(
        {"customer_id": ["C1"], "vin": ["1HGCM82633A004352"], "deal_type": ["FINANCE"]}
        | {"status": ["DELIVERED"], "payoff_amount": ["9000"]}
    )
    data = SegmentData(
        customers=conform("customers", customers),
        vehicles=conform("vehicles", vehicles),
        deals=conform("deals", deals),
        repair_orders=conform("repair_orders", None),
        today=date(2026, 11, 1),
    )
    members = evaluate(SegmentDef("x", "equity_mining"), data, source).members
    value = round(32000 * 0.88**3, 2)  # three model years old
    assert members["equity"].tolist() == [f"{value - 9000:.2f}"]
    assert members["equity_source"].tolist() == [
        "depreciation table dep.csv: Honda Civic new $32,000, −12%/yr × 3 yr"
    ]
