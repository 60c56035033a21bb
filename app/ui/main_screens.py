"""Everything the main window shows, built on an open store: the screens, the scheduler
bridge and manager-mode access. This module pulls in the services, pandas and SQLAlchemy
behind the screens, so the window's frame can be on screen before it is imported."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QTabWidget, QWidget

from app.services import retention
from app.ui.alert_settings import AlertSettingsWidget
from app.ui.context import UiContext
from app.ui.feeds_panel import FeedPublishPanel
from app.ui.icons import icon
from app.ui.manager_mode import AccessController, ManagerModeWidget
from app.ui.scheduler_bridge import SchedulerBridge
from app.ui.screens.conflicts import ConflictsScreen
from app.ui.screens.connections import ConnectionsScreen
from app.ui.screens.dashboard import DashboardScreen
from app.ui.screens.duplicate_thresholds import ThresholdsWidget
from app.ui.screens.duplicates import DuplicatesScreen
from app.ui.screens.flows import FlowsScreen
from app.ui.screens.mappings import MappingsScreen
from app.ui.screens.privacy import PrivacyWidget
from app.ui.screens.reconcile import ReconcileScreen
from app.ui.screens.retention_settings import RetentionSettingsWidget
from app.ui.screens.segments import SegmentsScreen
from app.ui.screens.settings import SettingsScreen
from app.ui.screens.sync_log import SyncLogScreen

__all__ = ["MainScreens", "build_screens", "retention"]


@dataclass
class MainScreens:
    access: AccessController
    bridge: SchedulerBridge
    dashboard: DashboardScreen
    connections: ConnectionsScreen
    flows: FlowsScreen
    feeds: FeedPublishPanel
    conflicts: ConflictsScreen
    reconcile: ReconcileScreen
    shadow_runs: ReconcileScreen
    flows_tabs: QTabWidget
    mappings: MappingsScreen
    duplicates: DuplicatesScreen
    segments: SegmentsScreen
    sync_log: SyncLogScreen
    settings_screen: SettingsScreen
    alert_settings: AlertSettingsWidget

    def by_key(self) -> dict[str, QWidget]:
        """The widget behind each navigation entry."""
        return {
            "dashboard": self.dashboard,
            "connections": self.connections,
            "flows": self.flows_tabs,
            "mappings": self.mappings,
            "duplicates": self.duplicates,
            "segments": self.segments,
            "sync_log": self.sync_log,
            "settings": self.settings_screen,
        }


def build_screens(ctx: UiContext, parent: QWidget) -> MainScreens:
    """Create every screen of the main window (on the GUI thread)."""
    access = AccessController(ctx.store, parent)
    bridge = SchedulerBridge(ctx.store, parent)
    flows = FlowsScreen(ctx.store, scheduler=bridge.scheduler, access=access)
    feeds = FeedPublishPanel(ctx, access=access)
    conflicts = ConflictsScreen(ctx.store, access=access)
    flows_tabs = QTabWidget()
    flows_tabs.setDocumentMode(True)
    flows_tabs.addTab(flows, icon("mdi6.swap-horizontal-bold"), "Sync flows")
    flows_tabs.addTab(feeds, icon("mdi6.car-multiple"), "Inventory feeds")
    flows_tabs.addTab(conflicts, icon("mdi6.call-split"), "Conflicts")
    reconcile = ReconcileScreen(ctx.store, "reconcile", access=access)
    shadow_runs = ReconcileScreen(ctx.store, "shadow", access=access)
    flows_tabs.addTab(reconcile, icon("mdi6.compare-horizontal"), "Reconcile")
    flows_tabs.addTab(shadow_runs, icon("mdi6.eye-outline"), "Shadow runs")
    settings_screen = SettingsScreen(ctx.store)
    # what decides which records are kept, erased or merged is the IT admin's: manager
    # mode hides these tabs (their services stay as they are)
    admin_only = [
        (RetentionSettingsWidget(ctx.store), "mdi6.archive-clock-outline", "Retention"),
        (PrivacyWidget(ctx.store, access), "mdi6.shield-account-outline", "Privacy"),
        (ThresholdsWidget(ctx.store), "mdi6.account-multiple-check-outline", "Matching"),
    ]
    for widget, icon_name, title in admin_only:
        settings_screen.add_tab(widget, icon_name, title)
    _hide_in_manager_mode(settings_screen, [w for w, _, _ in admin_only], access)
    settings_screen.add_tab(ManagerModeWidget(access), "mdi6.shield-lock-outline", "Access")
    alert_settings = AlertSettingsWidget(ctx.store, bridge.alerts)
    settings_screen.add_tab(alert_settings, "mdi6.bell-outline", "Alerts")
    return MainScreens(
        access=access,
        bridge=bridge,
        dashboard=DashboardScreen(ctx.profiles),
        connections=ConnectionsScreen(ctx.profiles),
        flows=flows,
        feeds=feeds,
        conflicts=conflicts,
        reconcile=reconcile,
        shadow_runs=shadow_runs,
        flows_tabs=flows_tabs,
        mappings=MappingsScreen(ctx.store),
        duplicates=DuplicatesScreen(ctx.store),
        segments=SegmentsScreen(ctx.store),
        sync_log=SyncLogScreen(ctx.store, admin=True),
        settings_screen=settings_screen,
        alert_settings=alert_settings,
    )


def _hide_in_manager_mode(
    settings_screen: SettingsScreen, widgets: list[QWidget], access: AccessController
) -> None:
    def apply(manager: bool) -> None:
        for widget in widgets:
            settings_screen.tabs.setTabVisible(settings_screen.tabs.indexOf(widget), not manager)

    access.changed.connect(lambda p: apply(p.is_manager))
    apply(access.policy.is_manager)
