"""The fast people CSV writer writes what csv.writer writes of formula-safe cells."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from app.formats import people_csv
from app.formats.spreadsheet_cells import csv_column

TRICKY = [
    "plain",
    "",
    "a,b",
    'say "hi"',
    "two\nlines",
    "cr\rhere",
    '=HYPERLINK("http://x","y")',
    "@SUM(A1)",
    "+1 (313) 555-0100",
    "-12.50",
    "-2+3+cmd|' /C calc'!A0",
    "\tindented",
    "Zoë Ångström, 北京 🚗",
    "=a,b",
]


def _reference(frame: pd.DataFrame, path: Path) -> None:
    safe = frame.copy()
    for col in safe.columns:
        safe[col] = csv_column(safe[col])
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow([str(c) for c in frame.columns])
        w.writerows(zip(*[safe[c].astype(str).tolist() for c in safe.columns], strict=True))


def _write(frame: pd.DataFrame, path: Path, header: list[str]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        f.writelines(people_csv.text_blocks(frame, header))


def _tricky_frame() -> pd.DataFrame:
    n = len(TRICKY)
    return pd.DataFrame(
        {
            "text": TRICKY,
            "str dtype": pd.Series(TRICKY[::-1], dtype="string"),
            "with nul": ["a\x00b", "=x\x00"] + ["ok"] * (n - 2),
            "mixed": [None, 1.5, "x,y", "=1"] + ["z"] * (n - 4),
            "number": np.arange(n) - 3,
            "score": np.linspace(0, 1, n),
            "float with gaps": [np.nan, -0.0, 1e-7, 2.5] * (n // 4) + [0.1] * (n % 4),
            "last empty": ["=é,x"] * (n - 1) + [""],
            "empty": [""] * n,
        }
    )


def test_same_bytes_as_csv_writer(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(people_csv, "ROWS_PER_BLOCK", 5)  # several blocks
    frame = _tricky_frame()
    want, got = tmp_path / "want.csv", tmp_path / "got.csv"
    _reference(frame, want)
    _write(frame, got, [str(c) for c in frame.columns])
    assert got.read_bytes() == want.read_bytes()


def test_header_quoted_and_no_rows(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a,b": pd.Series([], dtype=object), "c": pd.Series([], dtype=object)})
    path = tmp_path / "out.csv"
    _write(frame, path, ["a,b", "c"])
    assert path.read_bytes() == '\ufeff"a,b",c\r\n'.encode()


def test_packed_columns_write_the_same_bytes(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Cells kept aside by ``pack`` (str blocks spilled, others kept as they are) and
    columns added after are written as the whole frame would be."""
    monkeypatch.setattr(people_csv, "ROWS_PER_BLOCK", 5)
    frame = _tricky_frame()
    inputs, extra = frame.iloc[:, :6], frame.iloc[:, 6:]
    packed = people_csv.pack(inputs)
    assert list(people_csv.packed_rows(packed)) == people_csv.row_texts(inputs)
    header = [str(c) for c in frame.columns]
    want, got = tmp_path / "want.csv", tmp_path / "got.csv"
    _write(frame, want, header)
    with got.open("w", encoding="utf-8-sig", newline="") as f:
        f.writelines(people_csv.packed_text_blocks(packed, extra, header))
    packed.close()
    assert got.read_bytes() == want.read_bytes()


def test_repeated_values_to_change_are_written_as_csv_writer_writes_them(tmp_path: Path) -> None:
    """A column whose values repeat (a match's reasons) is changed once per distinct value
    (``_column_block``): the same text as value by value."""
    rng = np.random.default_rng(5)
    pool = np.asarray(["same name, same phone", "=x", "plain", 'say "hi"', "-1,5"], dtype=object)
    frame = pd.DataFrame({"reasons": pool[rng.integers(0, len(pool), 3_000)]})
    ours, ref = tmp_path / "ours.csv", tmp_path / "ref.csv"
    _write(frame, ours, ["reasons"])
    _reference(frame, ref)
    assert ours.read_bytes() == ref.read_bytes()
