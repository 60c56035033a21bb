"""Screenshots of issue 23 items 6–9 at one screen size: the dashboard's charts with
their one legend, the Duplicates screen (a cluster selected, its Keeps column in view),
Settings → Access, manager mode on (the badge, Access, the read-only Mappings), and
Help → User guide. Run on a virtual screen of that size with a keyring, e.g.

    xvfb-run -a -s "-screen 0 1280x720x24" bash scripts/with-keyring.sh /tmp/kr \\
        .venv/bin/python scripts/screenshots_review_access_help.py docs/screenshots

Each PNG is the whole screen, named ``<what>_<width>x<height>.png``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QScrollArea

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.paths import AppPaths  # noqa: E402
from app.sandbox.demo import install_demo  # noqa: E402
from app.sandbox.generator import build_dataset  # noqa: E402
from app.sandbox.servers import SandboxServers  # noqa: E402
from app.services.access import AccessService  # noqa: E402
from app.services.flows import FlowService  # noqa: E402
from app.services.matching_queue import MatchingQueue  # noqa: E402
from app.services.matching_sources import load_from_profiles  # noqa: E402
from app.services.profiles import ProfileService  # noqa: E402
from app.store import open_store  # noqa: E402
from app.sync.engine import SyncEngine  # noqa: E402
from app.ui.context import UiContext  # noqa: E402
from app.ui.main_window import MainWindow  # noqa: E402
from app.ui.manager_mode import ManagerModeWidget  # noqa: E402
from scripts.screenshots_window import centre, settle, shoot, start_app  # noqa: E402


def main(out: Path) -> int:
    app, tag = start_app(out)
    with tempfile.TemporaryDirectory() as tmp:
        paths = AppPaths(Path(tmp) / "data").ensure()
        store = open_store(paths)
        with SandboxServers(build_dataset(300, seed=5), seed=5) as servers:
            install_demo(store, servers.port_file_payload())
            for flow in FlowService(store).list():
                if flow.slug in ("customers-dms-to-crm", "leads-crm-to-dms"):
                    SyncEngine(store).run(flow.id, triggered_by="demo")
            queue = MatchingQueue(store)
            load_from_profiles(queue, ProfileService(store))
            queue.scan()
            window = MainWindow(UiContext.create(paths, store), tray=False)
            window.setGeometry(QGuiApplication.primaryScreen().availableGeometry())
            window.show()
            settle(app, 1.0)

            # --- Dashboard: the activity charts with their one legend beside them
            window.show_screen("dashboard")
            settle(app, 1.0, until=lambda: window.dashboard.charts.data is not None)
            for scroll in window.dashboard.findChildren(QScrollArea):
                scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
            shoot(app, window, out / f"dashboard_chart_legend_{tag}.png")

            # --- Duplicates: the first cluster, side by side
            window.show_screen("duplicates")
            pane = window.duplicates.queue_tab.cluster_pane
            settle(app, 0.5, until=lambda: pane.detail is not None)
            shoot(app, window, out / f"duplicates_{tag}.png")

            # --- Settings → Access in admin mode, a PIN typed wrong; then manager mode on:
            # the badges, the rail without admin screens, Access, the read-only Mappings
            window.show_screen("settings")
            settings = window.settings_screen
            access_tab = next(
                i for i in range(settings.tabs.count()) if settings.tabs.tabText(i) == "Access"
            )
            settings.tabs.setCurrentIndex(access_tab)
            mode = settings.tabs.widget(access_tab)
            assert isinstance(mode, ManagerModeWidget)
            mode.new_pin.setText("48a")
            shoot(app, window, out / f"access_admin_{tag}.png")
            mode.new_pin.clear()
            AccessService(store).set_pin("482915")
            window.access.set_policy(AccessService(store).enter_manager_mode())
            settle(app, 0.3)
            shoot(app, window, out / f"manager_mode_{tag}.png")
            window.show_screen("mappings")
            shoot(app, window, out / f"manager_mode_mappings_{tag}.png")

            # --- Help → User guide
            dialog = window.show_guide()
            centre(dialog, window)
            shoot(app, window, out / f"help_guide_{tag}.png", dialog)
            dialog.show_section("A customer is in the DMS but not in the CRM")
            shoot(app, window, out / f"help_guide_troubleshooting_{tag}.png", dialog)
            dialog.close()
            window.close()
        store.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")))
