"""``python -m tests.support.run_flow DATA_DIR FLOW``: run one flow with the engine in a
process of its own (the test kinds registered), for tests that kill a run mid-way."""

from __future__ import annotations

import sys
from pathlib import Path

import tests.support.file_sink  # noqa: F401 — registers the test destination kind
from app.paths import AppPaths
from app.store import open_store
from app.sync.engine import SyncEngine


def main(data_dir: str, flow: str) -> int:
    store = open_store(AppPaths(Path(data_dir)))
    try:
        return SyncEngine(store).run(flow).exit_code
    finally:
        store.dispose()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
