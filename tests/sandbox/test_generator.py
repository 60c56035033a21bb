"""The demo-dealership generator: determinism, schema, realistic values, integrity."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import phonenumbers
import pytest
from vininfo import Vin

from app.sandbox.generator import (
    Dataset,
    GenerateSummary,
    build_dataset,
    generate,
    write_dataset,
)
from app.sandbox.generator import vehicles as cat
from app.sandbox.generator.inventory import inventory_size
from app.sandbox.schema import TABLES

N = 2_000
NOW = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return build_dataset(N, seed=7)


def _cents(col: pd.Series) -> np.ndarray:
    return (pd.to_numeric(col) * 100).round().astype(np.int64).to_numpy()


# --- determinism -------------------------------------------------------------------------


def test_same_seed_gives_identical_frames() -> None:
    a, b = build_dataset(300, seed=11), build_dataset(300, seed=11)
    assert a.seed == 11 and a.customers == 300
    for name in TABLES:
        pd.testing.assert_frame_equal(a[name], b[name])


def test_default_now_is_fixed_and_seed_matters() -> None:
    a = build_dataset(300, seed=11)
    same = build_dataset(300, seed=11, now=NOW)
    other = build_dataset(300, seed=12)
    pd.testing.assert_frame_equal(a["dms_customers"], same["dms_customers"])
    assert not a["dms_customers"].equals(other["dms_customers"])
    assert not a["dms_vehicles"]["vin"].equals(other["dms_vehicles"]["vin"])


def test_now_moves_the_data() -> None:
    later = build_dataset(300, seed=11, now=datetime(2027, 6, 1, tzinfo=UTC))
    assert later["dms_customers"]["created_at"].max() > "2027-01-01"


# --- schema ------------------------------------------------------------------------------


def test_every_table_has_exactly_the_schema_columns_as_strings(ds: Dataset) -> None:
    assert set(ds.tables) == set(TABLES)
    for name, columns in TABLES.items():
        frame = ds[name]
        assert tuple(frame.columns) == columns, name
        assert len(frame) > 0, name
        for col in frame.columns:
            assert frame[col].dtype == object or str(frame[col].dtype) == "str", (name, col)
            assert all(isinstance(v, str) for v in frame[col]), (name, col)


def test_customer_count_and_ids(ds: Dataset) -> None:
    cust = ds["dms_customers"]
    assert len(cust) == N
    assert cust["customer_id"].is_unique
    assert cust["customer_id"].iloc[0] == "C100001"
    assert cust["customer_id"].str.fullmatch(r"C\d{6}").all()
    business = (cust["customer_type"] == "BUSINESS").mean()
    assert 0.05 < business < 0.11
    assert (cust.loc[cust["customer_type"] == "BUSINESS", "company_name"] != "").all()
    assert (cust.loc[cust["customer_type"] == "INDIVIDUAL", "company_name"] == "").all()
    assert (cust["updated_at"] >= cust["created_at"]).all()
    assert cust["created_at"].min() >= "2016-11-01"
    assert cust["zip"].str.fullmatch(r"\d{5}(-\d{4})?").all()
    assert 0.2 < cust["zip"].str.contains("-").mean() < 0.45
    assert 0.7 < (cust["email"] != "").mean() < 0.9
    assert 0.08 < (cust["opt_in_email"] == "N").mean() < 0.22


def test_phones_are_valid_us_numbers(ds: Dataset) -> None:
    cust, crm = ds["dms_customers"], ds["crm_contacts"]
    phones = pd.concat(
        [cust["home_phone"], cust["work_phone"], cust["mobile_phone"], crm["phone"],
         crm["mobile"], ds["marketing_contacts"]["phone"]]
    )  # fmt: skip
    phones = phones[phones != ""]
    assert len(phones) > 3_000
    valid = [phonenumbers.is_valid_number(phonenumbers.parse(p, "US")) for p in phones]
    assert np.mean(valid) > 0.99
    # DMS clerks type phones several ways.
    formats = cust["mobile_phone"].str.replace(r"\d", "9", regex=True).value_counts()
    assert {"(999) 999-9999", "999-999-9999", "9999999999"} <= set(formats.index)
    assert 0.6 < (cust["mobile_phone"] != "").mean() < 0.85
    assert 0.35 < (cust["home_phone"] != "").mean() < 0.65


# --- vehicles ----------------------------------------------------------------------------


def test_vins_are_valid_unique_and_match_the_year(ds: Dataset) -> None:
    vins = pd.concat([ds["dms_vehicles"][["vin", "year"]], ds["dms_inventory"][["vin", "year"]]])
    assert vins["vin"].str.fullmatch(r"[A-HJ-NPR-Z0-9]{17}").all()
    assert ds["dms_inventory"]["vin"].is_unique
    assert ds["dms_vehicles"]["vin"].is_unique
    for vin, year in vins.itertuples(index=False):
        decoded = Vin(vin)
        assert decoded.verify_checksum(), vin
        assert int(year) in decoded.years, (vin, year)
        assert vin[9] == cat.YEAR_CODES.decode()[(int(year) - 1980) % 30]


def test_wmi_belongs_to_the_make(ds: Dataset) -> None:
    wmis = {(m.make, w) for m in cat.CATALOGUE for w in m.wmis}
    veh = ds["dms_vehicles"]
    assert all((make, vin[:3]) in wmis for make, vin in zip(veh["make"], veh["vin"], strict=True))
    assert {"Ford", "Toyota", "Honda", "Chevrolet"} <= set(veh["make"])


def test_models_exist_in_their_year_and_mileage_fits_age(ds: Dataset) -> None:
    years = {(m.make, m.model): (m.first_year, m.last_year) for m in cat.CATALOGUE}
    veh = ds["dms_vehicles"]
    for make, model, year in veh[["make", "model", "year"]].itertuples(index=False):
        first, last = years[(make, model)]
        assert first <= int(year) <= last, (make, model, year)
    age = (2027 - veh["year"].astype(int)).clip(lower=1)
    per_year = veh["mileage"].astype(int) / age
    assert 6_000 < per_year.median() < 16_000
    per_customer = veh.groupby("customer_id").size()
    assert 1.25 < per_customer.mean() < 1.6
    assert per_customer.index.isin(ds["dms_customers"]["customer_id"]).all()


def test_inventory(ds: Dataset) -> None:
    inv = ds["dms_inventory"]
    assert len(inv) == inventory_size(N) == 40
    assert inv["stock_number"].is_unique
    assert inv["stock_number"].str.fullmatch(r"[NU]\d{6}").all()
    assert set(inv["condition"]) <= {"NEW", "USED", "CPO"}
    new = inv[inv["condition"] == "NEW"]
    assert (_cents(new["price"]) <= _cents(new["msrp"])).all()
    special = inv[inv["special_price"] != ""]
    assert (_cents(special["special_price"]) < _cents(special["price"])).all()
    for vin, urls in zip(inv["vin"], inv["photo_urls"], strict=True):
        parts = urls.split(" ")
        assert 3 <= len(parts) <= 12
        assert parts[0] == f"https://photos.demo-dealer.example/{vin}/1.jpg"
    in_stock = pd.to_datetime(inv["date_in_stock"])
    days = (pd.Timestamp("2026-11-01") - in_stock).dt.days
    assert (days == inv["days_in_stock"].astype(int)).all()
    used = inv["condition"] != "NEW"
    assert set(inv.loc[used, "recon_status"]) <= {"NOT_STARTED", "IN_PROGRESS", "COMPLETE"}
    assert (inv.loc[~used, "recon_status"] == "").all()
    assert inventory_size(200_000) == 1_333 and inventory_size(10**7) == 3000


# --- deals -------------------------------------------------------------------------------


def test_deal_mix_and_finance_terms(ds: Dataset) -> None:
    deals = ds["dms_deals"]
    assert 0.65 < len(deals) / N < 0.95
    mix = deals["deal_type"].value_counts(normalize=True)
    assert 0.18 < mix["CASH"] < 0.32 and 0.5 < mix["FINANCE"] < 0.7 and 0.08 < mix["LEASE"] < 0.22
    fin = deals[deals["deal_type"] != "CASH"]
    assert (_cents(fin["amount_financed"]) < _cents(fin["sale_price"])).all()
    assert (fin["lender"] != "").all()
    apr = pd.to_numeric(fin["apr"])
    assert apr.between(0, 14.99).all()
    terms = fin.loc[fin["deal_type"] == "FINANCE", "term_months"].astype(int)
    assert terms.between(36, 84).all()
    cash = deals[deals["deal_type"] == "CASH"]
    assert (cash[["lender", "amount_financed", "term_months", "apr"]] == "").all().all()
    assert deals["status"].value_counts().idxmax() == "DELIVERED"
    assert deals["deal_number"].is_unique


def test_lease_maturity_is_deal_date_plus_term(ds: Dataset) -> None:
    lease = ds["dms_deals"][ds["dms_deals"]["deal_type"] == "LEASE"]
    assert len(lease) > 50
    assert lease["term_months"].astype(int).between(24, 39).all()
    for deal_date, term, maturity in lease[
        ["deal_date", "term_months", "lease_maturity_date"]
    ].itertuples(index=False):
        expected = pd.Timestamp(deal_date) + pd.DateOffset(months=int(term))
        assert pd.Timestamp(maturity) == expected
    others = ds["dms_deals"][ds["dms_deals"]["deal_type"] != "LEASE"]
    assert (others["lease_maturity_date"] == "").all()


def test_deals_reference_real_vehicles_customers_and_leads(ds: Dataset) -> None:
    deals, inv, veh = ds["dms_deals"], ds["dms_inventory"], ds["dms_vehicles"]
    assert deals["customer_id"].isin(ds["dms_customers"]["customer_id"]).all()
    known = set(inv["vin"]) | set(veh["vin"])
    assert deals["vin"].isin(known).all()
    stock_of = dict(zip(inv["vin"], inv["stock_number"], strict=True))
    on_lot = deals[deals["vin"].isin(stock_of)]
    assert len(on_lot) > 0
    assert (on_lot["stock_number"] == on_lot["vin"].map(stock_of)).all()
    assert deals["stock_number"].is_unique
    # A deal's CRM lead belongs to a contact who is the same person as the deal's customer.
    linked = deals[deals["crm_lead_id"] != ""]
    assert 0.12 < len(linked) / len(deals) < 0.6
    leads = ds["crm_leads"].set_index("lead_id")
    assert linked["crm_lead_id"].isin(leads.index).all()
    person = ds["truth"].set_index("record_id")["person_id"]
    lead_person = leads.loc[linked["crm_lead_id"], "contact_id"].map(person).to_numpy()
    assert (linked["customer_id"].map(person).to_numpy() == lead_person).all()
    assert (leads.loc[linked["crm_lead_id"], "status"] == "Sold").all()
    assert (linked["lead_source"].to_numpy() == leads.loc[linked["crm_lead_id"], "source"]).all()


# --- service -----------------------------------------------------------------------------


def test_repair_order_totals_and_lines_are_consistent(ds: Dataset) -> None:
    ros, lines = ds["dms_repair_orders"], ds["dms_repair_order_lines"]
    assert 2.0 < len(ros) / len(ds["dms_vehicles"]) < 3.0
    assert (_cents(ros["labor_total"]) + _cents(ros["parts_total"]) == _cents(ros["total"])).all()
    amounts = lines.assign(cents=_cents(lines["amount"]))
    by_type = amounts.pivot_table(
        index="ro_number", columns="line_type", values="cents", aggfunc="sum", fill_value=0
    )
    r = ros.set_index("ro_number")
    assert set(by_type.index) == set(r.index)
    assert (by_type["LABOR"] == _cents(r.loc[by_type.index, "labor_total"])).all()
    assert (by_type["PARTS"] == _cents(r.loc[by_type.index, "parts_total"])).all()
    numbers = lines.groupby("ro_number")["line_number"].apply(lambda s: list(s.astype(int)))
    assert all(n == list(range(1, len(n) + 1)) for n in numbers)
    op_sets = ros.set_index("ro_number")["op_codes"].str.split(";").map(set)
    line_ops = lines.groupby("ro_number")["op_code"].agg(set)
    assert (op_sets.loc[line_ops.index] == line_ops).all()
    assert 0.2 < (ros["declined_recommendations"] != "").mean() < 0.35
    assert ros["vin"].isin(ds["dms_vehicles"]["vin"]).all()
    assert {"LOF", "ROT", "MPI"} <= set(lines["op_code"])
    assert {"CUSTOMER", "WARRANTY", "INTERNAL"} == set(ros["pay_type"])


def test_mileage_rises_with_each_visit(ds: Dataset) -> None:
    ros = ds["dms_repair_orders"].copy()
    ros["mileage"] = ros["mileage_in"].astype(int)
    ros = ros.sort_values(["vin", "open_date", "ro_number"])
    steps = ros.groupby("vin")["mileage"].diff().dropna()
    assert len(steps) > 1000
    assert (steps > 0).all()
    closed = ros[ros["status"] == "CLOSED"]
    assert (closed["close_date"] >= closed["open_date"]).all()
    assert (ros.loc[ros["status"] == "OPEN", "close_date"] == "").all()


def test_appointments(ds: Dataset) -> None:
    appts = ds["dms_appointments"]
    assert len(appts) == round(0.3 * N)
    now = "2026-11-01T12:00:00Z"
    future = appts[appts["scheduled_at"] > now]
    past = appts[appts["scheduled_at"] < "2026-11-01"]
    assert len(future) > 100 and len(past) > 200
    assert set(past["status"]) <= {"COMPLETED", "NO_SHOW", "CANCELLED"}
    assert set(future["status"]) <= {"SCHEDULED", "CANCELLED"}
    assert (appts["updated_at"] <= now).all()
    pairs = set(zip(ds["dms_vehicles"]["customer_id"], ds["dms_vehicles"]["vin"], strict=True))
    assert all(p in pairs for p in zip(appts["customer_id"], appts["vin"], strict=True))


# --- CRM and marketing -------------------------------------------------------------------


def test_crm_and_marketing_references(ds: Dataset) -> None:
    crm, leads, mkt = ds["crm_contacts"], ds["crm_leads"], ds["marketing_contacts"]
    assert crm["contact_id"].is_unique and leads["lead_id"].is_unique
    assert mkt["subscriber_id"].is_unique
    assert leads["contact_id"].isin(crm["contact_id"]).all()
    assert set(leads["status"]) <= {"New", "Contacted", "Appointment", "Sold", "Lost"}
    person = ds["truth"].set_index("record_id")["person_id"]
    ext = crm[crm["external_id"] != ""]
    assert 0.1 < len(ext) / len(crm) < 0.35
    assert (ext["external_id"].map(person) == ext["contact_id"].map(person)).all()
    assert (mkt["email"] != "").all()
    assert set(mkt["email_consent"]) == {"subscribed", "unsubscribed"}
    assert mkt["segments"].str.contains("Customers|Prospects").all()


def test_write_dataset_round_trips(tmp_path: Path) -> None:
    small = build_dataset(200, seed=3)
    files = write_dataset(small, tmp_path)
    assert set(files) == set(TABLES)
    for name, path in files.items():
        assert path == tmp_path / f"{name}.csv"
        back = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        pd.testing.assert_frame_equal(back, small[name].astype(object), check_dtype=False)


def test_generate_writes_everything_and_reports_progress(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    summary = generate(150, 5, tmp_path, progress=lambda s, d, t: calls.append((s, d, t)))
    assert isinstance(summary, GenerateSummary)
    assert summary.rows["dms_customers"] == 150
    assert summary.rows_total == sum(summary.rows.values())
    assert summary.seconds > 0 and summary.out_dir == tmp_path
    assert all((tmp_path / f"{t}.csv").is_file() for t in TABLES)
    assert (tmp_path / "extract" / "CUSTOMERS_20261101.csv").is_file()
    assert [d for _, d, _ in calls] == sorted(d for _, d, _ in calls)
    assert calls[0][1] == 0 and calls[-1][1] == calls[-1][2]
    with pytest.raises(AttributeError):
        summary.seconds = 1.0  # type: ignore[misc]
