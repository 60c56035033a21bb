"""Settings → Privacy (admin only): find a person, see where Rooftop Sync holds them and
what an erasure would do (a dry run, nothing changed), answer an access request with an
export, or erase them after a confirmation that says exactly what will happen. The work
runs in the background with its steps shown; the result gives the request's reference.
The register below lists every request by its reference, never by whom.

Manager mode shows only that it is for the admin (the main window hides the tab too)."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import RooftopError
from app.services.audit import current_os_user
from app.services.privacy import ErasureReport, ExportReport, erase, export_person, requests
from app.services.profiles import ProfileService
from app.store import Store
from app.sync.run_guard import refuse_while_running
from app.sync.search import search
from app.ui.icons import icon
from app.ui.manager_mode import AccessController
from app.ui.models.privacy_models import (
    Person,
    held_model,
    people,
    people_model,
    requests_model,
)
from app.ui.widgets import EmptyState, SearchBox, sortable_table
from app.ui.workers import run_in_background


def _fit(table: QTableView, *stretch: int) -> None:
    """Columns as wide as their contents, but ``stretch`` share what is left (and elide)."""
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    for column in stretch:
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setDefaultSectionSize(26)


def _muted(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("Muted")
    label.setWordWrap(True)
    return label


class PrivacyWidget(QWidget):
    """``PrivacyWidget(store, access)`` — a Settings tab."""

    def __init__(
        self, store: Store, access: AccessController | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.access = access
        self.person: Person | None = None
        self.preview: ErasureReport | None = None  # the dry run for ``person``
        self.reference = ""  # of the last export or erasure, for "Copy reference"
        self.stack = QStackedWidget()
        self.stack.addWidget(self._content())
        self.stack.addWidget(
            EmptyState(
                "mdi6.shield-lock-outline",
                "Privacy requests are for the admin",
                "Erasing a customer or exporting what is kept about them needs admin mode. "
                "Leave manager mode with the admin PIN (Settings → Access).",
            )
        )
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        if access is not None:
            access.changed.connect(lambda _p: self._apply_access())
        self._apply_access()
        self.reload_requests()

    # --- layout --------------------------------------------------------------------------
    def _content(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(16, 12, 16, 8)
        layout.addWidget(
            _muted(
                "A customer may ask what is kept about them (access) or to be erased (GDPR, "
                "CCPA). Find them, see where Rooftop Sync holds them, then export or erase. "
                "An erasure asks the CRM and the marketing platform to delete them, "
                "anonymises them here, and keeps only a keyed hash so the next sync does not "
                "bring them back. The DMS keeps its own records."
            )
        )
        row = QHBoxLayout()
        self.query = SearchBox("Name, e-mail, phone or customer number")
        self.find_button = QPushButton(icon("mdi6.account-search-outline"), "Find")
        row.addWidget(self.query, 1)
        row.addWidget(self.find_button)
        layout.addLayout(row)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        self.people = people_model()
        self.people_proxy, self.people_table = sortable_table(self.people, self, "privacy_people")
        _fit(self.people_table, 0, 1, 4)
        people_box = QWidget()
        pbox = QVBoxLayout(people_box)
        pbox.setContentsMargins(0, 0, 0, 0)
        self.people_note = _muted("Type what you know of the person, then Find.")
        pbox.addWidget(self.people_note)
        pbox.addWidget(self.people_table, 1)
        splitter.addWidget(people_box)
        splitter.addWidget(self._held_box())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 3)

        result_row = QHBoxLayout()
        self.result = QLabel()
        self.result.setObjectName("privacy_result")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.result.linkActivated.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
        self.copy_button = QPushButton(icon("mdi6.content-copy"), "Copy reference")
        self.copy_button.hide()
        self.copy_button.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.reference)
        )
        result_row.addWidget(self.result, 1)
        result_row.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(result_row)
        layout.addWidget(
            _muted("Requests so far (by reference: nothing here says whom they were about)")
        )
        self.register = requests_model()
        _p, self.register_table = sortable_table(self.register, self, "privacy_requests")
        self.register_table.sortByColumn(4, Qt.SortOrder.DescendingOrder)
        _fit(self.register_table, 3)
        self.register_table.setMinimumHeight(110)
        layout.addWidget(self.register_table, 1)

        self.find_button.clicked.connect(self.find_people)
        self.query.returnPressed.connect(self.find_people)
        self.people_table.selectionModel().selectionChanged.connect(lambda *_a: self._chosen())
        self.export_button.clicked.connect(self.export)
        self.erase_button.clicked.connect(lambda: self.erase())
        self._enable(False)
        return page

    def _held_box(self) -> QGroupBox:
        box = QGroupBox("Where we hold them")
        layout = QVBoxLayout(box)
        self.held_label = QLabel("Choose a person on the left.")
        self.held_label.setObjectName("privacy_held_label")
        self.held_label.setWordWrap(True)
        layout.addWidget(self.held_label)
        self.held = held_model()
        _proxy, self.held_table = sortable_table(self.held, self, "privacy_held")
        _fit(self.held_table, 2)
        layout.addWidget(self.held_table, 1)
        self.detail = QLabel()
        self.detail.setObjectName("privacy_detail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.detail)
        buttons = QHBoxLayout()
        self.export_button = QPushButton(icon("mdi6.file-export-outline"), "Export what we keep")
        self.erase_button = QPushButton(icon("mdi6.account-remove-outline"), "Erase…")
        self.erase_button.setObjectName("DangerButton")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: the steps are named, not measured
        self.progress.setMaximumWidth(120)
        self.progress.hide()
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        buttons.addWidget(self.progress)
        buttons.addWidget(self.erase_button)
        layout.addLayout(buttons)
        return box

    def _system_names(self) -> dict[str, str]:  # worker thread
        try:
            return {p.uid: p.name for p in ProfileService(self.store).list()}
        except RooftopError:
            return {}

    def _apply_access(self) -> None:
        manager = self.access is not None and self.access.policy.is_manager
        self.stack.setCurrentIndex(1 if manager else 0)

    def _enable(self, on: bool) -> None:
        self.export_button.setEnabled(on)
        self.erase_button.setEnabled(on)

    def _say(self, text: str, *, rich: bool = False) -> None:
        self.result.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
        self.result.setText(text)

    def _busy(self, text: str) -> None:
        self.progress.show()
        self.find_button.setEnabled(False)
        self.people_table.setEnabled(False)
        self._enable(False)
        self.copy_button.hide()
        self._say(text)

    def _idle(self) -> None:
        self.progress.hide()
        self.find_button.setEnabled(True)
        self.people_table.setEnabled(True)

    # --- find ----------------------------------------------------------------------------
    def find_people(self) -> None:
        query = self.query.text().strip()
        if not query:
            return
        self.people_note.setText("Looking…")
        run_in_background(
            lambda: people(
                search(self.store, query, entity="customer", limit=200), self._system_names()
            ),
            on_success=self._found,
            on_failure=self.people_note.setText,
            owner=self,
        )

    def _found(self, found: list[Person]) -> None:
        self.people.set_rows(found)
        self.people_note.setText(
            f"{len(found)} person(s) found."
            if found
            else "Nobody found: try a phone number, an e-mail address or the DMS customer number."
        )
        if len(found) == 1:
            self.people_table.selectRow(0)

    def _chosen(self) -> None:
        rows = self.people_table.selectionModel().selectedRows()
        if not rows:
            return
        person: Person = self.people.row_at(self.people_proxy.mapToSource(rows[0]).row())
        self.person, self.preview = person, None
        self._enable(False)
        self.held.set_rows([])
        self.detail.setText("")
        self.held_label.setText(f"Looking for everything kept about {person.name or person.key}…")
        run_in_background(
            lambda: erase(self.store, person.key, dry_run=True),
            on_success=lambda report: self._show_held(person, report),
            on_failure=self.held_label.setText,
            owner=self,
        )

    def _show_held(self, person: Person, report: ErasureReport) -> None:
        if person != self.person:  # another person was chosen meanwhile
            return
        self.preview = report
        self.held.set_rows(report.held)
        if report.status == "not_found":
            self.held_label.setText(f"{person.name}: nothing is kept about them any more.")
            return
        self.held_label.setText(f"{person.name}: {len(report.held)} record(s) in these systems.")
        places = ", ".join(f"{n:,} {p}" for p, n in sorted(report.counts.items()) if n)
        asks = ", ".join(d.connection for d in report.deletions) or "no connected system"
        self.detail.setText(
            f"Dry run, nothing changed: an erasure would anonymise {places or 'nothing more'} "
            f"here, ask {asks} to delete them, and keep {report.tombstones} keyed hash(es)."
        )
        self._enable(report.status == "dry_run")

    # --- export --------------------------------------------------------------------------
    def export(self) -> None:
        if self.person is None:
            return
        key, who = self.person.key, current_os_user()
        self._busy("Writing the export…")
        run_in_background(
            lambda: export_person(self.store, key, None, requested_by=who),
            on_success=self._exported,
            on_failure=self._failed,
            owner=self,
        )

    def _exported(self, report: ExportReport) -> None:
        self._idle()
        self._enable(self.preview is not None)
        self._show_reference(report.ref)
        if not report.found or report.path is None:
            self._say(f"Nobody is known by that key any more. Recorded as {report.ref}.")
        else:
            url = QUrl.fromLocalFile(str(report.path)).toString()
            self._say(
                f'Access export <b>{report.ref}</b> written to <a href="{html.escape(url)}">'
                f"{html.escape(str(report.path))}</a>. Hand it to the person; an erasure "
                "deletes it from here.",
                rich=True,
            )
        self.reload_requests()

    # --- erase ---------------------------------------------------------------------------
    def confirmation_text(self) -> str:
        report = self.preview
        assert report is not None and self.person is not None
        asks = "\n".join(f"  • {d.connection} is asked to delete them" for d in report.deletions)
        places = "\n".join(f"      {n:,} {p}" for p, n in sorted(report.counts.items()) if n)
        return (
            f"Erase {self.person.name or self.person.key} everywhere Rooftop Sync keeps "
            f"them?\n\n{asks or '  • no connected system can delete them (do it by hand)'}\n"
            f"  • anonymised here:\n{places}\n"
            "  • log files, archives and exports are cleaned\n"
            f"  • {report.tombstones} keyed hash(es) are kept so no later sync brings them back\n\n"
            "This cannot be undone. The DMS keeps its own record of them."
        )

    def erase(self, *, confirm: bool = True) -> None:
        if self.person is None or self.preview is None or self.preview.status != "dry_run":
            return
        if confirm:
            answer = QMessageBox.question(
                self,
                "Erase a customer",
                self.confirmation_text(),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        key, who = self.person.key, current_os_user()
        self._busy("Erasing…")
        run_in_background(
            lambda progress: self._erase_job(key, who, progress),
            on_success=self._erased,
            on_failure=self._failed,
            on_progress=lambda _d, _t, step: self._say(f"Erasing: {step}…"),
            owner=self,
        )

    def _erase_job(self, key: str, who: str, progress: Callable[[int, int, str], Any]) -> Any:
        """Worker thread: refuse while a flow runs, then erase, naming each step."""
        refuse_while_running(self.store)
        return erase(self.store, key, requested_by=who, progress=lambda m: progress(0, 0, m))

    def _erased(self, report: ErasureReport) -> None:
        self._idle()
        self.person, self.preview = None, None
        self.people.set_rows([])
        self.held.set_rows([])
        self.held_label.setText("Choose a person on the left.")
        self.detail.setText("")
        self.people_note.setText("Type what you know of the person, then Find.")
        self._show_reference(report.ref)
        lines = [
            f"Erased: {report.ref}."
            if report.status == "erased"
            else f"PARTLY erased: {report.ref}. What is left is listed below."
        ]
        lines += [f"{d.connection}: {d.message}" for d in report.deletions]
        lines += [f"Delete by hand in {d.connection}: {', '.join(d.manual)}"
                  for d in report.deletions if d.manual]  # fmt: skip
        lines += [f"Still holds them, delete it by hand: {p}" for p in report.files.left]
        lines += [f"Note: {p}" for p in report.problems]
        lines.append(
            "Keep the reference with the request: it is the only link between the erasure "
            "and the person."
        )
        self._say("\n".join(lines))
        self.reload_requests()

    def _show_reference(self, ref: str) -> None:
        self.reference = ref
        self.copy_button.setVisible(bool(ref))

    def _failed(self, message: str) -> None:
        self._idle()
        self._enable(self.preview is not None and self.preview.status == "dry_run")
        self._say(message)

    # --- the register --------------------------------------------------------------------
    def reload_requests(self) -> None:
        run_in_background(requests, self.store, on_success=self.register.set_rows, owner=self)
