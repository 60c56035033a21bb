"""Acceptance screenshots of issue 23 at one screen size: the connection dialog (empty,
API key, OAuth), a long date-range re-sync in progress with the window usable, and the
mapping editor's "Save changes?" prompt. Run on a virtual screen of that size with a
keyring, e.g.

    xvfb-run -a -s "-screen 0 1280x720x24" bash scripts/with-keyring.sh /tmp/kr \\
        .venv/bin/python scripts/screenshots_window.py docs/screenshots

Each PNG is the whole screen as a person would see it (the window, and the dialog on top
where there is one), named ``<what>_<width>x<height>.png``.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QDateTime, QPoint
from PySide6.QtGui import QGuiApplication, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.paths import AppPaths  # noqa: E402
from app.sandbox.demo import install_demo  # noqa: E402
from app.sandbox.generator import build_dataset  # noqa: E402
from app.sandbox.servers import SandboxServers  # noqa: E402
from app.scheduling import resync  # noqa: E402
from app.services.flows import FlowService  # noqa: E402
from app.store import open_store  # noqa: E402
from app.sync.engine import SyncEngine  # noqa: E402
from app.ui.context import UiContext  # noqa: E402
from app.ui.dialogs.profile_dialog import ProfileDialog  # noqa: E402
from app.ui.jobs import jobs  # noqa: E402
from app.ui.main_window import MainWindow  # noqa: E402
from app.ui.mapping_editor.editor import MappingEditor  # noqa: E402
from app.ui.theme import apply_theme  # noqa: E402


def settle(
    app: QApplication, seconds: float = 0.4, until: Callable[[], bool] | None = None
) -> None:
    end, deadline = time.monotonic() + seconds, time.monotonic() + 60
    while time.monotonic() < end or (
        until is not None and not until() and time.monotonic() < deadline
    ):
        app.processEvents()
        time.sleep(0.02)


def shoot(app: QApplication, window: QWidget, target: Path, *on_top: QWidget) -> None:
    """The screen: the window, then each dialog where it stands, into one PNG."""
    settle(app)
    screen = QGuiApplication.primaryScreen().geometry()
    canvas = QPixmap(screen.size())
    canvas.fill(window.palette().window().color())
    painter = QPainter(canvas)
    painter.drawPixmap(window.frameGeometry().topLeft(), window.grab())
    for widget in on_top:
        painter.drawPixmap(widget.geometry().topLeft(), widget.grab())
    painter.end()
    canvas.save(str(target))
    print(f"saved {target}")


def start_app(out: Path) -> tuple[QApplication, str]:
    """The themed application and the screen size's tag (``1280x720``); ``out`` made."""
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_theme(app)
    size = QGuiApplication.primaryScreen().availableGeometry().size()
    return app, f"{size.width()}x{size.height()}"


def centre(dialog: QWidget, over: QWidget) -> None:
    geometry = dialog.frameGeometry()
    geometry.moveCenter(over.frameGeometry().center())
    dialog.move(QPoint(max(0, geometry.left()), max(0, geometry.top())))


def main(out: Path) -> int:
    app, tag = start_app(out)
    gate = threading.Event()
    with tempfile.TemporaryDirectory() as tmp:
        paths = AppPaths(Path(tmp) / "data").ensure()
        store = open_store(paths)
        with SandboxServers(build_dataset(300, seed=5), seed=5) as servers:
            install_demo(store, servers.port_file_payload())
            flow = next(f for f in FlowService(store).list() if f.slug == "customers-dms-to-crm")
            SyncEngine(store).run(flow.id, triggered_by="demo")
            window = MainWindow(UiContext.create(paths, store), tray=False)
            window.setGeometry(QGuiApplication.primaryScreen().availableGeometry())
            window.show()
            settle(app, 1.0)

            # --- the connection dialog: empty, API key, OAuth
            window.show_screen("connections")
            dialog = ProfileDialog(window.ctx.profiles, parent=window)
            dialog.show()
            centre(dialog, window)
            shoot(app, window, out / f"connection_dialog_empty_{tag}.png", dialog)
            dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("star_rest"))
            dialog.name_edit.setText("Main Street Honda — DMS")
            dialog._inputs["auth_mode"].set_value("api_key")
            dialog._inputs["base_url"].set_value("not a web address")
            dialog._touched |= {"base_url"}  # as after leaving the field
            dialog._validate()
            shoot(app, window, out / f"connection_dialog_api_key_{tag}.png", dialog)
            dialog._inputs["auth_mode"].set_value("oauth2")
            dialog._inputs["base_url"].set_value("https://api.starstandard.example")
            dialog._inputs["client_id"].set_value("rooftop-sync")
            shoot(app, window, out / f"connection_dialog_oauth_{tag}.png", dialog)
            dialog.reject()

            # --- a long date-range re-sync, the window in use meanwhile
            resync.RANGE_BATCH = 50
            write = SyncEngine.run
            calls = [0]

            def slow_run(self, *a, **k):  # type: ignore[no-untyped-def]
                calls[0] += 1
                if calls[0] > 2:
                    gate.wait(60)  # hold the job a third of the way in
                return write(self, *a, **k)

            SyncEngine.run = slow_run  # type: ignore[method-assign]
            window.show_screen("flows")
            settle(app, 0.5, until=lambda: window.flows.model.rowCount() > 0)
            window.flows.select(flow.id)
            settle(app, 0.3)
            ranged = window.flows.resync_range()
            assert ranged is not None
            start = datetime.now() - timedelta(days=3650)
            ranged.start.setDateTime(QDateTime.fromSecsSinceEpoch(int(start.timestamp())))
            ranged.find_records()
            settle(app, 0.2, until=ranged.run_button.isEnabled)
            ranged.run()
            settle(app, 1.5, until=lambda: bool(jobs().running()) and jobs().running()[0].done > 0)
            ranged.close()  # it keeps running; the admin looks at the dashboard meanwhile
            window.show_screen("dashboard")
            shoot(app, window, out / f"resync_in_progress_{tag}.png")
            gate.set()
            settle(app, 0.5, until=lambda: not jobs().running())
            SyncEngine.run = write  # type: ignore[method-assign]

            # --- the mapping editor's unsaved-changes prompt
            editor = MappingEditor(store, flow.id, parent=window)
            editor.show()
            settle(app, 0.5, until=lambda: editor.data is not None)
            centre(editor, window)
            rule = next(r for r in editor.mapping.rules if r.target == "email")
            editor.canvas.select_target(rule.target)
            editor.unmap_selected()
            editor.reject()
            box = editor.unsaved_box
            assert box is not None
            settle(app, 0.3)
            centre(box, editor)
            shoot(app, window, out / f"mapping_unsaved_prompt_{tag}.png", editor, box)
            box.reject()
            editor.undo.setClean()
            editor.reject()
            window.close()
        store.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")))
