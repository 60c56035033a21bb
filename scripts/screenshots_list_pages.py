"""Screenshots of the list screens built on ``ListPage`` (issue 23 item 10) at one screen
size: Connections, Flows (with records waiting for replay), Conflicts, Mappings and the
Duplicates screen's Merge history tab, and a search that matches nothing. Run on a
virtual screen of that size with a keyring, e.g.

    xvfb-run -a -s "-screen 0 1280x720x24" bash scripts/with-keyring.sh /tmp/kr \\
        .venv/bin/python scripts/screenshots_list_pages.py /tmp/shots

Each PNG is the whole screen, named ``<what>_<width>x<height>.png``; ``flows_waiting``
is the one docs/screenshots keeps.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtGui import QGuiApplication

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.paths import AppPaths  # noqa: E402
from app.sandbox.demo import install_demo  # noqa: E402
from app.sandbox.generator import build_dataset  # noqa: E402
from app.sandbox.servers import SandboxServers  # noqa: E402
from app.store import open_store  # noqa: E402
from app.sync.engine import SyncEngine  # noqa: E402
from app.ui.context import UiContext  # noqa: E402
from app.ui.main_window import MainWindow  # noqa: E402
from scripts.screenshots_window import settle, shoot, start_app  # noqa: E402
from tests.support.mapping import GENERIC_FLOW, add_generic_customers_flow  # noqa: E402


def main(out: Path) -> int:
    app, tag = start_app(out)
    with tempfile.TemporaryDirectory() as tmp:
        paths = AppPaths(Path(tmp) / "data").ensure()
        store = open_store(paths)
        dataset = build_dataset(240, seed=7)
        with SandboxServers(dataset, seed=7, faults="crm:reject_rate=0.1") as servers:
            install_demo(store, servers.port_file_payload())
            add_generic_customers_flow(store)
            SyncEngine(store).run(GENERIC_FLOW, triggered_by="demo")
            window = MainWindow(UiContext.create(paths, store), tray=False)
            window.setGeometry(QGuiApplication.primaryScreen().availableGeometry())
            window.show()
            settle(app, 1.0)

            window.show_screen("connections")
            shoot(app, window, out / f"connections_{tag}.png")
            window.connections.search.setText("no such system")
            shoot(app, window, out / f"connections_no_match_{tag}.png")
            window.connections.search.clear()

            window.show_screen("flows")
            settle(app, 0.5, until=lambda: window.flows.model.rowCount() > 0)
            window.flows.select(window.flows.model.row_at(0).flow_id)
            shoot(app, window, out / f"flows_waiting_{tag}.png")
            window.show_flows_tab(window.conflicts)
            window.conflicts.reload()
            settle(app, 0.5, until=lambda: window.conflicts.loaded)
            shoot(app, window, out / f"conflicts_{tag}.png")
            window.show_flows_tab(window.flows)

            window.show_screen("mappings")
            settle(app, 0.5, until=lambda: window.mappings.model.rowCount() > 0)
            shoot(app, window, out / f"mappings_{tag}.png")

            window.show_screen("duplicates")
            window.duplicates.tabs.setCurrentIndex(1)  # Merge history: a tab on ListPage
            settle(app, 0.5, until=lambda: window.duplicates.history_tab.loaded)
            shoot(app, window, out / f"merge_history_{tag}.png")
            window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/shots")))
