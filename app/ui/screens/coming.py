"""Screens whose features arrive with later releases show an honest empty state that says
what will be there — never fake data."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.ui.widgets import EmptyState, ScreenHeader

UPCOMING = {
    "flows": (
        "Flows",
        "What moves where: DMS customers to the CRM, CRM leads to the DMS, inventory to the "
        "website.",
        "mdi6.swap-horizontal-bold",
        "No flows yet",
        "A flow connects a source (e.g. DMS customers) to a destination (e.g. CRM contacts) "
        "on a schedule, with Sync now and re-sync of one customer or VIN. Add your "
        "connections first; flows are set up here once the sync engine is installed.",
    ),
    "mappings": (
        "Mappings",
        "Which field goes where, and how it is cleaned on the way.",
        "mdi6.table-arrow-right",
        "No mappings yet",
        "Each flow gets a field mapping (CUST_NO → external id, HOME_PH → phone in E.164 "
        "...), edited visually with a live preview. Mappings appear here once a flow exists.",
    ),
    "duplicates": (
        "Duplicates",
        "Review customers that look like the same person and merge them.",
        "mdi6.account-multiple-check-outline",
        "No duplicates to review",
        "After the first sync, customers that look alike across the DMS and the CRM "
        "(same phone, similar name) are queued here for a side-by-side review and merge.",
    ),
    "sync_log": (
        "Sync Log",
        "Every run and every record's story: what was sent, what came back, what failed.",
        "mdi6.text-box-search-outline",
        "No syncs have run yet",
        "Runs and per-record outcomes appear here as soon as a flow runs, searchable by "
        "customer number, name, phone, VIN, stock or deal number, with replay of failures.",
    ),
}


class UpcomingScreen(QWidget):
    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title, subtitle, icon_name, empty_title, empty_text = UPCOMING[key]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(ScreenHeader(title, subtitle))
        self.empty = EmptyState(icon_name, empty_title, empty_text)
        layout.addWidget(self.empty, 1)
