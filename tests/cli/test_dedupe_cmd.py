"""``dedupe``: on a generated DMS extract, on linked DMS + CRM exports, and on a
hand-written odd file (cp1252, unusual headers, blank and ragged rows)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from app.cli import build_parser
from app.cli.context import CliContext
from app.paths import AppPaths
from app.sandbox.generator import Dataset
from app.sandbox.schema import DMS_EXTRACT_CUSTOMER_HEADERS


def run(tmp_path: Path, *argv: str) -> int:
    parser = build_parser(load=["dedupe"])
    args = parser.parse_args(["dedupe", *argv])
    return int(args.handler(CliContext(paths=AppPaths(tmp_path / "data"), args=args)))


def test_dms_extract_with_dms_headers(tmp_path: Path, small_ds: Dataset) -> None:
    src = tmp_path / "dms.csv"
    dms = small_ds["dms_customers"].rename(columns=DMS_EXTRACT_CUSTOMER_HEADERS)
    dms.to_csv(src, index=False, encoding="cp1252", errors="replace")
    out = tmp_path / "out.csv"
    assert run(tmp_path, str(src), "--out", str(out)) == 0
    got = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert len(got) == len(dms)
    assert list(got.columns[-5:]) == [
        "cluster_id",
        "match_score",
        "match_band",
        "match_reasons",
        "match_with",
    ]
    truth = small_ds["truth"].set_index("record_id")["person_id"]
    auto = got[got["match_band"] == "auto"]
    assert len(auto) > 20
    same = [truth[a] == truth[b] for a, b in zip(auto["CUST_NO"], auto["match_with"], strict=True)]
    assert sum(same) / len(same) >= 0.97


def test_link_two_files(tmp_path: Path, small_ds: Dataset) -> None:
    a, b, out = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "out.csv"
    small_ds["dms_customers"].to_csv(a, index=False)
    crm = small_ds["crm_contacts"].rename(
        columns={"first_name": "firstName", "last_name": "lastName", "postal_code": "postalCode"}
    )
    crm.to_csv(b, index=False)
    assert run(tmp_path, str(a), "--link", str(b), "--out", str(out)) == 0
    got = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert len(got) == len(small_ds["dms_customers"]) + len(crm)
    assert set(got["source_file"]) == {"a.csv", "b.csv"}
    clusters = got.groupby("cluster_id")["source_file"].nunique()
    assert (clusters == 2).sum() > len(crm) * 0.5  # most CRM contacts found their DMS record


def test_odd_hand_written_file(tmp_path: Path) -> None:
    src = tmp_path / "odd.csv"
    src.write_bytes(
        "Nom;Surname;E-Mail;Tel;Rue;CP\r\n"
        "José;García;jose@x.com;(313) 555-0142;12 Main St;48084\r\n"
        ";;;;;\r\n"
        "JOSE;GARCIA;JOSE@X.COM;313.555.0142;12 Main Street;48084\r\n"
        "Bob;Smith;not-an-email;12;;\r\n"
        "Robert;Smith;;+44 20 7946 0958;;;extra\r\n"
        "\r\n".encode("cp1252")
    )
    out = tmp_path / "out.csv"
    code = run(
        tmp_path, str(src), "--map", "first_name=Nom", "street=Rue", "zip=CP", "--out", str(out)
    )
    assert code == 0
    got = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert len(got) == 6  # every input row, blank ones included
    assert got.loc[0, "Nom"] == "José"
    assert got.loc[0, "cluster_id"] == got.loc[2, "cluster_id"]
    assert got.loc[0, "match_band"] == "auto" and "same e-mail" in got.loc[0, "match_reasons"]
    assert got.loc[3, "match_band"] == "none"


def test_bad_options_give_a_clear_error(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "x.csv"
    src.write_text("a,b\n1,2\n")
    assert run(tmp_path, str(src), "--out", str(tmp_path / "o.csv")) == 2
    assert "No name, e-mail or phone column" in capsys.readouterr().err
    assert run(tmp_path, str(src), "--map", "colour=a", "--out", str(tmp_path / "o.csv")) == 2
    assert "Unknown role" in capsys.readouterr().err
    assert run(tmp_path, str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o.csv")) == 2


HEADER = b"CUST_NO,FIRST_NAME,LAST_NAME,EMAIL,PHONE\r\n"
ROWS = [
    b"1,Ann,Lee,ann@x.com,313-555-0101\r\n",
    b"2,Ann,Lee,ann@x.com,(313) 555-0101\r\n",
    b"3,Bo,Chan,bo@y.com,313-555-0199\r\n",
    b"4,Cy,Diaz,cy@z.com,313-555-0177\r\n",
]


def _dedupe(tmp_path: Path, raw: bytes) -> tuple[int, pd.DataFrame]:
    src = tmp_path / "in.csv"
    src.write_bytes(raw)
    out = tmp_path / "out.csv"
    code = run(tmp_path, str(src), "--out", str(out))
    got = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return code, got


def test_field_over_128_kb_is_read(tmp_path: Path) -> None:
    notes = b'"' + b"x" * 300_000 + b'"'
    raw = b"CUST_NO,FIRST_NAME,LAST_NAME,EMAIL,PHONE,NOTES\r\n"
    raw += b"".join(r.rstrip(b"\r\n") + b"," + notes + b"\r\n" for r in ROWS)
    code, got = _dedupe(tmp_path, raw)
    assert code == 0
    assert len(got) == 4 and got["NOTES"].str.len().eq(300_000).all()
    assert got.loc[0, "cluster_id"] == got.loc[1, "cluster_id"]


def test_unterminated_quote_is_reported_with_its_line_and_loses_no_row(
    tmp_path: Path,
    capsys,  # type: ignore[no-untyped-def]
) -> None:
    bad = b'5,"Dee,Evans,dee@w.com,313-555-0155\r\n'  # the quote is never closed
    raw = HEADER + ROWS[0] + ROWS[1] + bad + ROWS[2] + ROWS[3]
    code, got = _dedupe(tmp_path, raw)
    assert code == 0
    assert got["CUST_NO"].tolist() == ["1", "2", "5", "3", "4"]  # nothing swallowed
    assert got.loc[2, "FIRST_NAME"] == '"Dee'  # the bad line, read as plain text
    assert got.loc[0, "cluster_id"] == got.loc[1, "cluster_id"]
    err = capsys.readouterr().err
    assert "line 4: a quote is never closed" in err


def test_bom_in_front_of_cp1252_text(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbf" + HEADER + b"1,Jos\xe9,Garc\xeda,jose@x.com,313-555-0101\r\n"
    raw += b"2,JOSE,GARCIA,JOSE@X.COM,313.555.0101\r\n"
    code, got = _dedupe(tmp_path, raw)
    assert code == 0
    assert got.columns[0] == "CUST_NO"  # not 'ï»¿CUST_NO'
    assert got.loc[0, "FIRST_NAME"] == "José"
    assert got.loc[0, "match_with"] == "2"  # the id column was found by its name


def test_nul_bytes_are_dropped_and_counted(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    raw = HEADER + ROWS[0].replace(b"Ann", b"A\x00nn") + b"".join(ROWS[1:])
    code, got = _dedupe(tmp_path, raw)
    assert code == 0
    assert len(got) == 4 and got.loc[0, "FIRST_NAME"] == "Ann"
    assert "1 NUL bytes removed" in capsys.readouterr().err


def test_output_cells_are_formula_safe(tmp_path: Path) -> None:
    raw = HEADER + b'1,=HYPERLINK("http://x"),Lee,ann@x.com,+1 313-555-0101\r\n'
    raw += b"2,@SUM(A1),-Lee,bo@x.com,-5\r\n"
    code, got = _dedupe(tmp_path, raw)
    assert code == 0
    assert got.loc[0, "FIRST_NAME"] == '\'=HYPERLINK("http://x")'
    assert got.loc[1, "FIRST_NAME"] == "'@SUM(A1)"
    assert got.loc[1, "LAST_NAME"] == "'-Lee"
    assert got.loc[0, "PHONE"] == "+1 313-555-0101"  # a number keeps its sign
    assert got.loc[1, "PHONE"] == "-5"


def test_rows_copied_from_the_file_give_the_same_output_as_rows_made_of_cells(
    tmp_path: Path, small_ds: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Most rows of a plain export are copied byte for byte (``verbatim_csv``); the output
    is the one the cell-by-cell writer makes, awkward rows included."""
    from app.cli import dedupe_cmd
    from app.formats import people_csv, verbatim_csv

    dms = small_ds["dms_customers"].copy()
    dms.loc[dms.index[::9], "first_name"] = "=cmd|' /C calc'!A0"  # formula guard
    dms.loc[dms.index[1::9], "last_name"] = 'O"Neil, Jr'  # quoted
    dms.loc[dms.index[2::9], "email"] = "-x@example.com"
    src = tmp_path / "dms.csv"
    dms.to_csv(src, index=False, lineterminator="\r\n")
    copied, made = tmp_path / "copied.csv", tmp_path / "made.csv"
    kept: list[verbatim_csv.Verbatim] = []
    keep = verbatim_csv.keep
    monkeypatch.setattr(verbatim_csv, "keep", lambda *a: kept.append(keep(*a)) or kept[-1])
    assert run(tmp_path, str(src), "--out", str(copied)) == 0
    assert kept and 0.5 < kept[0].copy.mean() < 1  # most rows copied, not all
    monkeypatch.setattr(dedupe_cmd, "_kept", lambda data, linking: people_csv.pack(data.frame))
    assert run(tmp_path, str(src), "--out", str(made)) == 0
    assert copied.read_bytes() == made.read_bytes()
