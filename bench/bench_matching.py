"""Customer matching quality and speed on the demo generator's labelled data.

For each size: the generator builds N DMS customers (plus their CRM and marketing copies)
in a child process; a second, fresh child process runs the whole matching pipeline
(normalise, block, score, cluster) on DMS + CRM + marketing records together (cross-system
linking), so its time and peak memory are the pipeline's alone.

    bash scripts/bench.sh bench/bench_matching.py [--sizes 200000 1000000]

Prints, per size: auto-link precision / recall / F1 (pairwise against the truth),
blocking recall, the review band's share of records, time, peak RSS. Last line: one JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def generate(customers: int, seed: int, out: Path) -> dict[str, float]:
    """(child) Build the dataset and write the role frame and the truth labels."""
    import pandas as pd

    from app.matching import roles
    from app.sandbox.generator import build_dataset

    t = time.perf_counter()
    ds = build_dataset(customers, seed)
    gen_s = time.perf_counter() - t
    truth = ds["truth"].set_index(["system", "record_id"])["person_id"]
    frames, people = [], []
    for system, table, key in (
        ("dms", "dms_customers", "customer_id"),
        ("crm", "crm_contacts", "contact_id"),
        ("marketing", "marketing_contacts", "subscriber_id"),
    ):
        df = ds.tables.pop(table)
        frames.append(roles.role_frame(df, roles.resolve(list(df.columns), {})))
        people.append(truth.loc[system].reindex(df[key]).to_numpy())
        del df
    frame = pd.concat(frames, ignore_index=True)
    person = pd.factorize(pd.Series([p for part in people for p in part]))[0]
    with out.open("wb") as f:
        pickle.dump((frame, person), f, protocol=pickle.HIGHEST_PROTOCOL)
    return {"generate_s": gen_s, "records": len(frame)}


def match(path: Path) -> dict[str, float]:
    """(child) Run the pipeline and score it."""
    from app.matching.evaluate import pair_recall, pairwise
    from app.matching.pipeline import match_frame

    with path.open("rb") as f:
        frame, person = pickle.load(f)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    result = match_frame(frame)
    elapsed = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    q = pairwise(result.labels, person)
    return {
        "records": result.n,
        "candidate_pairs": len(result.pairs),
        "precision": round(q.precision, 5),
        "recall": round(q.recall, 5),
        "f1": round(q.f1, 5),
        "blocking_recall": round(pair_recall(result.pairs.a, result.pairs.b, person), 5),
        "review_share": round(result.review_share(), 5),
        "seconds": round(elapsed, 2),
        "steps": {k: round(v, 2) for k, v in result.timings.items()},
        "peak_rss_mb": round(peak, 1),
        "input_rss_mb": round(base_rss, 1),
        "split_components": result.split_components,
        "load_avg_1m": round(os.getloadavg()[0], 2),  # shared machine: context for the time
        "prior": result.model.prior,
    }


def child(kind: str, *args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, *args],
        check=False,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:  # show why (a child's traceback is otherwise lost)
        sys.stderr.write(out.stderr[-4000:])
        out.check_returncode()
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", type=int, nargs="+", default=[200_000])
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        kind, *rest = args.child
        res = (
            generate(int(rest[0]), int(rest[1]), Path(rest[2]))
            if kind == "generate"
            else match(Path(rest[0]))
        )
        print(json.dumps(res))
        return
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path = Path(tmp) / f"people-{size}.pkl"
            gen = child("generate", str(size), str(args.seed), str(path))
            res = child("match", str(path))
            res["generate_s"] = round(gen["generate_s"], 1)
            results[str(size)] = res
            print(
                f"{size:>9,} customers = {res['records']:,} records (DMS+CRM+marketing): "
                f"precision {res['precision']:.4f}  recall {res['recall']:.4f}  "
                f"F1 {res['f1']:.4f}  blocking recall {res['blocking_recall']:.4f}  "
                f"review {res['review_share']:.2%} of records  time {res['seconds']:.1f} s "
                f"{res['steps']}  peak RSS {res['peak_rss_mb']:,.0f} MB",
                flush=True,
            )
            path.unlink(missing_ok=True)
    print(json.dumps({"bench": "matching", "seed": args.seed, "sizes": results}))


if __name__ == "__main__":
    main()
