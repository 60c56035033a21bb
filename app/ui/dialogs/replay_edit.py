"""Admin only: edit a parked record's source payload, give a reason, and replay it. The
change (personal values masked) and the reason go to the audit log."""

from __future__ import annotations

import json

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.services import pii
from app.services.audit import current_os_user
from app.store import Store
from app.store.log_queries import EventRow
from app.store.log_timeline import ParkedView, open_parked_for_events, parked_entry
from app.sync.log_replay import replay_edited
from app.ui.workers import run_in_background


class ReplayEditDialog(QDialog):
    replayed = Signal(str, bool)  # message, everything delivered

    def __init__(
        self, store: Store, target: EventRow | ParkedView, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.parked: ParkedView | None = None
        self.setWindowTitle("Edit and replay a record")
        self.resize(720, 620)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Correct the record as it was read from the source, then send it again through "
            "the current mapping. The record in the source system is not changed: fix it "
            "there too, or the next sync brings the old value back. The change and your "
            "reason are recorded in the audit log."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.what = QLabel("Loading the record…")
        self.what.setObjectName("Muted")
        self.what.setWordWrap(True)
        layout.addWidget(self.what)
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("payload_editor")
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setEnabled(False)
        layout.addWidget(self.editor, 1)
        self.json_error = QLabel()
        self.json_error.setObjectName("FieldError")
        layout.addWidget(self.json_error)
        layout.addWidget(QLabel("Reason (required, goes to the audit log):"))
        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        self.reason.setPlaceholderText("e.g. Customer confirmed the correct last name by phone")
        layout.addWidget(self.reason)
        self.reason_error = QLabel()
        self.reason_error.setObjectName("FieldError")
        layout.addWidget(self.reason_error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Save and replay")
        self.buttons.accepted.connect(lambda: self.save_and_replay())
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.editor.textChanged.connect(self._validate)
        self.reason.textChanged.connect(self._validate)
        self._validate()
        run_in_background(self._read, target, on_success=self._loaded, on_failure=self._failed)

    def _read(self, target: EventRow | ParkedView) -> ParkedView | None:  # worker thread
        if isinstance(target, ParkedView):
            parked_id = target.id
        else:
            with self.store.session() as s:
                found = open_parked_for_events(s, [target.id])
            ids = [i for v in found.values() for i in v]
            if not ids:
                return None
            parked_id = ids[0]
        with self.store.session() as s:
            entry = parked_entry(s, parked_id)
        if entry is not None:
            pii.record_reveal(
                self.store,
                entity="parked record",
                record_key=entry.record_key,
                what="the source payload, opened for editing",
            )
        return entry

    def _failed(self, message: str) -> None:
        self.what.setText(message)

    def _loaded(self, parked: ParkedView | None) -> None:
        if parked is None:
            self.what.setText("This record is no longer waiting in the retry queue.")
            return
        self.parked = parked
        self.what.setText(
            f"{parked.flow_name} · record {parked.record_key} · failed {parked.attempts} time(s): "
            f"{parked.reason}"
        )
        self.editor.setEnabled(True)
        self.editor.setPlainText(json.dumps(parked.source_payload, indent=2, ensure_ascii=False))
        self._validate()

    def payload(self) -> dict | None:
        try:
            data = json.loads(self.editor.toPlainText())
        except ValueError:
            return None
        return data if isinstance(data, dict) and data else None

    def _validate(self) -> bool:
        ok_json = True
        if self.parked is not None:
            try:
                data = json.loads(self.editor.toPlainText())
                ok_json = isinstance(data, dict) and bool(data)
                self.json_error.setText(
                    "" if ok_json else "The payload must be a JSON object of fields."
                )
            except ValueError as exc:
                ok_json = False
                self.json_error.setText(f"Not valid JSON: {exc}")
        reason_ok = bool(self.reason.text().strip())
        self.reason_error.setText("" if reason_ok else "Say why you change the record.")
        valid = self.parked is not None and ok_json and reason_ok
        self.ok.setEnabled(valid)
        return valid

    def save_and_replay(self, *, confirm: bool = True) -> None:
        if not self._validate() or self.parked is None:
            return
        payload = self.payload()
        assert payload is not None
        if confirm:
            answer = QMessageBox.question(
                self,
                "Replay with an edited payload",
                f"Replace the source payload of record {self.parked.record_key} in the retry "
                f"queue of '{self.parked.flow_name}' and send it again now?\n\nThe changed "
                "fields and your reason are recorded in the audit log under your name.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        parked, reason = self.parked, self.reason.text().strip()
        self.ok.setEnabled(False)
        self.what.setText("Saving and replaying…")
        run_in_background(
            lambda: replay_edited(
                self.store, parked.id, payload, reason=reason, triggered_by=current_os_user()
            ),
            on_success=self._done,
            on_failure=self._failed_replay,
        )

    def _done(self, report) -> None:
        key = self.parked.record_key if self.parked else ""
        outcome = "delivered." if report.all_delivered else report.message()
        message = f"Record {key} replayed with the edited payload: {outcome}"
        self.replayed.emit(message, report.all_delivered)
        self.accept()

    def _failed_replay(self, message: str) -> None:
        self.what.setText(message)
        self._validate()
