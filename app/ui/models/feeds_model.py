"""The feeds table of the "Publish now" panel."""

from __future__ import annotations

from app.feeds.overview import FeedRow
from app.ui.formatting import full_time, relative_time
from app.ui.models.rows_model import Column, RowsTableModel
from app.ui.theme import Status

STATUS = {
    "succeeded": (Status.OK, "Published"),
    "completed_with_errors": (Status.WARNING, "Published, some left out"),
    "failed": (Status.ERROR, "Failed"),
    "running": (Status.RUNNING, "Publishing…"),
    None: (Status.UNKNOWN, "Never published"),
}


def status_of(row: FeedRow) -> tuple[Status, str]:
    status, text = STATUS.get(row.last_status, STATUS[None])
    if row.last_status == "completed_with_errors":
        text = f"Published, {row.left_out} left out"
    return status, text


def _name_tip(row: FeedRow) -> str:
    mode = "real time + " if row.mode == "realtime" else ""
    return f"{row.slug}: {mode}every {row.interval_min} minutes"


class FeedsTableModel(RowsTableModel[FeedRow]):
    busy: set[str]

    def __init__(self) -> None:
        self.busy = set()
        super().__init__([
            Column("Feed", lambda r: r.name, sort=lambda r: r.name.lower(), tip=_name_tip),
            Column("Channel", lambda r: r.channel_label),
            Column("Destination", lambda r: r.destination, sort=lambda r: r.destination.lower()),
            Column("Vehicles", lambda r: f"{r.listed:,}" if r.last_run_id else "—",
                   sort=lambda r: r.listed, right=True),
            Column("Last published", lambda r: relative_time(r.last_at) if r.last_at else "never",
                   sort=lambda r: r.last_at.timestamp() if r.last_at else 0.0,
                   tip=lambda r: full_time(r.last_at) if r.last_at else None),
            Column("Status", lambda r: self._status(r)[1], status=lambda r: self._status(r)[0],
                   tip=lambda r: r.error or None),
        ])  # fmt: skip

    def set_busy(self, slugs: set[str]) -> None:
        self.busy = set(slugs)
        self.changed_rows()

    def _status(self, row: FeedRow) -> tuple[Status, str]:
        if row.slug in self.busy:
            return STATUS["running"]
        return status_of(row)
