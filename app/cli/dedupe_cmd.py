"""``dedupe``: find duplicate people in a CSV export, or link two exports.

    dedupe INPUT.csv --out OUT.csv [--map ROLE=COLUMN ...] [--id-column COL]
    dedupe A.csv --link B.csv --out OUT.csv

OUT has every input row plus cluster_id, match_score, match_band, match_reasons and
match_with (the id of the record it matched). Nothing is sent anywhere.
"""

from __future__ import annotations

import argparse
import codecs
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.context import CliContext

if TYPE_CHECKING:
    from collections.abc import Iterator

    import pandas as pd

    from app.formats.people_csv import Packed
    from app.formats.verbatim_csv import Verbatim
    from app.matching.csvfile import CsvData

    Cells = pd.DataFrame | Packed | Verbatim  # one file's cells, kept for the output

_PROGRESS_FROM = 10_000  # rows; smaller files finish before a progress line helps
MAX_PROBLEMS_SHOWN = 20


def register(p: argparse.ArgumentParser) -> None:
    """Add this command's arguments to its parser."""
    p.add_argument("input", type=Path, metavar="INPUT.csv")
    p.add_argument("--link", type=Path, metavar="B.csv", help="a second file to link with")
    p.add_argument("--out", type=Path, required=True, metavar="OUT.csv")
    p.add_argument(
        "--map",
        nargs="+",
        action="extend",
        default=[],
        metavar="ROLE=COLUMN",
        help="which column(s) hold a role, e.g. last_name=SURNAME 'street=HOUSE_NO STREET'; "
        "roles: first_name last_name full_name email phone street city state zip dob",
    )
    p.add_argument("--id-column", metavar="COL", help="the record id column (for match_with)")
    p.add_argument("--high", type=float, help="auto-link threshold (0-1)")
    p.add_argument("--low", type=float, help="review threshold (0-1)")
    p.set_defaults(handler=_dedupe)


