"""Screenshots of the ADF lead inbox: its connection dialog, and a hostile lead parked in
the Sync Log. Run on a (virtual) screen with a keyring, e.g.

    xvfb-run -s "-screen 0 1600x1000x24" bash scripts/with-keyring.sh /tmp/kr \\
        .venv/bin/python scripts/screenshots_adf_inbox.py docs/screenshots
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
from app.sandbox.demo import LEAD_INBOX, install_demo  # noqa: E402
from app.sandbox.demo_leads import demo_leads, fill_lead_mailbox  # noqa: E402
from app.sandbox.generator import build_dataset  # noqa: E402
from app.sandbox.servers import SandboxServers  # noqa: E402
from app.services.profiles import ProfileService  # noqa: E402
from app.store import open_store  # noqa: E402
from app.sync.engine import SyncEngine  # noqa: E402
from app.ui.dialogs.profile_dialog import ProfileDialog  # noqa: E402
from app.ui.screens.sync_log import SyncLogScreen  # noqa: E402
from app.ui.theme import apply_theme  # noqa: E402


def settle(
    app: QApplication, seconds: float = 0.5, until: Callable[[], bool] | None = None
) -> None:
    """Let Qt paint for ``seconds``, and on until ``until()`` holds (30 s at most)."""
    end, deadline = time.monotonic() + seconds, time.monotonic() + 30
    while time.monotonic() < end or (
        until is not None and not until() and time.monotonic() < deadline
    ):
        app.processEvents()
        time.sleep(0.02)


def grab(app: QApplication, widget: QWidget, target: Path) -> None:
    settle(app)
    widget.grab().save(str(target))
    print(f"saved {target} ({widget.width()}x{widget.height()})")


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_theme(app)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(AppPaths(Path(tmp) / "data").ensure())
        dataset = build_dataset(80, seed=4)
        with SandboxServers(dataset, seed=4) as servers:
            payload = servers.port_file_payload()
            install_demo(store, payload)
            mailbox = payload["servers"]["lead_mailbox"]
            fill_lead_mailbox(mailbox, demo_leads(dataset), hostile=True)
            summary = SyncEngine(store).run("leads-inbox-to-crm", triggered_by="demo")
            print(f"leads-inbox-to-crm: {summary.status} {summary.counts}")
            profiles = ProfileService(store)
            inbox = profiles.get_by_name(LEAD_INBOX)
            names = {p.name for p in profiles.list()}
            dialog = ProfileDialog(profiles, inbox, None, taken_names=names)
            dialog.resize(1280, 900)
            dialog.show()
            # show the HTTP listener's fields too, filled in as an admin would (unsaved)
            dialog._inputs["listen"].set_value(True)
            dialog._inputs["spool_folder"].set_value(str(Path(tmp) / "adf-posts"))
            dialog._inputs["shared_secret"].set_value("a-long-shared-secret")
            dialog.test_button.click()
            settle(app, 1.0, until=lambda: bool(dialog.test_result.text()))
            grab(app, dialog, out / "adf_inbox_dialog.png")
            dialog.reject()
            screen = SyncLogScreen(store, admin=True)
            screen.resize(1560, 800)
            screen.show()
            settle(app, 1.0, until=lambda: not screen.events_model.loading)
            rows = screen.events_model.rows()
            parked = next(i for i, r in enumerate(rows) if r.status == "parked")
            screen.events_table.selectRow(parked)
            header = screen.events_table.horizontalHeader()
            header.resizeSection(2, 250)  # the record: "Lead e-mail <message id>"
            grab(app, screen, out / "sync_log_parked_hostile_lead.png")
        store.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")))
