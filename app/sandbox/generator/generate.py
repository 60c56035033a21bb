"""One call that builds the demo dealership and writes every file (used by CLI and UI)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.sandbox.generator.dataset import Dataset, build_dataset
from app.sandbox.generator.extract import write_dms_extract
from app.sandbox.generator.writer import write_csv

ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class GenerateSummary:
    """What :func:`generate` produced."""

    out_dir: Path
    customers: int
    seed: int
    rows: dict[str, int]
    seconds: float
    files: dict[str, Path]
    step_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def rows_total(self) -> int:
        """Rows over all tables."""
        return sum(self.rows.values())


def write_dataset(dataset: Dataset, out_dir: Path) -> dict[str, Path]:
    """Write one UTF-8 CSV per table, ``out_dir/<table>.csv``, header row included."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return {
        name: write_csv(frame, out_dir / f"{name}.csv") for name, frame in dataset.tables.items()
    }


def generate(
    customers: int,
    seed: int,
    out_dir: Path,
    progress: ProgressCallback | None = None,
) -> GenerateSummary:
    """Build the data set, write its CSVs and the DMS extract (``out_dir/extract``).

    ``progress(step, done, total)`` is called before the first step and after each one.
    """
    out_dir = Path(out_dir)
    steps = ["build", "write tables", "write extract"]
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def report(done: int) -> None:
        if progress is not None:
            progress(
                steps[min(done, len(steps) - 1)] if done < len(steps) else "done", done, len(steps)
            )

    report(0)
    t = time.perf_counter()
    dataset = build_dataset(
        customers, seed, on_step=lambda name, sec: timings.__setitem__(f"build:{name}", sec)
    )
    timings["build"] = time.perf_counter() - t
    report(1)
    t = time.perf_counter()
    files = write_dataset(dataset, out_dir)
    timings["write tables"] = time.perf_counter() - t
    report(2)
    t = time.perf_counter()
    files["extract"] = write_dms_extract(dataset, out_dir / "extract")
    timings["write extract"] = time.perf_counter() - t
    report(3)
    return GenerateSummary(
        out_dir=out_dir,
        customers=customers,
        seed=seed,
        rows={name: len(frame) for name, frame in dataset.tables.items()},
        seconds=time.perf_counter() - started,
        files=files,
        step_seconds=timings,
    )
