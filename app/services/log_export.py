"""Export the sync log's filtered view of record events to CSV or Excel. Personal data
(the record's name, e-mails and phones in errors) is masked unless the caller is in admin
mode and asked for it; streams page by page so millions of rows never sit in memory.
Values are written so a spreadsheet never runs them as formulas
(``app.formats.spreadsheet_cells``)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

from app.errors import RooftopError
from app.formats.spreadsheet_cells import csv_cell, xlsx_row
from app.services import pii
from app.services.errors import ValidationError
from app.store import Store
from app.store.log_queries import EventFilter, EventRow, event_pages

EXCEL_MAX_ROWS = 1_048_575  # a sheet's limit, less the header row
HEADER = (
    "Event id",
    "When (UTC)",
    "Flow",
    "Entity",
    "Record key",
    "Name",
    "Action",
    "Status",
    "Error",
    "Attempt",
    "Destination id",
    "Duration (ms)",
    "Run id",
    "Replay of",
    "Replayed by",
)
Progress = Callable[[int, int, str], None]


class ExportCancelledError(RooftopError):
    """The person stopped the export; nothing was written."""


def _cells(row: EventRow, reveal: bool) -> list[object]:
    return [
        row.id,
        row.started_at.strftime("%Y-%m-%d %H:%M:%S"),
        row.flow_name,
        row.entity,
        row.record_key,
        row.name if reveal else pii.mask_name(row.name),
        row.action,
        row.status,
        (row.error if reveal else pii.mask_text(row.error)) or "",
        row.attempt,
        row.destination_id or "",
        row.duration_ms if row.duration_ms is not None else "",
        row.run_id,
        row.replay_of or "",
        row.replayed_by or "",
    ]


def _rows(
    store: Store,
    f: EventFilter,
    reveal: bool,
    limit: int,
    progress: Progress | None,
    cancelled: Callable[[], bool],
) -> Iterator[list[object]]:
    done = 0
    with store.session() as s:
        for page in event_pages(s, f):
            for row in page:
                if done >= limit:
                    return
                yield _cells(row, reveal)
                done += 1
            if progress:
                progress(done, 0, f"{done:,} record events written")
            if cancelled():
                return


def export(
    store: Store,
    f: EventFilter,
    path: Path,
    *,
    reveal: bool = False,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> int:
    """Write the events matching ``f`` to ``path`` (.csv or .xlsx); returns the row count."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValidationError("Export to a .csv or .xlsx file.")
    tmp = path.with_name(path.name + ".part")
    count = 0
    try:
        if suffix == ".csv":
            # utf-8 with BOM: Excel on Windows then reads accents and • correctly
            with tmp.open("w", newline="", encoding="utf-8-sig") as fh:
                writer = csv.writer(fh)
                writer.writerow(HEADER)
                for cells in _rows(store, f, reveal, 10**9, progress, cancelled):
                    writer.writerow([csv_cell(c) for c in cells])
                    count += 1
        else:
            from openpyxl import Workbook

            wb = Workbook(write_only=True)
            ws = wb.create_sheet("Sync log")
            ws.append(xlsx_row(ws, list(HEADER)))
            for cells in _rows(store, f, reveal, EXCEL_MAX_ROWS, progress, cancelled):
                ws.append(xlsx_row(ws, cells))
                count += 1
            wb.save(tmp)
        if cancelled():
            raise ExportCancelledError("Export cancelled; no file was written.")
        tmp.replace(path)  # a cancelled or failed export never leaves half a file behind
    finally:
        tmp.unlink(missing_ok=True)
    return count
