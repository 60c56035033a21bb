"""DMS CSV extracts: encodings, delimiters, header aliases, rejected rows, row hashes."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from app.connectors.dms_file import DmsFileConnector, ExtractStream
from app.connectors.registry import get_kind
from app.formats.csv_extract import alias_map, header_key
from app.sandbox.generator import write_dms_extract
from app.sandbox.schema import DMS_EXTRACT_CUSTOMER_HEADERS

HEADER = "CUST_NO,FIRST_NAME,LAST_NAME,CITY,EMAIL_ADDR\n"
ROWS: list[tuple[str, ...]] = [
    ("C1", "José", "Núñez", "Détroit", "jose@example.com"),
    ("C2", "Zoë", "Brontë", "Ann Arbor", "zoe@example.com"),
    ("C3", "Renée", "Gaël", "Flint", ""),
]


def write(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def csv_text(rows: Sequence[tuple[str, ...]], header: str = HEADER, sep: str = ",") -> str:
    out = io.StringIO()
    out.write(header.replace(",", sep))
    writer = csv.writer(out, delimiter=sep, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue()


def connector(folder: Path, **settings: Any) -> DmsFileConnector:
    return DmsFileConnector({"folder": str(folder), **settings}, {})


def stream_of(folder: Path, **settings: Any) -> ExtractStream:
    stream = connector(folder, **settings).streams()["customers"]
    assert isinstance(stream, ExtractStream)
    return stream


def read(stream: ExtractStream) -> pd.DataFrame:
    frames = list(stream.read())
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def test_registered_with_a_path_field() -> None:
    assert get_kind("dms_file") is DmsFileConnector
    assert DmsFileConnector.field("folder").type == "path"
    stream = DmsFileConnector({"folder": "."}, {}).streams()["customers"]
    assert stream.spec.cursor_field is None and stream.spec.primary_key == "customer_id"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    write(tmp_path / "CUSTOMERS_20261101.csv", csv_text(ROWS), encoding)
    stream = stream_of(tmp_path)
    df = read(stream)
    assert list(df["first_name"]) == ["José", "Zoë", "Renée"]
    assert list(df["city"]) == ["Détroit", "Ann Arbor", "Flint"]
    assert not stream.rejects
    assert list(df.columns)[-2:] == ["_row_hash", "_source"]
    assert df.loc[0, "_source"] == "CUSTOMERS_20261101.csv:2"


def test_the_whole_demo_extract_reads_with_its_dms_headers(tmp_path: Path, dataset: Any) -> None:
    customers = dataset.tables["dms_customers"]
    extract = customers.rename(columns=DMS_EXTRACT_CUSTOMER_HEADERS)
    extract.to_csv(tmp_path / "CUSTOMERS_1.csv", index=False, encoding="cp1252", sep="|")
    stream = stream_of(tmp_path, chunk_rows=100)
    frames = list(stream.read())
    assert len(frames) == 2  # 120 rows in chunks of 100
    df = pd.concat(frames, ignore_index=True)
    assert not stream.rejects
    assert list(df["customer_id"]) == list(customers["customer_id"])
    pd.testing.assert_frame_equal(
        df[list(customers.columns)].reset_index(drop=True),
        customers.fillna("").astype(str).apply(lambda c: c.str.strip()).reset_index(drop=True),
        check_dtype=False,
    )


@pytest.mark.parametrize("bom", [False, True])
def test_the_generators_nightly_extract(tmp_path: Path, dataset: Any, bom: bool) -> None:
    encoding = "utf-8" if bom else "cp1252"
    write_dms_extract(dataset, tmp_path, encoding=encoding, bom=bom)
    conn = connector(tmp_path)
    assert conn.check().ok
    stream = stream_of(tmp_path)
    df = read(stream)
    assert not stream.rejects
    assert list(df["customer_id"]) == list(dataset.tables["dms_customers"]["customer_id"])
    assert df["_row_hash"].is_unique


def test_header_aliases_are_case_space_and_underscore_insensitive(tmp_path: Path) -> None:
    table = alias_map("customer")
    for canonical, header in DMS_EXTRACT_CUSTOMER_HEADERS.items():
        assert table[header_key(header)] == canonical
    header = "Cust Num;lname;FNAME;E-Mail;mobile_ph;Zip Code;Favourite Colour\n"
    row = "C9;Smith;Ann;ann@example.com;(313) 555-0100;48201;teal\n"
    write(tmp_path / "CUSTOMERS_a.csv", header + row, "utf-8")
    conn = connector(tmp_path)
    check = conn.check()
    assert check.ok and "Favourite Colour" in check.message and "semicolon" in check.message
    df = read(stream_of(tmp_path))
    got = df.iloc[0]
    assert (got["customer_id"], got["last_name"], got["first_name"]) == ("C9", "Smith", "Ann")
    assert (got["email"], got["mobile_phone"], got["zip"]) == (
        "ann@example.com",
        "(313) 555-0100",
        "48201",
    )


def test_malformed_rows_are_rejected_with_file_line_and_reason(tmp_path: Path) -> None:
    text = (
        HEADER
        + "C1,Ann,Lee,Troy,ann@example.com\n"
        + "C2,Bob,Ray,Troy,bob@example.com,EXTRA\n"  # line 3: one value too many
        + 'C3,"Cy,Fox,Troy,cy@example.com\n'  # line 4: a quote never closed
        + "C4,Di,Orr,Troy,di@example.com\n"
        + ",No,Key,Troy,nokey@example.com\n"  # line 6: empty customer number
        + "C1,Ann,Lee,Troy,again@example.com\n"  # line 7: repeated customer number
        + 'C5,"Ed ""Jr""",Poe,"Multi\nLine",ed@example.com\n'  # lines 8-9: valid
    )
    write(tmp_path / "CUSTOMERS_bad.csv", text, "utf-8")
    (tmp_path / "CUSTOMERS_bad.csv").write_bytes(
        (tmp_path / "CUSTOMERS_bad.csv").read_bytes() + b"C6,Fa\x81,Ng,Troy,fa@example.com\n"
    )
    stream = stream_of(tmp_path, encoding="cp1252")
    df = read(stream)
    assert list(df["customer_id"]) == ["C1", "C4", "C5"]
    assert df.iloc[2]["first_name"] == 'Ed "Jr"' and df.iloc[2]["city"] == "Multi\nLine"
    by_line = {r["line"]: r for r in stream.rejects}
    assert sorted(by_line) == [3, 4, 6, 7, 10]
    assert all(r["file"] == "CUSTOMERS_bad.csv" for r in stream.rejects)
    assert "6 values" in by_line[3]["reason"] and "EXTRA" in by_line[3]["raw"]
    assert "quote" in by_line[4]["reason"]
    assert "empty" in by_line[6]["reason"]
    assert "line 2" in by_line[7]["reason"]
    assert "0x81" in by_line[10]["reason"]