class _Progress:
    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.on = rows >= _PROGRESS_FROM
        self.started = time.monotonic()

    def __call__(self, step: str, done: int, total: int) -> None:
        if not self.on:
            return
        bar = "#" * (done * 20 // total)
        elapsed = time.monotonic() - self.started
        print(
            f"\rMatching {self.rows:,} records [{bar:<20}] {done}/{total} {step} done, "
            f"{elapsed:.0f} s",
            end="",
            file=sys.stderr,
            flush=True,
        )

    def close(self) -> None:
        if self.on:
            print(file=sys.stderr)


def _dedupe(ctx: CliContext) -> int:
    import numpy as np
    import pandas as pd

    from app.cli import allocator
    from app.formats import people_csv, verbatim_csv
    from app.matching import roles
    from app.matching.bands import Thresholds
    from app.matching.csvfile import read_csv
    from app.matching.errors import MatchingError
    from app.matching.normalise import normalise
    from app.matching.pipeline import Clock, match_norm

    allocator.reuse_memory()
    args = ctx.args
    parts: list[tuple[Path, Cells]] = []
    ids: list[_Ids] = []  # per file, its rows' ids (kept small while matching runs)
    try:
        overrides = roles.parse_map(args.map)
        files = [args.input] + ([args.link] if args.link else [])
        frames = []
        for path in files:
            data = read_csv(path)
            found = roles.resolve(list(data.frame.columns), overrides)
            id_col = args.id_column if args.id_column in data.frame.columns else None
            id_col = id_col or roles.guess_id_column(list(data.frame.columns))
            parts.append((path, _kept(data, args.link is not None)))
            data.spans = None  # kept (in a file) if needed: the file's bytes go
            frames.append(roles.role_frame(data.frame, found))
            ids.append(_ids_of(data.frame[id_col]) if id_col else (path.name, len(data.frame)))
            _tell(path, data, found)
            del data
        t = Thresholds()
        if args.high is not None or args.low is not None:
            t = Thresholds(
                args.high if args.high is not None else t.high,
                args.low if args.low is not None else t.low,
            )
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        del frames
        progress = _Progress(len(frame))
        clock = Clock(progress)
        norm = normalise(frame)
        del frame  # the role frame: the codes are all matching needs
        clock("normalise")
        result = match_norm(norm, t, clock=clock, all_pairs=False)
        del norm
        progress.close()
    except (MatchingError, ValueError) as exc:
        print(f"dedupe: {exc}", file=sys.stderr)
        for _, cells in parts:
            if isinstance(cells, people_csv.Packed | verbatim_csv.Verbatim):
                cells.close()
        return 2
    per = result.per_record()
    with_none = np.asarray([*_all_ids(ids), ""], dtype=object)  # match_row -1: no partner
    del ids
    per["match_with"] = with_none[per.pop("match_row").to_numpy()]
    del with_none
    try:
        rows = _write(parts, per, args.out)
    except OSError as exc:
        print(f"dedupe: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    bands = per["match_band"].value_counts().to_dict()
    clusters = int((per.groupby("cluster_id").size() > 1).sum())
    print(
        f"Wrote {rows:,} rows to {args.out}: {clusters:,} groups of duplicates "
        f"({bands.get('auto', 0):,} rows auto-linked, {bands.get('review', 0):,} to review) "
        f"in {sum(result.timings.values()):.1f} s."
    )
    return 0


def _tell(path: Path, data: CsvData, found: dict[str, list[str]]) -> None:
    """What was read of ``path`` and which columns play which role (to stderr)."""
    used = ", ".join(f"{r}={'+'.join(c)}" for r, c in found.items())
    notes = f"{data.encoding}, {len(data.frame):,} rows"
    if data.blank_rows:
        notes += f", {data.blank_rows} blank"
    if data.ragged_rows:
        notes += f", {data.ragged_rows} with a wrong number of fields (padded)"
    if data.nul_bytes:
        notes += f", {data.nul_bytes} NUL bytes removed"
    print(f"{path.name}: {notes}; columns used: {used}", file=sys.stderr)
    for problem in data.problems[:MAX_PROBLEMS_SHOWN]:
        print(f"{path.name}: {problem}", file=sys.stderr)
    if len(data.problems) > MAX_PROBLEMS_SHOWN:
        more = len(data.problems) - MAX_PROBLEMS_SHOWN
        print(f"{path.name}: ... and {more:,} more lines like these", file=sys.stderr)


_Ids = str | list[str] | tuple[str, int]  # joined by NUL, as they are, (file, rows)


def _ids_of(column: pd.Series) -> _Ids:
    """A file's id column as one string (its values joined by NUL: a str per row would
    wait through the matching), or as a list if a value holds a NUL."""
    values = column.astype(str).tolist()
    joined = "\x00".join(values)
    return joined if values and joined.count("\x00") == len(values) - 1 else values


def _all_ids(ids: list[_Ids]) -> list[str]:
    """Every row's id: its id column's value, or its file and line number."""
    out: list[str] = []
    for part in ids:
        if isinstance(part, tuple):
            out += [f"{part[0]}:{i + 2}" for i in range(part[1])]  # the header is line 1
        else:
            out += part.split("\x00") if isinstance(part, str) else part
    return out


def _kept(data: CsvData, linking: bool) -> Cells:
    """A file's cells as they wait for the output. One file's rows are copied from the
    file where they can be (``verbatim_csv``) and packed otherwise (a str per cell would
    outweigh the matching); two files' are joined under one header as a frame."""
    from app.formats import people_csv, verbatim_csv

    if linking:
        return data.frame
    if data.spans is not None and data.delimiter == ",":
        return verbatim_csv.keep(data.spans, data.frame)
    return people_csv.pack(data.frame)


def _write(parts: list[tuple[Path, Cells]], per: pd.DataFrame, path: Path) -> int:
    """Every input row and its ``per`` row to ``path``; the number of rows. UTF-8 with a
    BOM (Excel reads it right); people open it in Excel, so no cell, nor the header, may
    run as a formula (``people_csv``, ``formula_safe``). Two files (``--link``) go as
    one frame, under a ``source_file`` column."""
    import pandas as pd

    from app.formats import people_csv, verbatim_csv

    if len(parts) == 1 and isinstance(kept := parts[0][1], verbatim_csv.Verbatim):
        header = _safe_header([*kept.others.columns, *per.columns])
        try:
            _write_bytes(verbatim_csv.text_blocks(kept, per, header), path)
        finally:
            kept.close()
        return kept.rows
    if len(parts) == 1 and isinstance(packed := parts[0][1], people_csv.Packed):
        header = _safe_header([*packed.columns, *per.columns])
        try:
            _write_blocks(people_csv.packed_text_blocks(packed, per, header), path)
        finally:
            packed.close()
        return packed.rows
    out_frames = []
    offset = 0
    for source, cells in parts:
        assert isinstance(cells, pd.DataFrame)
        block = cells.reset_index(drop=True)  # copy-on-write: the input stays as read
        if len(parts) > 1:
            block.insert(0, "source_file", source.name)
        extra = per.iloc[offset : offset + len(block)].reset_index(drop=True)
        offset += len(block)
        out_frames.append(pd.concat([block, extra], axis=1))
    out = pd.concat(out_frames, ignore_index=True) if len(out_frames) > 1 else out_frames[0]
    header = _safe_header(list(out.columns))
    _write_blocks(people_csv.text_blocks(out, header), path)
    return len(out)


def _safe_header(columns: list[object]) -> list[str]:
    import pandas as pd

    from app.formats.formula_safe import safe_column

    return safe_column(pd.Series([str(c) for c in columns], dtype=object)).tolist()


def _write_blocks(blocks: Iterator[str], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        for text in blocks:
            f.write(text)


def _write_bytes(blocks: Iterator[bytes], path: Path) -> None:
    """``_write_blocks`` of blocks already UTF-8 (the same BOM first)."""
    with path.open("wb") as f:
        f.write(codecs.BOM_UTF8)
        for data in blocks:
            f.write(data)
