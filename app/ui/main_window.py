"""The main window: navigation rail on the left, the chosen screen on the right, a status
bar that says what is running, and a tray icon that keeps the app alive.

The frame (title, navigation, status bar) needs only Qt, so the app shows it at once and
``populate`` fills it in once the store is open and the screens are loaded
(``app.ui.main_screens``, which brings the services, pandas and SQLAlchemy with it)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QSize, Qt, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QStackedWidget,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME, __version__
from app.errors import RooftopError
from app.paths import AppPaths
from app.ui.access_view import AccessView
from app.ui.icons import NAV, icon
from app.ui.jobs import JobsPanel, jobs
from app.ui.tray import TrayIcon
from app.ui.workers import run_in_background

if TYPE_CHECKING:
    from app.store.log_queries import EventFilter
    from app.ui.context import UiContext


SCREENS = (
    ("dashboard", "Dashboard"),
    ("connections", "Connections"),
    ("flows", "Flows"),
    ("mappings", "Mappings"),
    ("duplicates", "Duplicates"),
    ("segments", "Segments"),
    ("sync_log", "Sync Log"),
    ("settings", "Settings"),
)


def _ui_settings(paths: AppPaths) -> QSettings:
    # An INI file in the data folder (not the registry) keeps --data-dir installs apart.
    return QSettings(str(paths.data_dir / "ui.ini"), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    ctx: UiContext  # set by populate

    def __init__(
        self,
        ctx: UiContext | None = None,
        *,
        tray: bool = True,
        scheduler: bool = False,
        paths: AppPaths | None = None,
    ) -> None:
        """With ``ctx`` the window is complete at once; with only ``paths`` it is the
        frame, saying it is starting, until ``populate``. ``scheduler``: run scheduled
        syncs and alerts from this window (the app does; tests and offscreen renders
        don't)."""
        super().__init__()
        self._tray_wanted = tray
        self._run_scheduler = scheduler
        self.ready = False  # populated: the screens are there
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(icon("mdi6.car-connected", "#1f5fbf"))
        # small enough for a 1366x768 laptop at 200 % scaling
        self.setMinimumSize(QSize(760, 480))
        self._really_quit = False

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.nav = QListWidget()
        self.nav.setObjectName("NavRail")
        self.nav.setIconSize(QSize(22, 22))
        self.nav.setFixedWidth(210)
        self.stack = QStackedWidget()
        row.addWidget(self.nav)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(0)
        right.addWidget(self.stack, 1)
        # long work (syncs, re-syncs) runs in the background; a row per job shows here
        self.jobs_panel = JobsPanel(jobs())
        right.addWidget(self.jobs_panel)
        row.addLayout(right, 1)
        self.setCentralWidget(central)
        for key, label in SCREENS:
            item = QListWidgetItem(icon(NAV[key]), label)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setSizeHint(QSize(190, 42))
            self.nav.addItem(item)
        self.nav.setEnabled(False)
        self.starting = self._starting_page()
        self.stack.addWidget(self.starting)
        self.running_label = QLabel("Starting…")
        self.next_label = QLabel("Next sync: none scheduled")
        for w in (self.running_label, self.next_label):
            w.setContentsMargins(8, 0, 8, 0)
            self.statusBar().addPermanentWidget(w)
        self.tray: TrayIcon | None = None
        self.screens: dict[str, QWidget] = {}
        paths = ctx.paths if ctx is not None else paths
        if paths is not None:
            self._restore_geometry(_ui_settings(paths))
        if ctx is not None:
            self.populate(ctx)

    def _starting_page(self) -> QWidget:
        page = QWidget()
        col = QVBoxLayout(page)
        col.addStretch(1)
        self.starting_label = QLabel("Opening the data folder and loading the screens…")
        self.starting_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.starting_label.setWordWrap(True)
        busy = QProgressBar()
        busy.setRange(0, 0)
        busy.setFixedWidth(320)
        col.addWidget(self.starting_label)
        col.addWidget(busy, 0, Qt.AlignmentFlag.AlignHCenter)
        col.addStretch(2)
        return page

    def populate(self, ctx: UiContext) -> None:
        """Build the screens on the open store and start what runs from the window."""
        from app.ui import main_screens  # the heavy half; app.ui.startup preloads it

        self.ctx = ctx
        self.ready = True
        parts = main_screens.build_screens(ctx, self)
        self.access, self.bridge = parts.access, parts.bridge
        self.dashboard, self.connections = parts.dashboard, parts.connections
        self.flows, self.feeds, self.flows_tabs = parts.flows, parts.feeds, parts.flows_tabs
        self.conflicts = parts.conflicts
        self.reconcile, self.shadow_runs = parts.reconcile, parts.shadow_runs
        self.mappings, self.duplicates = parts.mappings, parts.duplicates
        self.sync_log, self.settings_screen = parts.sync_log, parts.settings_screen
        self.alert_settings, self.segments = parts.alert_settings, parts.segments
        self.screens = parts.by_key()
        for key, _label in SCREENS:
            self.stack.addWidget(self.screens[key])
        self.stack.removeWidget(self.starting)
        self.starting.deleteLater()
        self.nav.setEnabled(True)
        self.nav.currentRowChanged.connect(self._on_nav)
        self.dashboard.go_to.connect(self.show_screen)
        self.connections.status_message.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.connections.profiles_changed.connect(self.dashboard.reload)
        self.connections.profiles_changed.connect(self.flows.reload)  # its empty state
        self.connections.profiles_changed.connect(self.feeds.reload)
        self.flows.go_to.connect(self.show_screen)
        self.feeds.go_to.connect(self.show_screen)
        self.flows.flows_changed.connect(self._flows_changed)
        self.feeds.feeds_changed.connect(self._flows_changed)

        for screen in (self.flows, self.feeds, self.conflicts, self.mappings, self.sync_log,
                       self.duplicates, self.segments, self.reconcile,
                       self.shadow_runs):  # fmt: skip
            screen.status_message.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.flows.run_finished.connect(lambda _s: self.sync_log.reload())
        self.flows.run_finished.connect(lambda _s: self.conflicts.reload())
        for checks in (self.reconcile, self.shadow_runs):
            self.flows.run_finished.connect(lambda _s, c=checks: c.reload())
            checks.resynced.connect(lambda _s: self.sync_log.reload())
        self.dashboard.open_reconcile.connect(lambda: self.show_flows_tab(self.reconcile))
        self.dashboard.open_sync_log.connect(self._open_sync_log)
        jobs().changed.connect(self._jobs_changed)  # a bound slot: dropped with the window
        self.bridge.status_changed.connect(self._scheduler_status)
        self.access_view = AccessView(self)
        self.access.changed.connect(self._apply_access)
        self._build_menus()
        if ctx.is_demo:
            self._build_demo()
        self.running_label.setText(jobs().status_line())
        self.statusBar().showMessage(f"Data folder: {ctx.paths.data_dir}", 10000)

        if self._tray_wanted and QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = TrayIcon(self)
            self.tray.show()
        self.bridge.notify.connect(self._notify)
        self._apply_access(self.access.policy)
        if self._run_scheduler:
            self.bridge.start()
            if main_screens.retention.due(ctx.store):  # the daily clean-up of old payloads
                run_in_background(main_screens.retention.prune, ctx.store)
        self.nav.setCurrentRow(0)
        self._on_nav(0)

    def startup_failed(self, message: str) -> None:
        """The store could not be opened: say so where the screens would be."""
        self.starting_label.setText(message)

    # --- navigation --------------------------------------------------------------------
    def _on_nav(self, row: int) -> None:
        key = self.nav.item(row).data(Qt.ItemDataRole.UserRole)
        self.stack.setCurrentWidget(self.screens[key])
        if key == "dashboard":
            self.dashboard.reload()
        if key == "sync_log":
            self.sync_log.reload()
        if key == "settings" and self.settings_screen.tabs.currentIndex() == 1:
            self.settings_screen.reload_audit()

    def _flows_changed(self) -> None:
        """A flow or feed was made, changed or deleted in a wizard: the lists that show
        flows read them again."""
        self.flows.reload()
        self.feeds.reload()
        self.conflicts.reload()
        self.reconcile.reload()
        self.shadow_runs.reload()
        self.mappings.reload()
        self.dashboard.reload()

    def show_flows_tab(self, widget: QWidget) -> None:
        self.show_screen("flows")
        self.flows_tabs.setCurrentWidget(widget)

    def show_screen(self, key: str) -> None:
        if self.ready and AccessView.hidden(key, self.access.policy.is_manager):
            self.statusBar().showMessage(
                "That screen is for the admin: it is hidden in manager mode.", 8000
            )
            return
        for row in range(self.nav.count()):
            if self.nav.item(row).data(Qt.ItemDataRole.UserRole) == key:
                self.nav.setCurrentRow(row)
                return

    def current_screen_key(self) -> str:
        return str(self.nav.currentItem().data(Qt.ItemDataRole.UserRole))

    # --- scheduler, access ---------------------------------------------------------------
    def _jobs_changed(self) -> None:
        """The status bar's line and the dashboard's "Running now" follow the jobs."""
        self._set_running(jobs().status_line())
        if not self.ready:
            return
        running = {j.title: j for j in jobs().running()}
        for title in self.dashboard.running_flows():
            if title not in running:
                self.dashboard.set_running(title, None)
        for title, job in running.items():
            self.dashboard.set_running(title, job.done / job.total if job.total else 0.0)

    def _set_running(self, text: str) -> None:
        self.running_label.setText(text)
        if self.tray is not None:
            self.tray.set_status(text)

    def _scheduler_status(self, text: str) -> None:
        self.next_label.setText(text)

    def _notify(self, title: str, message: str, _kind: str) -> None:
        if self.tray is not None:
            self.tray.showMessage(title, message)
        else:
            self.statusBar().showMessage(f"{title}: {message}", 15000)

    def _apply_access(self, policy: object) -> None:
        """Manager mode hides secrets, connection and mapping editing, alert settings, and
        says so (access_view.py)."""
        can_edit = bool(getattr(policy, "can_edit_connections", True))
        self.connections.set_editable(can_edit)
        self.alert_settings.setEnabled(bool(getattr(policy, "can_edit_alerts", True)))
        self.sync_log.set_admin(not bool(getattr(policy, "is_manager", False)))
        self.access_view.apply(bool(getattr(policy, "is_manager", False)))

    def _open_sync_log(self, event_filter: EventFilter) -> None:
        self.show_screen("sync_log")
        self.sync_log.show_filter(event_filter)

    # --- demo --------------------------------------------------------------------------
    def _build_demo(self) -> None:
        self.setWindowTitle(f"{APP_NAME} — DEMO dealership")
        badge = QLabel("DEMO")
        badge.setObjectName("DemoBadge")
        badge.setToolTip(
            "You are looking at the built-in demo dealership: simulated DMS, CRM, website "
            "and marketing systems on this computer. Nothing here touches real customers."
        )
        self.menuBar().setCornerWidget(badge, Qt.Corner.TopRightCorner)
        self.demo_badge = badge
        menu = self.menuBar().addMenu("&Demo")
        run_all = QAction(icon("mdi6.sync"), "&Run every demo flow once", self)
        run_all.triggered.connect(self.run_demo_flows)
        reset = QAction(icon("mdi6.refresh"), "Re&set the demo…", self)
        reset.triggered.connect(self.reset_demo)
        menu.addActions([run_all, reset])
        self.demo_actions = (run_all, reset)

    def _demo_busy(self, busy: bool, text: str) -> None:
        for action in self.demo_actions:
            action.setEnabled(not busy)
        self.running_label.setText(text)

    def run_demo_flows(self) -> None:
        self._demo_busy(True, "Running the demo flows…")
        run_in_background(
            self.ctx.demo.run_all,
            on_success=lambda summaries: self._demo_done(
                f"Demo flows finished: {sum(s.counts['read'] for s in summaries):,} records read."
            ),
            on_failure=lambda msg: self._demo_done(f"Demo run failed: {msg}"),
        )

    def reset_demo(self, *, confirm: bool = True) -> None:
        if confirm:
            answer = QMessageBox.question(
                self,
                "Reset the demo",
                "Reset the demo dealership?\n\nThe simulated DMS, CRM, website and marketing "
                "systems get fresh demo data, and the demo flows forget their runs, links and "
                "sync log. Connections and flows you created yourself are not touched.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self._demo_busy(True, "Resetting the demo…")
        run_in_background(
            self.ctx.demo.reset,
            on_success=lambda _r: self._demo_done("The demo was reset."),
            on_failure=lambda msg: self._demo_done(f"Reset failed: {msg}"),
        )

    def _demo_done(self, message: str) -> None:
        self._demo_busy(False, jobs().status_line())
        self.statusBar().showMessage(message, 15000)
        self.connections.reload()
        self.dashboard.reload()

    # --- menus -------------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        imp = QAction(icon("mdi6.import"), "&Import connections…", self)
        imp.triggered.connect(self.import_profiles)
        exp = QAction(icon("mdi6.export"), "&Export connections…", self)
        exp.triggered.connect(self.export_profiles)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.quit)
        file_menu.addActions([imp, exp])
        file_menu.addSeparator()
        file_menu.addAction(quit_action)

        help_menu = self.menuBar().addMenu("&Help")
        logs = QAction(icon("mdi6.file-document-outline"), "Open &log folder", self)
        logs.triggered.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.ctx.paths.logs_dir)))
        )
        guide = QAction(icon("mdi6.book-open-variant"), "&User guide", self)
        guide.setShortcut(QKeySequence.StandardKey.HelpContents)
        guide.triggered.connect(self.show_guide)
        about = QAction(icon("mdi6.information-outline"), f"&About {APP_NAME}", self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(guide)
        help_menu.addSeparator()
        help_menu.addActions([logs, about])
        self.guide_action = guide

    def show_guide(self) -> QDialog:
        """Help → User guide (F1): first steps, flows, duplicates, troubleshooting."""
        from app.ui.help_guide import GuideDialog

        dialog = GuideDialog(self)
        dialog.show()
        return dialog

    def show_about(self) -> QMessageBox:
        box = QMessageBox(self)
        box.setWindowTitle(f"About {APP_NAME}")
        box.setIconPixmap(icon("mdi6.car-connected", "#1f5fbf").pixmap(64, 64))
        box.setText(f"<h3>{APP_NAME} {__version__}</h3>")
        box.setInformativeText(
            "Keeps your DMS in step with your CRM, website and ad feeds, and marketing "
            "platform — so nobody re-types a customer, a phone number or a VIN again.<br><br>"
            f"Data folder: {self.ctx.paths.data_dir}<br>"
            "Secrets are kept in the system keyring."
        )
        box.open()
        return box

    def import_profiles(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Import connections", "", "Rooftop Sync connections (*.json)"
        )
        if not name:
            return
        from app.services import profile_transfer  # already loaded with the screens

        try:
            report = profile_transfer.import_profiles(self.ctx.profiles, Path(name))
        except RooftopError as exc:
            QMessageBox.warning(self, "Import connections", str(exc))
            return
        lines = []
        if report.created:
            lines.append("Added: " + ", ".join(report.created))
        if report.skipped:
            lines.append(
                "Skipped (a connection with that name exists): " + ", ".join(report.skipped)
            )
        lines += report.warnings
        QMessageBox.information(
            self, "Import connections", "\n".join(lines) or "Nothing to import."
        )
        self.connections.reload()
        self.dashboard.reload()

    def export_profiles(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export connections", "rooftop-connections.json", "JSON (*.json)"
        )
        if not name:
            return
        from app.services import profile_transfer  # already loaded with the screens

        count = profile_transfer.export_profiles(self.ctx.profiles, Path(name))
        self.statusBar().showMessage(
            f"Exported {count} connection(s) to {name}. Passwords and keys are not in the file.",
            10000,
        )

    # --- window life -------------------------------------------------------------------
    def _restore_geometry(self, settings: QSettings) -> None:
        geometry = settings.value("main_window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)

    def save_geometry(self) -> None:
        if not self.ready:
            return
        self.ctx.settings.setValue("main_window/geometry", self.saveGeometry())
        self.ctx.settings.sync()

    def quit(self) -> None:
        self._really_quit = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.ready:  # closed while starting: nothing runs yet
            event.accept()
            QApplication.quit()
            return
        self.save_geometry()
        if self.tray is not None and not self._really_quit and self._keep_in_tray():
            self.hide()
            self.tray.showMessage(
                APP_NAME,
                "Rooftop Sync keeps running here so scheduled syncs go on. "
                "Right-click the icon to quit.",
            )
            event.ignore()
            return
        if self.tray is not None:
            self.tray.hide()
        self.bridge.stop()
        event.accept()
        QApplication.quit()

    def _keep_in_tray(self) -> bool:
        saved = self.ctx.settings.value("main_window/keep_in_tray")
        if saved is not None:
            return str(saved).lower() == "true"
        answer = QMessageBox.question(
            self,
            APP_NAME,
            "Keep Rooftop Sync running in the notification area when the window is closed? "
            "Scheduled syncs only run while it is running.\n\n(You will not be asked again; "
            "use File → Quit to exit.)",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        keep = answer == QMessageBox.StandardButton.Yes
        self.ctx.settings.setValue("main_window/keep_in_tray", keep)
        return keep
