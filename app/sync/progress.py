"""How a run reports progress and is cancelled — plain callbacks, no Qt."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Progress:
    flow: str
    phase: str = "starting"  # starting | reading | delivering | finishing | done
    read: int = 0
    done: int = 0  # records handled (delivered, unchanged, parked or failed)
    total: int | None = None  # when the source can tell
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    parked: int = 0
    started: float = field(default_factory=time.monotonic)
    message: str = ""

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self.started

    @property
    def rate(self) -> float:
        return self.done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        if not self.total or not self.rate:
            return None
        return max(0.0, (self.total - self.done) / self.rate)

    def line(self) -> str:
        """One line for a terminal: '12,400 of 48,000 customers · 830/s · ETA 43 s'."""
        of = f" of {self.total:,}" if self.total else ""
        eta = f" · ETA {self.eta_s:.0f} s" if self.eta_s is not None else ""
        return (
            f"{self.flow}: {self.done:,}{of} records · {self.rate:,.0f}/s{eta} · "
            f"new {self.created:,} · updated {self.updated:,} · unchanged {self.unchanged:,}"
            f" · failed {self.failed + self.parked:,}"
        )


ProgressCallback = Callable[[Progress], None]


class CancelToken:
    """Set from any thread; the engine checks it between batches."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


_COUNTS = ("read", "done", "created", "updated", "unchanged", "failed", "parked")


class JobTally:
    """One job of several runs (a date-range re-sync sends its records in batches, one
    run each) reported as one progress: counts add up across the runs instead of starting
    again at each batch, ``total`` is the job's, and the time left is the job's."""

    def __init__(self, name: str, total: int, report: ProgressCallback | None) -> None:
        self.base = Progress(name, total=total)
        self.report = report
        self.runs_left = 0

    def expect_runs(self, runs: int) -> None:
        self.runs_left = runs

    def __call__(self, p: Progress) -> None:
        """The progress callback handed to each run of the job."""
        whole = Progress(
            self.base.flow,
            phase=p.phase,
            total=self.base.total,
            started=self.base.started,
            message=p.message,
            **{k: getattr(self.base, k) + getattr(p, k) for k in _COUNTS},
        )
        if p.phase == "done":  # this run is over: its counts join the job's base
            for k in _COUNTS:
                setattr(self.base, k, getattr(whole, k))
            self.runs_left -= 1
            if self.runs_left > 0:
                whole.phase = "delivering"  # the job itself goes on
        if self.report is not None:
            self.report(whole)
