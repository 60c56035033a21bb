"""Files people open in Excel never run a value as a formula: the sync-log export (CSV
and XLSX, names masked or not), ``dedupe`` output and the website feed. A NUL in a name
does not break the XLSX export. Machine feeds keep their values."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app import cli
from app.formats.feeds import website_csv
from app.formats.feeds.common import write_delimited
from app.formats.spreadsheet_cells import csv_cell, csv_column, is_formula_like
from app.services.log_export import export
from app.store import Store
from app.store.log_queries import EventFilter
from app.sync.engine import SyncEngine
from tests.support.memory_connector import World
from tests.support.memory_flow import customer

LINK = '=HYPERLINK("http://evil.example/x","Click")'
HOSTILE = [LINK, "@SUM(1+1)", "+cmd|' /C calc'!A0", "-2+3+cmd|'/C calc'!A0"]


def test_the_rule() -> None:
    assert all(is_formula_like(v) for v in HOSTILE)
    for harmless in ("+1 313 555 0100", "-12.50", "Smith", "", "a=b", "O'Neil"):
        assert not is_formula_like(harmless), harmless
    assert csv_cell(LINK) == "'" + LINK
    assert csv_cell("-5") == "-5" and csv_cell(12) == 12 and csv_cell(None) is None


def test_a_column_at_once_is_each_cell_made_safe() -> None:
    """``csv_column`` (what ``dedupe`` runs over 400,000-row files) gives exactly what
    ``csv_cell`` gives per value, whatever the column holds."""
    import pandas as pd

    values = [*HOSTILE, "+1 313 555 0100", "-12.50", "Smith", "", "\tx", "\rx", "-", "a=b"]
    for col in (
        pd.Series(values, dtype=object),
        pd.Series(values, dtype="str"),
        pd.Series([*values, None], dtype=object),
        pd.Series(["Evil\x00son", "=x\x00"], dtype=object),
    ):
        assert csv_column(col).tolist() == col.map(csv_cell).tolist()
    numbers = pd.Series([-1, 2])
    assert csv_column(numbers) is numbers


@pytest.fixture
def hostile_log(store: Store, memory_flow: str, world: type[World]) -> Store:
    world.source = [
        customer(1, first_name=LINK, last_name="Evil\x00son"),
        customer(2, first_name="@SUM(1+1)", last_name="Adder"),
        customer(3, first_name="Plain", last_name="-cmd"),
    ]
    assert SyncEngine(store).run(memory_flow).status == "succeeded"
    return store


@pytest.mark.parametrize("reveal", [True, False])
def test_the_sync_log_as_xlsx_has_text_cells_only(
    hostile_log: Store, tmp_path: Path, reveal: bool
) -> None:
    path = tmp_path / "log.xlsx"
    assert export(hostile_log, EventFilter(), path, reveal=reveal) == 3
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        xml = b"".join(z.read(n) for n in sheets)
    assert b"<f>" not in xml and b"<f " not in xml  # no formula anywhere
    rows = list(load_workbook(path)["Sync log"].iter_rows(min_row=2))
    names = {r[5].value for r in rows}
    assert all(r[5].data_type == "s" for r in rows)
    if reveal:
        assert f"{LINK} Evilson" in names and "@SUM(1+1) Adder" in names
    else:
        assert any(str(n).startswith("=") for n in names)  # masked, still text


def test_the_sync_log_as_csv_escapes_what_would_run(hostile_log: Store, tmp_path: Path) -> None:
    for reveal in (True, False):
        path = tmp_path / f"log-{reveal}.csv"
        export(hostile_log, EventFilter(), path, reveal=reveal)
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))[1:]
        names = [r[5] for r in rows]
        assert all(not is_formula_like(n) for n in names), names
        assert any(n.startswith("'=") for n in names) and any(n.startswith("'@") for n in names)
        assert all("\x00" not in c for r in rows for c in r)


def test_dedupe_output_is_safe_to_open(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text(
        "id,first_name,last_name,email\n"
        f'1,"{LINK.replace(chr(34), chr(34) * 2)}",Smith,a@example.com\n'
        "2,@SUM(1+1),Smith,a@example.com\n"
        "3,Ann,-cmd,ann@example.com\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    assert (
        cli.main(["--data-dir", str(tmp_path / "d"), "dedupe", str(source), "--out", str(out)]) == 0
    )
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["first_name"] for r in rows] == ["'" + LINK, "'@SUM(1+1)", "Ann"]
    assert rows[2]["last_name"] == "'-cmd"


def test_the_website_feed_is_safe_and_machine_feeds_keep_their_values() -> None:
    unit = {"vin": "1G4AH59H45G118341", "model": "=cmd|' /C calc'!A0", "price": "+1 USD"}
    feed = website_csv.build([(unit, unit)], ["vin", "model", "price"])
    text = feed.data.decode("utf-8")
    assert "'=cmd" in text and "+1 USD" in text
    machine = write_delimited(["model"], [{"model": "=x"}], "tsv").decode()
    assert machine.splitlines()[1] == "=x"
