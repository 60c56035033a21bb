"""Long work in the background (issue 23, item 4): a date-range re-sync does not hold the
window; the jobs panel and the status bar show it with count, percentage and Cancel; its
counter counts the job, not each batch; Cancel there stops it."""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import QApplication

from app.scheduling import resync
from app.scheduling.runner import run_flow_locked
from app.sync.progress import CancelToken
from app.ui.dialogs.range_dialog import RangeDialog
from app.ui.jobs import Job, Jobs, JobsPanel, jobs, time_left
from app.ui.main_window import MainWindow
from tests.support.memory_connector import SinkStream, World
from tests.support.memory_flow import customer


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The memory CRM writes one batch, then waits for the test to open the gate."""
    opened = threading.Event()
    write = SinkStream.write
    calls = [0]

    def slow_write(self, batch):  # type: ignore[no-untyped-def]
        calls[0] += 1
        if calls[0] > 1:
            opened.wait(20)
        return write(self, batch)

    monkeypatch.setattr(SinkStream, "write", slow_write)
    yield opened
    opened.set()


def _range(dialog: RangeDialog) -> None:
    dialog.start.setDateTime(QDateTime.fromString("2026-03-01T00:00:00Z", "yyyy-MM-ddTHH:mm:ssZ"))
    dialog.end.setDateTime(QDateTime.fromString("2026-03-31T00:00:00Z", "yyyy-MM-ddTHH:mm:ssZ"))


def _found_in_range(qtbot, window: MainWindow) -> RangeDialog:  # type: ignore[no-untyped-def]
    """The Flows screen's date-range dialog for its one flow, March found and ready to run."""
    window.flows.reload()
    qtbot.waitUntil(lambda: window.flows.model.rowCount() == 1, timeout=10000)
    window.flows.table.selectRow(0)
    dialog = window.flows.resync_range()
    assert dialog is not None
    qtbot.addWidget(dialog)
    _range(dialog)
    dialog.find_records()
    qtbot.waitUntil(lambda: dialog.run_button.isEnabled(), timeout=20000)
    return dialog


