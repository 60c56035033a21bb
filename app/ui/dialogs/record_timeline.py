"""A record's story: every attempt across runs, flows and systems; for each, what was
read, what the current mapping makes of it, what was sent and what came back. Personal
data is masked unless an admin chooses to show it (which is audited)."""

from __future__ import annotations

import html
import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services import pii
from app.services.audit import current_os_user
from app.store import Store
from app.store.log_timeline import Attempt, Payloads, RecordStory, payloads, record_story
from app.sync.log_replay import MappingPreview, preview_mapping, replay_events
from app.ui.dialogs.replay_edit import ReplayEditDialog
from app.ui.icons import icon
from app.ui.models.sync_log_models import entity_label, short_time
from app.ui.models.timeline_model import ACTION_WORDS, AttemptsTableModel
from app.ui.theme import Status, status_colour
from app.ui.workers import run_in_background


def _pretty(payload: dict[str, Any] | None, reveal: bool, empty: str) -> str:
    if payload is None:
        return empty
    shown = payload if reveal else pii.mask_payload(payload)
    return json.dumps(shown, indent=2, ensure_ascii=False, sort_keys=False)


class RecordTimelineDialog(QDialog):
    replayed = Signal(str, bool)  # message, everything delivered

    def __init__(
        self, store: Store, outcome_id: int, *, admin: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.outcome_id = outcome_id
        self.admin = admin
        self.reveal = False
        self.story: RecordStory | None = None
        self._payloads: Payloads | None = None
        self._preview: MappingPreview | None = None
        self.setWindowTitle("Record story")
        self.resize(1100, 720)
        layout = QVBoxLayout(self)

        self.title = QLabel("Loading the record's story…")
        self.title.setObjectName("ScreenTitle")
        self.identities = QLabel()
        self.identities.setObjectName("Muted")
        self.identities.setWordWrap(True)
        self.queue_label = QLabel()
        self.queue_label.setObjectName("queue_label")
        self.queue_label.setWordWrap(True)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        self.reveal_button = QPushButton(icon("mdi6.eye-outline"), "Show personal data")
        self.reveal_button.setVisible(admin)
        self.reveal_button.clicked.connect(self.show_personal_data)
        head.addWidget(self.reveal_button)
        layout.addLayout(head)
        layout.addWidget(self.identities)
        queue_row = QHBoxLayout()
        queue_row.addWidget(self.queue_label, 1)
        self.replay_button = QPushButton(icon("mdi6.replay"), "Replay with the current mapping")
        self.edit_button = QPushButton(icon("mdi6.file-edit-outline"), "Edit && replay…")
        self.replay_button.clicked.connect(lambda: self.replay())
        self.edit_button.clicked.connect(lambda: self.edit_and_replay())
        queue_row.addWidget(self.replay_button)
        queue_row.addWidget(self.edit_button)
        layout.addLayout(queue_row)

        self.model = AttemptsTableModel()
        self.table = QTableView()
        self.table.setObjectName("attempts_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)

        lower = QWidget()
        ll = QVBoxLayout(lower)
        ll.setContentsMargins(0, 0, 0, 0)
        self.error_label = QLabel()
        self.error_label.setObjectName("attempt_error")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        ll.addWidget(self.error_label)
        self.tabs = QTabWidget()
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.source_view, self.mapped_view, self.sent_view, self.response_view = (
            QPlainTextEdit() for _ in range(4)
        )
        for view, label in (
            (self.source_view, "Source (as read)"),
            (self.mapped_view, "Mapped now (current mapping)"),
            (self.sent_view, "Sent"),
            (self.response_view, "Response"),
        ):
            view.setReadOnly(True)
            view.setFont(mono)
            self.tabs.addTab(view, label)
        ll.addWidget(self.tabs, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout.addWidget(splitter, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.table.selectionModel().selectionChanged.connect(self._attempt_selected)
        self.replay_button.hide()
        self.edit_button.hide()
        self.load()

    # --- loading ----------------------------------------------------------------------------
    def load(self) -> None:
        run_in_background(self._read_story, on_success=self._show_story, on_failure=self._failed)

    def _read_story(self) -> RecordStory | None:  # worker thread
        with self.store.session() as s:
            return record_story(s, self.outcome_id)

    def _failed(self, message: str) -> None:
        self.title.setText("The record's story could not be read")
        self.identities.setText(message)

    def _show_story(self, story: RecordStory | None) -> None:
        if story is None:
            self.title.setText("This record event no longer exists")
            self.identities.setText("It may have been removed by the sync log retention settings.")
            return
        self.story = story
        self.model.set_rows(story.attempts)
        self._render_header()
        row = self.model.row_of(self.outcome_id)
        self.table.selectRow(row if row >= 0 else self.model.rowCount() - 1)

    def _render_header(self) -> None:
        story = self.story
        if story is None:
            return
        name = story.name if self.reveal else pii.mask_name(story.name)
        self.title.setText(
            f"{entity_label(story.entity)} {story.record_key}" + (f" — {name}" if name else "")
        )
        known = []
        for i in story.identities:
            bits = [f"<b>{i.system_name}</b>: {entity_label(i.entity).lower()} {i.record_key}"]
            if i.phone:
                bits.append(i.phone if self.reveal else str(pii.mask_value("phone", i.phone)))
            if i.email:
                bits.append(i.email if self.reveal else str(pii.mask_value("email", i.email)))
            if i.vin:
                bits.append(f"VIN {i.vin}")
            known.append(" · ".join(bits))
        attempts = len(story.attempts)
        self.identities.setText(
            ("Known as " + "; ".join(known) + ". " if known else "")
            + f"{attempts} attempt{'s' if attempts != 1 else ''} across "
            + f"{len({a.run_id for a in story.attempts})} run(s), oldest first."
        )
        if story.parked:
            p = story.parked[0]
            colour = status_colour(Status.ERROR).name()
            reason = p.reason if self.reveal else pii.mask_text(p.reason)
            self.queue_label.setText(
                f"<span style='color:{colour}'><b>Waiting in the retry queue</b></span> of "
                f"{p.flow_name} since {short_time(p.first_failed_at)} ({p.attempts} attempt(s)): "
                f"{reason}"
            )
        elif story.dismissed is not None:
            flow, by, at, why = story.dismissed
            self.queue_label.setText(
                f"Not waiting in the retry queue: dismissed from {html.escape(flow)} by "
                f"{html.escape(by)} {short_time(at)} — “{html.escape(why)}”. Not delivered."
            )
        else:
            self.queue_label.setText("Not waiting in the retry queue.")
        self.replay_button.setVisible(bool(story.parked))
        self.edit_button.setVisible(bool(story.parked) and self.admin)

    def selected_attempt(self) -> Attempt | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _attempt_selected(self) -> None:
        attempt = self.selected_attempt()
        if attempt is None:
            return
        self._payloads, self._preview = None, None
        for view in (self.source_view, self.mapped_view, self.sent_view, self.response_view):
            view.setPlainText("Loading…")
        self._render_error(attempt)
        run_in_background(
            self._read_payloads,
            attempt,
            on_success=lambda result: self._show_payloads(attempt, result),
            on_failure=lambda msg: self.source_view.setPlainText(msg),
        )

    def _read_payloads(self, attempt: Attempt) -> tuple[Payloads, MappingPreview | None]:
        with self.store.session() as s:
            found = payloads(s, attempt.id)
        preview = None
        if found.source is not None and attempt.flow_id is not None:
            preview = preview_mapping(self.store, attempt.flow_id, found.source)
        return found, preview

    def _show_payloads(
        self, attempt: Attempt, result: tuple[Payloads, MappingPreview | None]
    ) -> None:
        if self.selected_attempt() is not attempt:
            return
        self._payloads, self._preview = result
        self._render_payloads()

    def _render_error(self, attempt: Attempt) -> None:
        if attempt.error:
            status = Status.ERROR if attempt.status in ("parked", "failed") else Status.UNKNOWN
            colour = status_colour(status).name()
            error = attempt.error if self.reveal else pii.mask_text(attempt.error)
            # a failed attempt's message is an error; anyone else's is a note
            head = "Error" if status == Status.ERROR else "Note"
            self.error_label.setText(f"<span style='color:{colour}'><b>{head}:</b> {error}</span>")
        else:
            action = ACTION_WORDS.get(attempt.action) or attempt.action
            self.error_label.setText(f"Attempt {attempt.attempt} · {action} · no error.")

    def _render_payloads(self) -> None:
        found, preview = self._payloads, self._preview
        if found is None:
            return
        gone = "(not kept: payloads are cleared after the retention period)"
        self.source_view.setPlainText(_pretty(found.source, self.reveal, gone))
        self.sent_view.setPlainText(
            _pretty(found.sent, self.reveal, "(nothing was sent in this attempt)")
        )
        self.response_view.setPlainText(
            _pretty(
                found.response,
                self.reveal,
                "(no response: nothing was sent, or it failed in transit)",
            )
        )
        if preview is None:
            self.mapped_view.setPlainText("(no source payload to map)")
            self.tabs.setTabText(1, "Mapped now (current mapping)")
        else:
            self.tabs.setTabText(1, f"Mapped now (mapping v{preview.version})")
            text = _pretty(preview.mapped, self.reveal, "{}")
            if preview.problems:
                problems = [p if self.reveal else pii.mask_text(p) or "" for p in preview.problems]
                text = (
                    "Problems with the current mapping:\n  - "
                    + "\n  - ".join(problems)
                    + "\n\n"
                    + text
                )
            else:
                text = "The current mapping maps this record without problems.\n\n" + text
            self.mapped_view.setPlainText(text)

    # --- actions ----------------------------------------------------------------------------
    def show_personal_data(self) -> None:
        if not self.admin or self.story is None or self.reveal:
            return
        story = self.story
        run_in_background(
            lambda: pii.record_reveal(
                self.store,
                entity=story.entity,
                record_key=story.record_key,
                what="the record story: names, contact details and payloads",
            )
        )
        self.reveal = True
        self.model.set_reveal(True)
        self.reveal_button.setEnabled(False)
        self.reveal_button.setText("Personal data shown (audited)")
        self._render_header()
        attempt = self.selected_attempt()
        if attempt:
            self._render_error(attempt)
        self._render_payloads()

    def replay(self, *, confirm: bool = True) -> None:
        story = self.story
        if story is None or not story.parked:
            return
        if confirm:
            answer = QMessageBox.question(
                self,
                "Replay this record",
                "Send this record again from the retry queue through the current mapping? "
                "The new attempt is linked to the original one, whose error stays visible.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        parked_attempts = [a.id for a in story.attempts if a.status == "parked"]
        self.replay_button.setEnabled(False)
        self.queue_label.setText("Replaying…")
        run_in_background(
            lambda: replay_events(self.store, parked_attempts[-1:], triggered_by=current_os_user()),
            on_success=lambda report: self._replayed(report.message(), report.all_delivered),
            on_failure=self._replay_failed,
        )

    def edit_and_replay(self):
        story = self.story
        if story is None or not story.parked or not self.admin:
            return None
        dialog = ReplayEditDialog(self.store, story.parked[0], parent=self)
        dialog.replayed.connect(self._replayed)
        dialog.open()
        return dialog

    def _replayed(self, message: str, delivered: bool) -> None:
        self.replay_button.setEnabled(True)
        self.replayed.emit(message, delivered)
        self.load()
        if not delivered:  # the story says "still waiting"; say why the replay did not help
            self.queue_label.setText(message)

    def _replay_failed(self, message: str) -> None:
        self.replay_button.setEnabled(True)
        self.queue_label.setText(message)
