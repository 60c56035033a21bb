"""The Flows table: schedule in plain words, last result (colour + icon + text), next run."""

from __future__ import annotations

from app.scheduling.overview import FlowOverview
from app.ui.formatting import full_time, relative_time
from app.ui.icons import icon
from app.ui.models.rows_model import ROW_ROLE, Column, RowsTableModel
from app.ui.theme import Status

FLOW_ROLE = ROW_ROLE


def run_status(status: str | None, errors: int = 0) -> tuple[Status, str]:
    if status == "succeeded":
        return Status.OK, "Succeeded"
    if status == "completed_with_errors":
        return Status.WARNING, f"Completed with {errors:,} error{'s' if errors != 1 else ''}"
    if status == "failed":
        return Status.ERROR, "Failed"
    if status == "cancelled":
        return Status.UNKNOWN, "Cancelled"
    if status == "dry_run":
        return Status.UNKNOWN, "Preview only"
    if status == "running":
        return Status.RUNNING, "Running…"
    return Status.UNKNOWN, "Never run"


def flow_result(status: str | None, errors: int, waiting: int) -> tuple[Status, str]:
    """The last job's result, never green while records wait for replay."""
    st, text = run_status(status, errors)
    if waiting and st in (Status.OK, Status.UNKNOWN):
        return Status.WARNING, f"{text} · {waiting:,} waiting"
    return st, text


def waiting_text(waiting: int) -> str:
    return f"{waiting:,}" if waiting else "none"


def next_run_text(row: FlowOverview) -> str:
    if row.next_run is None:
        return "Paused" if row.schedule.kind != "manual" else "—"
    return row.next_run.astimezone().strftime("%a %d %b %H:%M")


def flow_status(r: FlowOverview) -> tuple[Status, str]:
    if r.running is not None:
        return Status.RUNNING, "Running now"
    return flow_result(r.last_status, r.last_errors, r.waiting)


def _result_tip(r: FlowOverview) -> str:
    if r.running is not None:
        return f"Running — {r.running.describe()}"
    c = r.last_counts
    counts = (
        f"read {c['read']:,} · new {c['created']:,} · updated {c['updated']:,} · "
        f"unchanged {c['unchanged']:,} · failed {c['failed'] + c['parked']:,}"
        if c else "No run yet"
    )  # fmt: skip
    if r.last_runs > 1:
        counts = f"Last job, {r.last_runs} runs: {counts}"
    waiting = f"\n{r.waiting:,} waiting for replay" if r.waiting else ""
    return counts + waiting + (f"\n{r.last_error}" if r.last_error else "")


def _about(r: FlowOverview) -> str:
    about = f"{r.description}\n" if r.description else ""
    return f"{about}{r.route}\nCarried by {r.protocol}\nMode: {r.mode}"


def _waiting_tip(r: FlowOverview) -> str | None:
    if not r.waiting:
        return None
    return (
        f"{r.waiting:,} records could not be delivered and wait in the retry "
        "queue until they are replayed or dismissed (Sync Log)."
    )


class FlowsTableModel(RowsTableModel[FlowOverview]):
    # "Waiting" (for replay) is shown beside "Result" (the screen moves the section)
    COLUMNS = (
        Column("Flow", lambda r: r.name, tip=_about,
               icon=lambda r: icon("mdi6.swap-horizontal-bold")),
        Column("Carried by", lambda r: r.protocol, tip=_about),
        Column("Schedule", lambda r: r.schedule.describe()),
        Column("Last run", lambda r: relative_time(r.last_at),
               sort=lambda r: r.last_at.timestamp() if r.last_at else 0.0,
               tip=lambda r: full_time(r.last_at)),
        Column("Result", lambda r: flow_status(r)[1], tip=_result_tip,
               status=lambda r: flow_status(r)[0]),
        Column("Next run", next_run_text,
               sort=lambda r: r.next_run.timestamp() if r.next_run else float("inf"),
               tip=lambda r: (f"No scheduled runs {r.schedule.blackout.text()}"
                              if r.schedule.blackout else None)),
        Column("Waiting", lambda r: waiting_text(r.waiting), sort=lambda r: r.waiting,
               tip=_waiting_tip, status=lambda r: Status.WARNING if r.waiting else None,
               header_tip="Records waiting for replay: counted until delivered or dismissed"),
    )  # fmt: skip
    WAITING = 6

    def row_of(self, flow_id: int) -> int:
        return self.row_where(lambda r: r.flow_id == flow_id)
