"""Screenshots of Flows → Reconcile (a CRM that silently dropped 5 % of a sync), Flows →
Shadow runs (a plan against a CRM that holds other data) and the dashboard's "Systems
agree" card, in the main window at 1280x720 and 1920x1080. Run on a (virtual) screen
with a keyring, e.g.

    QT_QPA_PLATFORM=offscreen bash scripts/with-keyring.sh /tmp/kr \\
        .venv/bin/python scripts/screenshots_reconcile.py docs/screenshots
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.paths import AppPaths  # noqa: E402
from app.sandbox.demo import install_demo  # noqa: E402
from app.sandbox.generator import build_dataset  # noqa: E402
from app.sandbox.servers import SandboxServers  # noqa: E402
from app.services.flows import FlowService  # noqa: E402
from app.store import open_store  # noqa: E402
from app.sync.engine import SyncEngine  # noqa: E402
from app.sync.shadow import set_shadow  # noqa: E402
from app.ui.context import UiContext  # noqa: E402
from app.ui.main_window import MainWindow  # noqa: E402
from app.ui.screens.reconcile import ReconcileScreen  # noqa: E402
from app.ui.theme import apply_theme  # noqa: E402
from tests.support.sandbox import export  # noqa: E402

FLOW = "customers-dms-to-crm"
SIZES = ((1280, 720), (1920, 1080))


def settle(
    app: QApplication, seconds: float = 0.5, until: Callable[[], bool] | None = None
) -> None:
    end, deadline = time.monotonic() + seconds, time.monotonic() + 60
    while time.monotonic() < end or (
        until is not None and not until() and time.monotonic() < deadline
    ):
        app.processEvents()
        time.sleep(0.02)


def grab(app: QApplication, window: QWidget, name: str, out: Path) -> None:
    for w, h in SIZES:
        window.resize(w, h)
        settle(app, 0.6)
        target = out / f"{name}_{w}x{h}.png"
        window.grab().save(str(target))
        print(f"saved {target}")


def run_and_wait(app: QApplication, screen: ReconcileScreen) -> None:
    before = screen.loaded.report.id if screen.loaded and screen.loaded.report else None
    screen.run_button.click()
    settle(
        app,
        0.5,
        until=lambda: (
            screen.token is None
            and screen.loaded is not None
            and screen.loaded.report is not None
            and screen.loaded.report.id != before
        ),
    )


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_theme(app)
    with tempfile.TemporaryDirectory() as tmp:
        paths = AppPaths(Path(tmp) / "data").ensure()
        store = open_store(paths)
        with SandboxServers(build_dataset(400, seed=21), seed=21) as servers:
            install_demo(store, servers.port_file_payload())
            servers.set_faults("crm:silent_drop_rate=0.05")
            print(FLOW, SyncEngine(store).run(FLOW).status)
            servers.set_faults("")
            crm = servers.app("crm").store
            ours = sorted(
                (c for c in export(servers, "crm", "contacts") if c["external_id"][:1] == "C"),
                key=lambda c: c["external_id"],
            )
            for c in ours[3:6]:  # edited by hand in the CRM
                crm.update_contact(c["contact_id"], {"city": "Grand Rapids", "phone": ""})
            window = MainWindow(UiContext.create(paths, store), tray=False)
            window.show()
            flow_id = FlowService(store).get(FLOW).id
            window.show_flows_tab(window.reconcile)
            window.reconcile.reload(flow_id)
            settle(app, 1.0, until=lambda: window.reconcile.loaded is not None)
            run_and_wait(app, window.reconcile)
            grab(app, window, "reconcile_tab", out)
            set_shadow(store, FLOW, True)
            window.show_flows_tab(window.shadow_runs)
            window.shadow_runs.reload(flow_id)
            settle(app, 1.0, until=lambda: window.shadow_runs.loaded is not None)
            run_and_wait(app, window.shadow_runs)
            grab(app, window, "shadow_report", out)
            window.show_screen("dashboard")
            settle(app, 2.0)
            grab(app, window, "dashboard_reconcile_card", out)
            window.close()
        store.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")))
