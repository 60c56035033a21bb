"""Rows copied from the input file are the bytes the cell-by-cell writer would write."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.formats import people_csv, verbatim_csv
from app.matching.csvfile import read_csv
from app.matching.row_spans import row_spans

# cells that must not be copied as they stand (quotes, formula starts); a line break in
# a cell makes the file's lines and rows differ: then nothing is copied (tested below)
AWKWARD = ["a,b", 'say "hi"', "=SUM(A1)", "@x", "+1 313 555 0100", "-12.5", "\tindented"]
PLAIN = ["Zoë", "Ångström", "北京 🚗", "555-0100", "a-b", "x=y", "", " spaced ", "O'Brien"]


def _file(tmp_path: Path, rows: list[list[str]], header: list[str], crlf: bool) -> Path:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n" if crlf else "\n").writerows([header, *rows])
    path = tmp_path / "in.csv"
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return path


def _rows(seed: int, n: int, width: int) -> list[list[str]]:
    rng = random.Random(seed)
    pool = PLAIN * 6 + AWKWARD
    return [[rng.choice(pool) for _ in range(width)] for _ in range(n)]


def _extra(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cluster_id": np.arange(n) // 3,
            "match_score": np.linspace(0, 1, n).round(4),
            "match_reasons": ["same name, same phone"] * n,
            "match_with": ["=id" if i % 7 == 0 else f"K{i}" for i in range(n)],
        }
    )


def _by_cells(frame: pd.DataFrame, extra: pd.DataFrame, header: list[str]) -> bytes:
    out = pd.concat([frame.reset_index(drop=True), extra], axis=1)
    return "".join(people_csv.text_blocks(out, header)).encode("utf-8")


@pytest.mark.parametrize("crlf", [False, True])
@pytest.mark.parametrize("block", [7, 25_000])
def test_copied_rows_are_what_the_cell_writer_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crlf: bool, block: int
) -> None:
    monkeypatch.setattr(people_csv, "ROWS_PER_BLOCK", block)  # blocks of both writers
    header = ["id", "first", "last", "phone"]
    rows = _rows(3, 120, 4)
    data = read_csv(_file(tmp_path, rows, header, crlf))
    assert data.spans is not None
    kept = verbatim_csv.keep(data.spans, data.frame)
    assert 0 < int(kept.copy.sum()) < len(rows)  # some copied, some made of cells
    extra = _extra(len(rows))
    full = [*header, *extra.columns]
    got = b"".join(verbatim_csv.text_blocks(kept, extra, full))
    assert got == _by_cells(data.frame, extra, full)
    kept.close()


def test_which_rows_are_copied(tmp_path: Path) -> None:
    lines = [
        "h1,h2,h3",
        "a,b,c",  # copied
        "a,,",  # copied: empty fields
        "a,b",  # too few fields: padded by the reader, so made of cells
        '"a",b,c',  # a quote
        "=a,b,c",  # starts like a formula
        "a,-b,c",  # a field starts like one
        "a,b-c,d=e",  # only inside: copied
        "a,\tb,c",
        "a,+1 313,c",
        ",,",  # copied
    ]
    path = tmp_path / "in.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    data = read_csv(path)
    assert data.spans is not None
    got = verbatim_csv.copyable(data.spans, 3).tolist()
    assert got == [True, True, False, False, False, False, True, False, False, True]


def test_lines_that_are_not_one_row_each_give_no_spans(tmp_path: Path) -> None:
    quoted_break = tmp_path / "q.csv"
    quoted_break.write_bytes(b'a,b\n"1\n2",x\n3,4\n')
    assert read_csv(quoted_break).spans is None
    lone_cr = tmp_path / "cr.csv"
    lone_cr.write_bytes(b"a,b\r1,2\r3,4\r")
    assert read_csv(lone_cr).spans is None


def test_spans_skip_the_bom_and_the_line_breaks(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b\r\n1,2\r\n\xc3\xa9,4")  # no break after the last
    spans = read_csv(path).spans
    assert spans is not None
    assert [spans.data[s:e] for s, e in zip(spans.starts, spans.ends, strict=True)] == [
        b"1,2",
        "é,4".encode(),
    ]


def test_a_row_count_that_does_not_match_the_lines_gives_no_spans() -> None:
    assert row_spans(b"a,b\n1,2\n", 0, 3, 0) is None
    spans = row_spans(b"a,b\n1,2\n", 0, 2, 0)
    assert spans is not None and spans.starts.tolist() == [4]