def test_a_range_resync_runs_while_the_window_stays_usable(  # type: ignore[no-untyped-def]
    qtbot,
    window: MainWindow,
    world: type[World],
    memory_flow: str,
    gate: threading.Event,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(resync, "RANGE_BATCH", 4)
    world.source = [customer(n, updated=f"2026-03-{n:02d}T10:00:00Z") for n in range(1, 21)]
    gate.set()
    run_flow_locked(window.ctx.store, memory_flow)
    gate.clear()
    window.show_screen("flows")
    dialog = _found_in_range(qtbot, window)
    assert "updated_at" not in dialog.note.text()  # in words, not the field's code
    dialog.run()

    # running: no modal dialog holds the window; the job shows in the panel and status bar
    qtbot.waitUntil(lambda: bool(jobs().running()), timeout=5000)
    assert not dialog.isModal() and QApplication.activeModalWidget() is None
    assert window.jobs_panel.isVisible()
    [row] = window.jobs_panel.rows.values()
    assert row.cancel_button.isVisible() and row.cancel_button.width() >= 60
    qtbot.waitUntil(lambda: "%" in row.count.text(), timeout=10000)
    assert "of 20 records" in row.count.text()
    assert window.running_label.text() != "No sync running"
    assert "Re-sending 20 records" in window.running_label.text()
    assert dialog.close_button.isEnabled()
    dialog.close()  # closing the dialog does not stop the work
    window.show_screen("dashboard")  # the rest of the window answers meanwhile
    assert window.current_screen_key() == "dashboard" and jobs().running()
    assert window.dashboard.running_flows()  # "Running now" does not say nothing runs

    seen: list[int] = []
    jobs().changed.connect(lambda: seen.extend(j.done for j in jobs().running()))
    gate.set()
    qtbot.waitUntil(lambda: not jobs().running(), timeout=30000)
    assert seen == sorted(seen), "the counter went back at a batch boundary"
    assert not window.jobs_panel.isVisible()
    assert window.running_label.text() == "No sync running"
    assert not window.dashboard.running_flows()
    assert dialog.summaries and "Succeeded" in dialog.note.text()


def test_cancel_in_the_jobs_panel_stops_the_resync(  # type: ignore[no-untyped-def]
    qtbot,
    window: MainWindow,
    world: type[World],
    memory_flow: str,
    gate: threading.Event,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(resync, "RANGE_BATCH", 2)
    world.source = [customer(n, updated=f"2026-03-{n:02d}T10:00:00Z") for n in range(1, 11)]
    gate.set()
    run_flow_locked(window.ctx.store, memory_flow)
    gate.clear()
    dialog = _found_in_range(qtbot, window)
    dialog.run()
    qtbot.waitUntil(lambda: bool(window.jobs_panel.rows), timeout=5000)
    [row] = window.jobs_panel.rows.values()
    qtbot.mouseClick(row.cancel_button, Qt.MouseButton.LeftButton)
    assert "stopping" in window.running_label.text()
    assert not dialog.progress.cancel_button.isEnabled()  # the dialog knows too
    gate.set()
    # under load the cancel can land before the first batch starts: no summary at all then,
    # so wait for the job's end, not for a summary
    qtbot.waitUntil(lambda: dialog.token is None, timeout=90000)
    assert len(dialog.summaries) < 5  # stopped before the last batch
    assert "Cancelled (of 10)" in dialog.note.text()
    assert not jobs().running()


def test_a_job_line_says_count_percentage_and_time_left(qtbot) -> None:  # type: ignore[no-untyped-def]
    registry = Jobs()
    panel = JobsPanel(registry)
    qtbot.addWidget(panel)
    assert not panel.isVisibleTo(panel.parentWidget() or panel) or not registry.running()
    job = registry.start("Re-sending 5,891 records")
    registry.update(job, 1_200, 5_891)
    assert job.count_text() == "1,200 of 5,891 records (20 %)"
    assert registry.status_line().startswith("Re-sending 5,891 records · 1,200 of 5,891")
    assert time_left(30) == "about 30 s left" and time_left(200) == "about 3 min left"
    assert time_left(3900) == "about 1 h 5 min left"
    other = registry.start("Syncing Customers")
    assert registry.status_line().endswith("(+1 more)")
    registry.finish(job)
    registry.finish(other)
    assert registry.status_line() == "No sync running"
    assert isinstance(job, Job)


def test_the_job_counts_its_batches_as_one(  # type: ignore[no-untyped-def]
    world: type[World], memory_flow: str, store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resync, "RANGE_BATCH", 3)
    world.source = [customer(n, updated=f"2026-03-{n:02d}T10:00:00Z") for n in range(1, 8)]
    run_flow_locked(store, memory_flow)
    found = resync.find_range(
        store, memory_flow, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC)
    )
    done: list[int] = []
    resync.run_range(store, found, progress=lambda p: done.append(p.done))
    assert done == sorted(done) and done[-1] == 7


def test_a_cancel_before_the_first_batch_says_cancelled_not_succeeded(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, world: type[World], memory_flow: str
) -> None:
    world.source = [customer(n, updated=f"2026-03-{n:02d}T10:00:00Z") for n in range(1, 4)]
    run_flow_locked(window.ctx.store, memory_flow)
    dialog = _found_in_range(qtbot, window)
    token = CancelToken()
    token.cancel()
    dialog.token = token
    summaries = resync.run_range(window.ctx.store, dialog.found, cancel=token)  # type: ignore[arg-type]
    assert summaries == []  # nothing was sent
    dialog._ran(summaries)
    assert dialog.note.text().startswith("Cancelled (of 3): 0 created")
    assert "Succeeded" not in dialog.note.text()
    # a forced re-send's "unchanged" is the destination saying it was already current
    assert "0 already current there" in dialog.note.text()