def test_take_rejects_hands_each_reject_over_once(tmp_path: Path) -> None:
    rows = "".join(f"C{i},A,B,C,a{i}@x.com\n" for i in range(250)) + "C999,only,three\n"
    write(tmp_path / "CUSTOMERS_x.csv", HEADER + rows, "utf-8")
    stream = stream_of(tmp_path, chunk_rows=100)
    parked = []
    for _chunk in stream.read():
        parked += stream.take_rejects()
    parked += stream.take_rejects()
    assert [r["line"] for r in parked] == [252]
    assert stream.take_rejects() == [] and len(stream.rejects) == 1


def test_row_hash_is_stable_and_follows_changes(tmp_path: Path) -> None:
    write(tmp_path / "CUSTOMERS_1.csv", csv_text(ROWS), "cp1252")
    first = read(stream_of(tmp_path))
    again = read(stream_of(tmp_path))
    assert list(first["_row_hash"]) == list(again["_row_hash"])
    changed: list[tuple[str, ...]] = [
        ROWS[0],
        ("C2", "Zoë", "Brontë", "Ypsilanti", "zoe@example.com"),
        ROWS[2],
    ]
    os.remove(tmp_path / "CUSTOMERS_1.csv")
    write(tmp_path / "CUSTOMERS_2.csv", csv_text(changed, sep=";"), "utf-8-sig")
    later = read(stream_of(tmp_path))
    assert later["_row_hash"][0] == first["_row_hash"][0]  # same values, other file/encoding
    assert later["_row_hash"][1] != first["_row_hash"][1]
    assert later["_row_hash"][2] == first["_row_hash"][2]


def test_newest_file_only_unless_all_and_files_are_never_touched(tmp_path: Path) -> None:
    old = write(tmp_path / "CUSTOMERS_20261030.csv", csv_text(ROWS[:1]), "utf-8")
    new = write(tmp_path / "customers_20261031.CSV", csv_text(ROWS[1:]), "utf-8")
    write(tmp_path / "VEHICLES_20261031.csv", "VIN\n1G4AH59H45G118341\n", "utf-8")
    os.utime(old, (1_700_000_000, 1_700_000_000))
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    assert list(read(stream_of(tmp_path))["customer_id"]) == ["C2", "C3"]
    both = read(stream_of(tmp_path, files="all"))
    assert list(both["customer_id"]) == ["C1", "C2", "C3"]
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before
    assert new.exists() and old.exists()


def test_a_file_without_the_key_column_is_rejected_whole(tmp_path: Path) -> None:
    write(tmp_path / "CUSTOMERS_nokey.csv", "FNAME,LNAME\nAnn,Lee\n", "utf-8")
    stream = stream_of(tmp_path)
    assert read(stream).empty
    assert "no customer_id column" in stream.rejects[0]["reason"]
    assert not connector(tmp_path).check().ok


def test_check_explains_a_missing_folder_or_file(tmp_path: Path) -> None:
    missing = connector(tmp_path / "nope").check()
    assert not missing.ok and "Could not open the folder" in missing.message
    empty = connector(tmp_path).check()
    assert not empty.ok and "No file" in empty.message
