"""Sync log viewer at scale: seed a store with 2,000,000 record events (and the runs,
search index and retry queue around them), then time what the viewer does:

- open: the first page of record events plus the first page of runs
- filter: change the filter (problems only, one flow, last 7 days)
- search by VIN, search by phone (record index -> every event of that record)

Seeding is SQL only (INSERT ... SELECT over a recursive counter, indexes built after the
load), so it takes a minute or two rather than an hour. Last line: one JSON object.

Usage: bash scripts/bench.sh bench/bench_sync_log.py [--events 2000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from app.paths import AppPaths
from app.store import open_store
from app.store.log_queries import EventFilter, list_events
from app.store.log_runs import RunFilter, list_runs
from app.store.migrations import migrate
from app.store.schema_synclog import STATEMENTS

CUSTOMERS = 100_000
VEHICLES = 60_000
PER_RUN = 100
DAYS = 60

FLOWS = [  # (id, slug, name, entity, source profile, dest profile)
    (1, "customers-dms-to-crm", "Customers: DMS → CRM", "customer", 1, 2),
    (2, "service-history-dms-to-crm", "Service history: DMS → CRM", "repair_order", 1, 2),
    (3, "deal-status-dms-to-crm", "Deal status: DMS → CRM", "deal", 1, 2),
    (4, "leads-crm-to-dms", "New leads: CRM → DMS", "lead", 2, 1),
    (5, "deal-status-crm-to-dms", "Deal status: CRM → DMS", "deal", 2, 1),
    (6, "inventory-dms-to-website", "Inventory: DMS → website", "vehicle", 1, 3),
]


def _ts(dt: datetime) -> str:
    return dt.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def seed(db: Path, events: int) -> dict[str, float]:
    t0 = time.perf_counter()
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-400000")
    con.execute("PRAGMA temp_store=MEMORY")
    con.execute("PRAGMA threads=4")  # lets SQLite sort in parallel while building indexes
    con.execute("BEGIN")
    now = datetime.now(UTC)
    start = now - timedelta(days=DAYS)
    for pid, name, kind in (
        (1, "DMS (Fortellis)", "dms_rest"),
        (2, "CRM", "crm_rest"),
        (3, "Website feed", "http_api"),
    ):
        con.execute(
            "INSERT INTO connection_profiles (id, uid, name, kind, settings, secret_fields, "
            "is_demo, created_at, updated_at) VALUES (?, ?, ?, ?, '{}', '[]', 0, ?, ?)",
            (pid, f"00000000-0000-4000-8000-00000000000{pid}", name, kind, _ts(start), _ts(start)),
        )
    for fid, slug, name, _entity, src, dst in FLOWS:
        con.execute(
            "INSERT INTO flows (id, slug, name, source_profile_id, source_stream, "
            "dest_profile_id, dest_stream, mode, enabled, schedule, ownership, options, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, 's', ?, 'd', 'incremental', 1, "
            "'{\"interval_s\": 900}', '{}', '{}', ?, ?)",
            (fid, slug, name, src, dst, _ts(start), _ts(start)),
        )
    # Indexes and the FTS triggers are dropped for the load and rebuilt after it: far
    # faster than keeping them in step with millions of single-row inserts.
    rebuild = _drop_indexes(con, ("record_index", "record_outcomes"))
    # record index: customers with name/email/phone; vehicles (deal, RO, stock) with VINs
    con.execute(
        """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
        INSERT INTO record_index (entity, system, record_key, golden_id, name, email, phone,
            customer_number, updated_at)
        SELECT 'customer', '00000000-0000-4000-8000-000000000001', printf('C%07d', i),
            printf('%08x-0000-4000-8000-000000000000', i),
            (CASE i % 7 WHEN 0 THEN 'Maria' WHEN 1 THEN 'James' WHEN 2 THEN 'Linda'
             WHEN 3 THEN 'Robert' WHEN 4 THEN 'Aisha' WHEN 5 THEN 'Wei' ELSE 'Carlos' END)
            || ' ' || (CASE i % 11 WHEN 0 THEN 'Garcia' WHEN 1 THEN 'Smith' WHEN 2 THEN 'Nguyen'
             WHEN 3 THEN 'Johnson' WHEN 4 THEN 'Brown' WHEN 5 THEN 'Okafor' WHEN 6 THEN 'Lee'
             WHEN 7 THEN 'Miller' WHEN 8 THEN 'Davis' WHEN 9 THEN 'Lopez' ELSE 'Wilson' END)
            || ' ' || printf('%d', i),
            CASE WHEN i % 9 = 0 THEN NULL ELSE printf('person%d@example.com', i) END,
            CASE WHEN i % 13 = 0 THEN NULL ELSE printf('+1313%07d', 2000000 + i) END,
            printf('C%07d', i), ?
        FROM n""",
        (CUSTOMERS, _ts(now)),
    )
    con.execute(
        """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
        INSERT INTO record_index (entity, system, record_key, golden_id, name, vin,
            stock_number, deal_number, ro_number, customer_number, updated_at)
        SELECT e.entity, '00000000-0000-4000-8000-000000000001',
            printf('%s%07d', e.prefix, i), printf('%08x-0000-4000-8000-%012d', i, e.k), '',
            printf('1FTEW1E5%09d', i), printf('S%06d', i),
            CASE e.entity WHEN 'deal' THEN printf('D%07d', i) END,
            CASE e.entity WHEN 'repair_order' THEN printf('R%07d', i) END,
            printf('C%07d', 1 + (i * 7) % ?), ?
        FROM n, (SELECT 'deal' AS entity, 'D' AS prefix, 1 AS k UNION ALL
                 SELECT 'repair_order', 'R', 2 UNION ALL SELECT 'vehicle', 'V', 3) e""",
        (VEHICLES, CUSTOMERS, _ts(now)),
    )
    t_index = time.perf_counter()
    runs = (events + PER_RUN - 1) // PER_RUN
    span = (now - start).total_seconds()
    con.execute(
        """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
        INSERT INTO runs (id, flow_id, "trigger", triggered_by, dry_run, status, started_at,
            finished_at, read_count, created_count, updated_count, unchanged_count,
            failed_count, parked_count, conflict_count, error)
        SELECT i, 1 + i % 6, CASE WHEN i % 10 = 0 THEN 'manual' ELSE 'schedule' END,
            CASE WHEN i % 10 = 0 THEN 'jsmith' ELSE '' END, 0,
            CASE WHEN i % 97 = 0 THEN 'failed' WHEN i % 5 = 0 THEN 'completed_with_errors'
                 ELSE 'succeeded' END,
            datetime(:start, printf('+%d seconds', CAST(i * :step AS INTEGER))),
            datetime(:start, printf('+%d seconds', CAST(i * :step AS INTEGER) + 40 + i % 300)),
            :per, :per / 4, :per / 4, :per / 2 - 6, 3, 3, 0,
            CASE WHEN i % 97 = 0 THEN 'The CRM could not be reached (HTTP 503).' END
        FROM n""".replace(":start", f"'{_ts(start)}'")
        .replace(":step", str(span / runs))
        .replace(":per", str(PER_RUN)),
        (runs,),
    )
    t_runs = time.perf_counter()
    # A thousand realistic payloads, shared by the events (building JSON per row would
    # dominate the seeding time; the row sizes are what matter for the timings).
    con.execute(
        """CREATE TEMP TABLE pay AS WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1
        FROM n WHERE i < 999)
        SELECT i AS k,
            json_object('id', i, 'first_name', 'Maria', 'last_name', 'Garcia',
                'email', printf('person%d@example.com', i),
                'mobile_phone', printf('(313) %03d-%04d', i % 1000, i % 10000),
                'address_line1', printf('%d Main St', i % 9000), 'city', 'Detroit',
                'zip', '48201', 'vin', printf('1FTEW1E5%09d', i)) AS src,
            json_object('external_id', i, 'first_name', 'Maria', 'last_name', 'Garcia',
                'email', printf('person%d@example.com', i)) AS sent,
            json_object('id', printf('K%07d', i), 'result', 'updated') AS resp
        FROM n"""
    )
    con.execute("CREATE UNIQUE INDEX temp.ix_pay ON pay (k)")
    con.execute(
        f"""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?),
        base AS (
            SELECT i, 1 + (i - 1) / {PER_RUN} AS run, 1 + ((1 + (i - 1) / {PER_RUN}) % 6) AS flow
            FROM n),
        keyed AS (
            SELECT i, run, flow,
                CASE flow WHEN 1 THEN 'customer' WHEN 2 THEN 'repair_order' WHEN 3 THEN 'deal'
                  WHEN 4 THEN 'lead' WHEN 5 THEN 'deal' ELSE 'vehicle' END AS entity,
                CASE WHEN flow IN (1, 4) THEN 1 + (i * 7919) % {CUSTOMERS}
                     ELSE 1 + (i * 7919) % {VEHICLES} END AS num
            FROM base)
        INSERT INTO record_outcomes (id, run_id, flow_id, entity, record_key, golden_id,
            action, status, error, payload_hash, attempt, destination_id, started_at,
            duration_ms, source_payload, sent_payload, response_payload)
        SELECT k.i, k.run, k.flow, k.entity,
            CASE k.entity WHEN 'customer' THEN printf('C%07d', k.num)
              WHEN 'lead' THEN printf('L%07d', k.num) WHEN 'deal' THEN printf('D%07d', k.num)
              WHEN 'repair_order' THEN printf('R%07d', k.num) ELSE printf('V%07d', k.num) END,
            CASE k.entity WHEN 'customer' THEN printf('%08x-0000-4000-8000-000000000000', k.num)
              WHEN 'lead' THEN printf('%08x-0000-4000-8000-000000000009', k.num)
              WHEN 'deal' THEN printf('%08x-0000-4000-8000-000000000001', k.num)
              WHEN 'repair_order' THEN printf('%08x-0000-4000-8000-000000000002', k.num)
              ELSE printf('%08x-0000-4000-8000-000000000003', k.num) END,
            CASE WHEN k.i % 4 = 0 THEN 'create' ELSE 'update' END,
            CASE WHEN k.i % 100 < 3 THEN 'parked' WHEN k.i % 100 < 6 THEN 'failed'
                 WHEN k.i % 100 < 56 THEN 'unchanged' ELSE 'delivered' END,
            CASE WHEN k.i % 100 < 3
                   THEN printf('email: ''person%d@example'' is not a valid email address', k.num)
                 WHEN k.i % 100 < 6
                   THEN 'the destination could not be reached; it will be sent again' END,
            printf('%064x', k.i), 1,
            CASE WHEN k.i % 100 >= 6 THEN printf('K%07d', k.num) END,
            r.started_at, 5 + k.i % 40,
            p.src,
            CASE WHEN k.i % 100 >= 6 THEN p.sent END,
            CASE WHEN k.i % 100 >= 6 THEN p.resp END
        FROM keyed k JOIN runs r ON r.id = k.run JOIN pay p ON p.k = k.num % 1000""",
        (events,),
    )
    t_events = time.perf_counter()
    for sql in rebuild:
        con.execute(sql)
    con.execute("INSERT INTO record_index_fts(record_index_fts) VALUES ('rebuild')")
    # The retry queue: every parked event of the last week is still open.
    con.execute(
        "INSERT INTO parked_records (flow_id, run_id, outcome_id, record_key, golden_id, "
        "source_payload, reason, attempts, status, first_failed_at, last_failed_at) "
        "SELECT flow_id, run_id, id, record_key, golden_id, source_payload, error, 1, 'open', "
        "started_at, started_at FROM record_outcomes WHERE status = 'parked' AND id > ?",
        (events - events // 8,),
    )
    con.execute("COMMIT")
    con.close()
    t_end = time.perf_counter()
    return {
        "seed_index_s": round(t_index - t0, 1),
        "seed_events_s": round(t_events - t_runs, 1),
        "seed_indexes_s": round(t_end - t_events, 1),
        "seed_total_s": round(t_end - t0, 1),
    }


def _drop_indexes(con: sqlite3.Connection, tables: tuple[str, ...]) -> list[str]:
    """Drop the indexes and triggers of ``tables``; returns the SQL that recreates them."""
    marks = ",".join("?" * len(tables))
    rows = con.execute(
        f"SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
        f"AND tbl_name IN ({marks}) AND sql IS NOT NULL",
        tables,
    ).fetchall()
    for kind, name, _sql in rows:
        con.execute(f"DROP {kind.upper()} {name}")
    return [sql for _k, _n, sql in rows]


def timed(fn: Callable[[], Any], repeat: int = 5) -> tuple[float, float, Any]:
    """(first call ms, median of the repeats ms, last result)."""
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return round(times[0], 1), round(statistics.median(times), 1), result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=2_000_000)
    ap.add_argument("--keep", help="keep the seeded data folder here")
    args = ap.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-synclog-"))
    paths = AppPaths(folder).ensure()
    fresh = not paths.database.exists()
    seeding: dict[str, float] = {}
    if fresh:
        migrate(paths.database, paths.backups_dir)
        con = sqlite3.connect(paths.database)
        for statement in STATEMENTS:
            con.execute(statement)
        con.commit()
        con.close()
        seeding = seed(paths.database, args.events)
        print(f"seeded {args.events:,} events: {seeding}")
    store = open_store(paths)
    try:
        with store.session() as s:
            total = s.execute(text("SELECT max(id) FROM record_outcomes")).scalar()
            phone = s.execute(
                text(
                    "SELECT ri.phone FROM record_outcomes o JOIN record_index ri "
                    "ON ri.entity = 'customer' AND ri.record_key = o.record_key "
                    "WHERE o.entity = 'customer' AND ri.phone IS NOT NULL "
                    "AND o.id > (SELECT max(id) / 2 FROM record_outcomes) LIMIT 1"
                )
            ).scalar()
            vin = s.execute(
                text("SELECT vin FROM record_index WHERE entity='deal' AND record_key='D0004242'")
            ).scalar()
        week = datetime.now(UTC) - timedelta(days=7)

        def open_viewer() -> tuple[int, int]:
            with store.session() as s:
                return len(list_events(s, EventFilter())), len(list_runs(s, RunFilter()))

        def change_filter() -> int:
            with store.session() as s:
                return len(
                    list_events(
                        s, EventFilter(statuses=("parked", "failed"), flow_ids=(1,), since=week)
                    )
                )

        def other_filters() -> dict[str, float]:
            cases = {
                "problems_all_flows": EventFilter(statuses=("parked", "failed")),
                "one_flow": EventFilter(flow_ids=(3,)),
                "lead_entity_parked": EventFilter(entity="lead", statuses=("parked",)),
                "system_crm_last_7d": EventFilter(
                    system="00000000-0000-4000-8000-000000000002", since=week
                ),
                "one_run": EventFilter(run_id=12_345),
            }
            out = {}
            for name, f in cases.items():

                def q(f: EventFilter = f) -> int:
                    with store.session() as s:
                        return len(list_events(s, f))

                out[name] = timed(q, 3)[1]
            return out

        def search(q: str) -> Callable[[], int]:
            def run() -> int:
                with store.session() as s:
                    return len(list_events(s, EventFilter(search=q)))

            return run

        def next_page() -> int:
            with store.session() as s:
                first = list_events(s, EventFilter())
                return len(list_events(s, EventFilter(), before_id=first[-1].id))

        o_first, o_med, o_rows = timed(open_viewer)
        f_first, f_med, f_rows = timed(change_filter)
        v_first, v_med, v_rows = timed(search(vin))
        p_first, p_med, p_rows = timed(search(f"({phone[2:5]}) {phone[5:8]}-{phone[8:]}"))
        n_first, n_med, _ = timed(search("aisha okafor 4242"))
        _s_first, s_med, _ = timed(next_page)
        others = other_filters()
        print(f"events in store: {total:,}")
        print(f"open viewer (events + runs page): first {o_first} ms, median {o_med} ms {o_rows}")
        print(f"filter change (problems, one flow, 7 days): median {f_med} ms, {f_rows} rows")
        print(f"search by VIN {vin}: first {v_first} ms, median {v_med} ms, {v_rows} events")
        print(f"search by phone {phone}: first {p_first} ms, median {p_med} ms, {p_rows} events")
        print(f"search by name words: first {n_first} ms, median {n_med} ms")
        print(f"scroll (two pages): median {s_med} ms")
        print(f"other filters (median ms): {others}")
        result = {
            "bench": "sync_log",
            "events": total,
            "open_ms": o_med,
            "open_first_ms": o_first,
            "filter_ms": f_med,
            "filter_first_ms": f_first,
            "search_vin_ms": v_med,
            "search_phone_ms": p_med,
            "search_name_ms": n_med,
            "scroll_page_ms": s_med,
            "other_filters_ms": others,
            "target_ms": 300,
            **seeding,
        }
        print(json.dumps(result))
    finally:
        store.dispose()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
