"""Re-sync a record: find it (name, phone, e-mail, VIN, stock or deal number), pick, see
exactly what will change in which system (a dry run), confirm, watch it run, see the
outcome. Every step that touches the disk or the network runs in the background."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.scheduling.resync import ResyncPreview, preview, run_preview
from app.services.audit import current_os_user
from app.services.profiles import ProfileService
from app.store import Store
from app.sync.engine import RunSummary
from app.sync.progress import CancelToken
from app.sync.search import search
from app.ui.icons import icon
from app.ui.models.flows_model import run_status
from app.ui.models.resync_models import ChangesModel, HitsModel
from app.ui.run_progress import RunProgress, throttled
from app.ui.theme import STATUS_ICONS, Status, status_colour
from app.ui.widgets import SearchBox
from app.ui.workers import run_in_background


def _table(model, name: str) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class ResyncDialog(QDialog):
    def __init__(self, store: Store, parent: QWidget | None = None, query: str = "") -> None:
        super().__init__(parent)
        self.store = store
        self.plan: ResyncPreview | None = None
        self.summaries: list[RunSummary] = []
        self.token: CancelToken | None = None
        self.setWindowTitle("Re-sync a record")
        self.resize(1060, 620)
        v = QVBoxLayout(self)
        self.step = QLabel()
        self.step.setStyleSheet("font-size: 13pt; font-weight: 600;")
        v.addWidget(self.step)
        self.pages = QStackedWidget()
        v.addWidget(self.pages, 1)
        self.pages.addWidget(self._find_page())
        self.pages.addWidget(self._preview_page())
        self.pages.addWidget(self._run_page())
        self._go(0)
        if query:
            self.search_box.setText(query)
            self.find_records()

    # --- page 1: find ------------------------------------------------------------------
    def _find_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.search_box = SearchBox("Customer name, phone, e-mail, VIN, stock or deal number")
        self.search_button = QPushButton(icon("mdi6.magnify"), "Find")
        row.addWidget(self.search_box, 1)
        row.addWidget(self.search_button)
        v.addLayout(row)
        self.hits = HitsModel()
        self.hits_table = _table(self.hits, "hits_table")
        self.hits_table.setColumnWidth(0, 28)
        v.addWidget(self.hits_table, 1)
        self.find_note = QLabel(
            "Type what you know about the customer or vehicle and press Enter. Tick the "
            "records to re-sync; the next step shows exactly what would change before "
            "anything is sent."
        )
        self.find_note.setObjectName("Muted")
        self.find_note.setWordWrap(True)
        v.addWidget(self.find_note)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.close_button = QPushButton("Close")
        self.preview_button = QPushButton(icon("mdi6.eye-outline"), "Preview changes")
        self.preview_button.setDefault(False)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.preview_button)
        v.addLayout(buttons)
        self.search_box.returnPressed.connect(self.find_records)
        self.search_button.clicked.connect(self.find_records)
        self.close_button.clicked.connect(self.reject)
        self.preview_button.clicked.connect(self.make_preview)
        self.hits.dataChanged.connect(lambda *_: self._update_preview_button())
        self.hits.modelReset.connect(self._update_preview_button)
        self._update_preview_button()
        return page

    def _update_preview_button(self) -> None:
        n = len(self.hits.checked())
        self.preview_button.setEnabled(n > 0)
        self.preview_button.setText(f"Preview changes ({n} selected)" if n else "Preview changes")

    def find_records(self) -> None:
        query = self.search_box.text().strip()
        if not query:
            return
        self.find_note.setText("Searching…")
        self.search_button.setEnabled(False)

        def work() -> tuple[list, dict[str, str]]:
            names = {p.uid: p.name for p in ProfileService(self.store).list()}
            return search(self.store, query, limit=200), names

        run_in_background(work, on_success=self._found, on_failure=self._find_failed)

    def _found(self, result) -> None:
        hits, names = result
        self.search_button.setEnabled(True)
        self.hits.set_hits(hits, names)
        if hits:
            self.find_note.setText(
                f"{len(hits)} record{'s' if len(hits) != 1 else ''} found. Tick the ones to "
                "re-sync, then Preview changes."
            )
        else:
            self.find_note.setText(
                "Nothing found. Try part of the last name, the full phone number or e-mail, "
                "or the whole VIN. Only records a sync has read are searchable."
            )

    def _find_failed(self, message: str) -> None:
        self.search_button.setEnabled(True)
        self.find_note.setText(message)

    # --- page 2: preview ---------------------------------------------------------------
    def _preview_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        self.preview_note = QLabel()
        self.preview_note.setWordWrap(True)
        v.addWidget(self.preview_note)
        self.changes = ChangesModel()
        self.changes_table = _table(self.changes, "changes_table")
        v.addWidget(self.changes_table, 1)
        buttons = QHBoxLayout()
        self.back_button = QPushButton(icon("mdi6.arrow-left"), "Back")
        self.run_button = QPushButton(icon("mdi6.sync"), "Re-sync now")
        self.run_button.setDefault(True)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.run_button)
        v.addLayout(buttons)
        self.back_button.clicked.connect(lambda: self._go(0))
        self.run_button.clicked.connect(self.run)
        return page

    def make_preview(self) -> None:
        picks = self.hits.checked()
        if not picks:
            return
        self.preview_button.setEnabled(False)
        self.find_note.setText("Working out what would change (nothing is sent)…")
        run_in_background(
            preview, self.store, picks, on_success=self._previewed, on_failure=self._find_failed
        )

    def _previewed(self, plan: ResyncPreview) -> None:
        self.plan = plan
        self._update_preview_button()
        self.changes.set_rows(plan.changes)
        lines = []
        if plan.record_count:
            flows = ", ".join(plan.flow_names.values())
            lines.append(
                f"<b>{plan.record_count} record{'s' if plan.record_count != 1 else ''}</b> "
                f"will be sent again through: {flows}. Nothing has been sent yet."
            )
        for reason in plan.busy.values():
            lines.append(
                f"<span style='color:{status_colour(Status.WARNING).name()}'>{reason}</span>"
            )
        if plan.unmatched:
            names = ", ".join(h.name or h.record_key for h in plan.unmatched[:5])
            lines.append(f"No flow sends these anywhere, so they are left out: {names}.")
        self.preview_note.setText("<br>".join(lines) or "Nothing to re-sync.")
        self.run_button.setEnabled(any(f not in plan.busy for f in plan.keys))
        self._go(1)

    # --- page 3: run and outcome -------------------------------------------------------
    def _run_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        self.progress = RunProgress()
        v.addWidget(self.progress)
        self.outcome = QVBoxLayout()
        v.addLayout(self.outcome)
        v.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.done_button = QPushButton("Close")
        self.done_button.clicked.connect(self.accept)
        buttons.addWidget(self.done_button)
        v.addLayout(buttons)
        return page

    def run(self) -> None:
        if self.plan is None:
            return
        self.token = CancelToken()
        self.done_button.setEnabled(False)
        self.progress.begin(f"Re-syncing {self.plan.record_count} record(s)…", self.token)
        self._go(2)
        plan, token = self.plan, self.token
        who = f"{current_os_user()} (re-sync)"

        def work(progress):
            return run_preview(
                self.store, plan, triggered_by=who, cancel=token, progress=throttled(progress)
            )

        run_in_background(
            work,
            on_success=self._ran,
            on_failure=self._run_failed,
            on_progress=self.progress.update_progress,
        )

    def _ran(self, summaries: list[RunSummary]) -> None:
        self.summaries = summaries
        self.progress.finish()
        self.done_button.setEnabled(True)
        plan = self.plan or ResyncPreview()
        names = [plan.flow_names.get(f, "") for f in plan.keys if f not in plan.busy]
        for i, s in enumerate(summaries):
            status, text = run_status(s.status, s.counts["failed"] + s.counts["parked"])
            c = s.counts
            name = names[i] if i < len(names) and names[i] else s.flow
            detail = (
                f"{c['created']} created, {c['updated']} updated, "
                f"{c['unchanged']} already current there, {c['failed'] + c['parked']} failed"
            )
            self._outcome_line(status, f"{name}: {text} — {detail}", s.error)
        if not summaries:
            self._outcome_line(Status.UNKNOWN, "Nothing was sent.", None)
        else:
            hint = QLabel(
                "Every record's full story (what was sent, what came back) is in the Sync Log."
            )
            hint.setObjectName("Muted")
            self.outcome.addWidget(hint)

    def _run_failed(self, message: str) -> None:
        self.progress.finish()
        self.done_button.setEnabled(True)
        self._outcome_line(Status.ERROR, message, None)

    def _outcome_line(self, status: Status, text: str, error: str | None) -> None:
        row = QHBoxLayout()
        pic = QLabel()
        colour = status_colour(status)
        pic.setPixmap(icon(STATUS_ICONS[status], colour).pixmap(20, 20))
        label = QLabel(text + (f"<br><span>{error}</span>" if error else ""))
        label.setObjectName("outcome")
        label.setWordWrap(True)
        label.setStyleSheet(f"color: {colour.name()}; font-size: 11pt;")
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(pic, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(label, 1)
        self.outcome.addLayout(row)

    # --- steps -------------------------------------------------------------------------
    def _go(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        self.step.setText(
            ("1 · Find the record", "2 · Check what will change", "3 · Re-sync")[index]
        )

    def reject(self) -> None:
        if self.token is not None and self.progress.token is not None:
            self.progress.cancel()  # stop at a safe point; the dialog closes when it has
            return
        super().reject()
