"""``dedupe``: on a generated DMS extract, on linked DMS + CRM exports, and on a
hand-written odd file (cp1252, unusual headers, blank and ragged rows)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

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
