"""The DMS nightly extract: cp1252 (or UTF-8 with BOM), CRLF, DMS headers and formats."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from app.sandbox.generator import Dataset, build_dataset, write_dms_extract
from app.sandbox.schema import DMS_EXTRACT_CUSTOMER_HEADERS


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return build_dataset(1_500, seed=5)


def test_cp1252_extract_round_trips(ds: Dataset, tmp_path: Path) -> None:
    path = write_dms_extract(ds, tmp_path)
    assert path == tmp_path / "CUSTOMERS_20261101.csv"
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.endswith(b"\r\n")
    assert raw.count(b"\r\n") == raw.count(b"\n")  # every line break is CRLF
    back = pd.read_csv(path, encoding="cp1252", dtype=str, keep_default_na=False)
    assert list(back.columns) == list(DMS_EXTRACT_CUSTOMER_HEADERS.values())
    cust = ds["dms_customers"]
    assert len(back) == len(cust)
    for col, header in DMS_EXTRACT_CUSTOMER_HEADERS.items():
        if col in ("first_name", "last_name", "company_name", "email", "address_line1"):
            assert back[header].tolist() == cust[col].tolist(), col
    accented = back["LAST_NAME"].str.contains("[ñéáíóú]", regex=True) | back[
        "FIRST_NAME"
    ].str.contains("[ñéáíóú]", regex=True)
    assert accented.sum() > 10
    assert back["LAST_NAME"].str.contains("'", regex=False).any()
    phones = pd.concat([back["HOME_PH"], back["BUS_PH"], back["CELL_PH"]])
    assert phones[phones != ""].str.fullmatch(r"\(\d{3}\) \d{3}-\d{4}").all()
    births = back["BIRTH_DT"][back["BIRTH_DT"] != ""]
    assert births.str.fullmatch(r"\d{2}/\d{2}/\d{4}").all()
    assert back["CREATE_DT"].str.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}").all()
    iso = cust["birth_date"].iloc[0]
    if iso:
        assert back["BIRTH_DT"].iloc[0] == f"{iso[5:7]}/{iso[8:10]}/{iso[:4]}"
    assert "é".encode("cp1252") in raw  # really cp1252, not UTF-8
    assert not list(tmp_path.glob("*.tmp"))


def test_utf8_bom_variant(ds: Dataset, tmp_path: Path) -> None:
    path = write_dms_extract(ds, tmp_path, encoding="utf-8", bom=True, stamp="20261102")
    assert path.name == "CUSTOMERS_20261102.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfCUST_NO,")
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back["LAST_NAME"].tolist() == ds["dms_customers"]["last_name"].tolist()
    same = write_dms_extract(ds, tmp_path / "sig", encoding="utf-8-sig")
    assert same.read_bytes() == raw


def test_bom_needs_utf8(ds: Dataset, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="UTF-8"):
        write_dms_extract(ds, tmp_path, bom=True)
    assert not list(tmp_path.iterdir())
