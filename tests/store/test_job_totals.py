"""The last job per flow: its runs' counts summed, its status the worst of them; previews
and runs still going left out; the retry queue's open entries counted per flow."""

from __future__ import annotations

from datetime import timedelta

from app.store import Store
from app.store.job_totals import job_status, last_jobs, waiting_for_replay
from app.store.models import Flow, ParkedRecord, Run, utcnow


def _run(s, flow: int, status: str, job: int | None, parked: int = 0, **kw) -> Run:  # type: ignore[no-untyped-def]
    run = Run(flow_id=flow, status=status, job_id=job, parked_count=parked, read_count=10,
              started_at=utcnow() + timedelta(seconds=kw.pop("at", 0)), **kw)  # fmt: skip
    s.add(run)
    s.flush()
    if job is None:
        run.job_id = run.id
    return run


def test_a_chunked_job_adds_up_and_a_later_run_starts_a_new_job(store: Store) -> None:
    with store.session() as s:
        for fid in (1, 2):
            s.add(Flow(id=fid, slug=f"f{fid}", name=f"F{fid}", schedule={}, ownership={}))
        s.flush()
        head = _run(s, 1, "completed_with_errors", None, parked=7, at=1)
        _run(s, 1, "succeeded", head.id, at=2)
        _run(s, 1, "completed_with_errors", head.id, parked=2, at=3)
        _run(s, 1, "succeeded", None, at=4, dry_run=True)  # a preview is no job
        _run(s, 1, "running", None, at=5)  # still going: not the last job yet
        _run(s, 2, "succeeded", None, at=1)
        s.add(
            ParkedRecord(flow_id=1, record_key="k1", source_payload={}, reason="no", status="open")
        )
        s.add(
            ParkedRecord(
                flow_id=1, record_key="k2", source_payload={}, reason="no", status="dismissed"
            )
        )
    with store.session() as s:
        jobs, waiting = last_jobs(s), waiting_for_replay(s)
    one = jobs[1]
    assert (one.job_id, one.runs, one.status, one.errors) == (
        head.id,
        3,
        "completed_with_errors",
        9,
    )
    assert one.counts["read"] == 30 and one.last_at > one.started_at
    assert jobs[2].status == "succeeded" and jobs[2].runs == 1
    assert waiting == {1: 1}
    with store.session() as s:
        _run(s, 1, "succeeded", None, at=6)
    with store.session() as s:
        assert last_jobs(s)[1].runs == 1 and last_jobs(s, [2]).keys() == {2}


def test_a_jobs_status_is_the_worst_of_its_runs() -> None:
    assert job_status(["succeeded", "failed", "cancelled"], 0) == "failed"
    assert job_status(["succeeded", "cancelled"], 3) == "cancelled"
    assert job_status(["succeeded", "completed_with_errors"], 0) == "completed_with_errors"
    assert job_status(["succeeded", "succeeded"], 2) == "completed_with_errors"
    assert job_status(["succeeded"], 0) == "succeeded"
