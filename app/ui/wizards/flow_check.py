"""The new-flow wizard's last pages: when it runs (the schedule dialog's form and how
much each run reads), then its name, a dry run of the first 50 changes with their field
diffs, and Save — which is enabled once the dry run passed."""

from __future__ import annotations

import json
import time
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.scheduling.schedule import Schedule
from app.sync.preview import LIMIT
from app.sync.progress import CancelToken, Progress
from app.transfer import flow_drafts
from app.transfer.flow_drafts import DraftPreview, FlowDraft, entity_words
from app.ui.dialogs.schedule_dialog import ScheduleForm
from app.ui.icons import icon
from app.ui.models.preview_model import PreviewTableModel
from app.ui.models.resync_models import ChangesModel
from app.ui.run_progress import RunProgress
from app.ui.theme import Status
from app.ui.wizards.common import WizardPage, fit_columns, muted, table
from app.ui.wizards.flow_deletes import DeletesBox
from app.ui.workers import run_in_background

if TYPE_CHECKING:
    from app.ui.wizards.flow_wizard import FlowWizard


class SchedulePage(WizardPage):
    def __init__(self, wizard: FlowWizard) -> None:
        super().__init__(
            "When it runs",
            "Set when the flow runs by itself; Sync now on the Flows screen runs it any time.",
            "schedule_page",
        )
        self.wiz = wizard
        self.form = ScheduleForm(Schedule.from_json(wizard.draft.schedule))
        self.mode_box = QGroupBox("Each run reads")
        mode = QVBoxLayout(self.mode_box)
        self.incremental = QRadioButton("Only what changed since the last run (quicker)")
        self.incremental.setObjectName("mode_incremental")
        self.full = QRadioButton("Every record, every time")
        self.full.setObjectName("mode_full")
        self.modes = QButtonGroup(self)
        for b in (self.incremental, self.full):
            self.modes.addButton(b)
            mode.addWidget(b)
        self.mode_note = muted()
        mode.addWidget(self.mode_note)
        self.deletes = DeletesBox()
        side = QVBoxLayout()
        side.addWidget(self.mode_box)
        side.addWidget(self.deletes)
        side.addStretch(1)
        columns = QHBoxLayout()
        columns.addWidget(self.form, 3)
        columns.addLayout(side, 2)
        self.body.addLayout(columns)
        self.body.addStretch(1)
        self.finish_layout()
        self.form.changed.connect(self._schedule_changed)
        self.modes.buttonToggled.connect(lambda *_: self._mode_changed())
        self.deletes.changed.connect(self._deletes_changed)

    def initializePage(self) -> None:
        d = self.wiz.draft
        self.form.load(Schedule.from_json(d.schedule))
        source = self.wiz.source_spec()
        can_follow = bool(source and source.cursor_field)
        self.incremental.setEnabled(can_follow)
        if d.mode == "realtime":
            self.mode_note.setText("This flow also runs when the source reports a change.")
        elif not can_follow:
            self.mode_note.setText(
                f"{d.source} cannot say what changed in these records, so each run reads them all."
            )
        else:
            self.mode_note.setText("")
        (self.incremental if d.mode != "full" and can_follow else self.full).setChecked(True)
        self.deletes.load(d.options, [f.name for f in source.fields] if source else [])
        self.form._changed()

    def _deletes_changed(self) -> None:
        d = self.wiz.draft
        value = self.deletes.value()
        if value is None:
            d.options.pop("deletes", None)
        else:
            d.options["deletes"] = value

    def _mode_changed(self) -> None:
        d = self.wiz.draft
        if d.mode != "realtime":
            d.mode = "incremental" if self.incremental.isChecked() else "full"

    def _schedule_changed(self, valid: bool) -> None:
        if valid:
            self.wiz.draft.schedule = self.form.schedule().to_json()
            self.say("")
        else:
            self.say(self.form.problem() or "This schedule cannot be used yet.")
        self.changed()

    def isComplete(self) -> bool:
        return not self.form.problem()


def _fingerprint(draft: FlowDraft) -> str:
    """What a dry run depends on (not the name or the description)."""
    body = draft.body()
    for key in ("id", "name", "description", "enabled"):
        body.pop(key, None)
    body["mapping"] = body["mapping"]["mapping"]
    return json.dumps(body, sort_keys=True, default=str)


def _dry_run_text(p: Progress) -> str:
    refused = p.parked + p.failed
    return (
        f"{p.read:,} records read: {p.created:,} would be created, {p.updated:,} updated, "
        f"{p.unchanged:,} unchanged, {refused:,} refused"
    )


class CheckPage(WizardPage):
    def __init__(self, wizard: FlowWizard) -> None:
        super().__init__(
            "Check it, then save",
            f"A dry run reads the source and shows the first {LIMIT} changes the flow would "
            "make — nothing is sent. Save is enabled once it passed.",
            "check_page",
        )
        self.wiz = wizard
        self.result: DraftPreview | None = None
        self.previewed = ""  # fingerprint of the draft the result belongs to
        self.token: CancelToken | None = None
        self.saving = False

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name = QLineEdit()
        self.name.setObjectName("flow_name")
        self.name.setPlaceholderText("e.g. Customers: DMS → CRM")
        self.slug = muted()
        name_box = QWidget()
        name_row = QHBoxLayout(name_box)
        name_row.setContentsMargins(0, 0, 0, 0)
        name_row.addWidget(self.name, 3)
        name_row.addWidget(self.slug, 2)
        form.addRow("Name", name_box)
        self.description = QLineEdit()
        self.description.setObjectName("flow_description")
        self.description.setPlaceholderText("What it does, in a sentence (optional)")
        form.addRow("Description", self.description)
        self.body.addLayout(form)

        bar = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setObjectName("dry_run_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.again = QPushButton(icon("mdi6.refresh"), "Dry run again")
        self.again.setObjectName("dry_run_again")
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.again, 0, Qt.AlignmentFlag.AlignTop)
        self.body.addLayout(bar)
        self.progress = RunProgress()
        self.progress.hide()
        self.body.addWidget(self.progress)

        self.changes = ChangesModel()
        self.changes_table = table(self.changes, "dry_run_changes")
        for col in (1, 2):  # the flow and its destination: the same on every row
            self.changes_table.setColumnHidden(col, True)
        self.rejects = PreviewTableModel()
        self.rejects_table = table(self.rejects, "dry_run_rejects")
        self.rejects_box = lower = QWidget()
        lower_v = QVBoxLayout(lower)
        lower_v.setContentsMargins(0, 4, 0, 0)
        self.rejects_title = muted()
        lower_v.addWidget(self.rejects_title)
        lower_v.addWidget(self.rejects_table, 1)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(self.changes_table)
        self.split.addWidget(lower)
        self.split.setSizes([300, 110])
        self.body.addWidget(self.split, 1)
        self.finish_layout()

        self.name.textChanged.connect(self._named)
        self.description.textChanged.connect(self._described)
        self.again.clicked.connect(self.dry_run)

    # --- entering ----------------------------------------------------------------------
    def initializePage(self) -> None:
        d = self.wiz.draft
        if not d.name:
            source, dest = self.wiz.connection(d.source), self.wiz.connection(d.dest)
            spec = self.wiz.source_spec()
            if source and dest and spec:
                d.name = flow_drafts.suggest_name(source, spec, dest)
        self.name.setText(d.name)
        self.description.setText(d.description)
        self._named(d.name)
        if _fingerprint(d) != self.previewed or self.result is None:
            self.dry_run()

    def _named(self, text: str) -> None:
        d = self.wiz.draft
        d.name = text.strip()
        d.slug = self.wiz.slug_for(d.name) if d.name else ""
        self.slug.setText(f"Flow id: {d.slug}" if d.slug else "")
        self._show_state()

    def _described(self, text: str) -> None:
        self.wiz.draft.description = text.strip()

    # --- the dry run ------------------------------------------------------------------
    def dry_run(self) -> None:
        if self.token is not None:
            return
        d = self.wiz.draft
        if not d.slug:  # the checks need an id; the name can still change
            d.slug = self.wiz.slug_for(d.name or "new flow")
        token = CancelToken()
        self.token, self.result = token, None
        self.previewed = _fingerprint(d)
        self.changes.set_rows([])
        self.rejects.set_records([], [])
        self.rejects_title.setText("")
        self.rejects_box.hide()
        self.again.setEnabled(False)
        self.progress.begin(f"Dry run: reading {d.source} (nothing is sent)…", token)
        self.summary.setText("")
        self._show_state()
        draft, store, replacing = d.copy(), self.wiz.store, self.wiz.replacing

        def work(progress: Any) -> DraftPreview:
            last = [0.0]

            def report(p: Progress) -> None:
                now = time.monotonic()
                if p.phase == "done" or now - last[0] > 0.15:
                    last[0] = now
                    progress(p.read, 0, _dry_run_text(p))

            return flow_drafts.preview(
                store, draft, replacing=replacing, cancel=token, progress=report
            )

        run_in_background(
            work,
            on_success=self._dry_run_done,
            on_failure=self._dry_run_failed,
            on_progress=self.progress.update_progress,
            owner=self,
        )

    def _dry_run_done(self, result: DraftPreview) -> None:
        self.token = None
        self.progress.finish()
        self.again.setEnabled(True)
        self.result = result
        self.changes.set_rows(result.changes)
        fit_columns(self.changes_table, 260)
        if result.rejects:
            self.rejects.set_records(
                ["Record", "Why it would not be sent"],
                [{"Record": k, "Why it would not be sent": r} for k, r in result.rejects],
            )
            fit_columns(self.rejects_table)
            self.rejects_box.show()
            self.rejects_title.setText(
                f"{len(result.rejects):,} record(s) would be refused and wait in the retry "
                "queue until fixed:"
            )
        else:
            self.rejects.set_records([], [])
            self.rejects_box.hide()
            self.rejects_title.setText("")
        self._show_state()

    def _dry_run_failed(self, message: str) -> None:
        self.token = None
        self.progress.finish()
        self.again.setEnabled(True)
        self.result = DraftPreview("failed", message, {}, [], 0, [], True)
        self._show_state()

    def stop(self) -> None:
        if self.token is not None:
            self.token.cancel()

    # --- what the page says, and Save ---------------------------------------------------
    def _show_state(self) -> None:
        d = self.wiz.draft
        r = self.result
        spec = self.wiz.source_spec()
        words = entity_words(spec) if spec else "records"
        if self.saving:
            self.say("Saving…", Status.RUNNING)
        elif self.token is not None:
            self.say("Dry run running — nothing is sent.", Status.RUNNING)
        elif r is not None and r.status == "failed":
            self.summary.setText("")
            self.say(f"The dry run failed: {r.error}")
        elif not d.name:
            self.say("Give the flow a name.")
        elif r is None:
            self.say("")
        elif r.status == "cancelled":
            self.say("The dry run was stopped. Run it again to save.", Status.WARNING)
        else:
            c = r.counts
            read = c.get("read", 0)
            more = "" if r.complete else f" (it stopped after the first {r.records} changes)"
            self.summary.setText(
                f"<b>{read:,} {words} read</b>{more}: {c.get('created', 0):,} would be created "
                f"in {d.dest}, {c.get('updated', 0):,} updated, {c.get('unchanged', 0):,} "
                f"already as they are, {len(r.rejects):,} refused."
            )
            if not r.passed:
                self.say(
                    f"Every record read would be refused ({r.rejects[0][1]}). Go back to the "
                    "mapping and fix it."
                )
            elif not read:
                self.say(
                    f"{d.source} has no {words} yet; the flow sends them as they appear. "
                    "You can save.",
                    Status.OK,
                )
            elif r.rejects:
                self.say(
                    "The dry run passed, with records that would be refused (listed below). "
                    "You can save, or go back and fix the mapping first.",
                    Status.WARNING,
                )
            else:
                self.say("The dry run passed. Save the flow when you are ready.", Status.OK)
        self.changed()

    def isComplete(self) -> bool:
        r = self.result
        current = _fingerprint(self.wiz.draft) == self.previewed
        return bool(
            self.wiz.draft.name and r is not None and r.passed and current and not self.saving
        )

    def validatePage(self) -> bool:
        if self.wiz.saved_flow is not None:
            return True
        if not self.isComplete():
            return False
        self.saving = True
        self._show_state()
        run_in_background(
            partial(flow_drafts.save, replacing=self.wiz.replacing),
            self.wiz.store,
            self.wiz.draft.copy(),
            on_success=self._saved,
            on_failure=self._save_failed,
            owner=self,
        )
        return False

    def _saved(self, info: Any) -> None:
        self.saving = False
        self.wiz.flow_saved(info)

    def _save_failed(self, message: str) -> None:
        self.saving = False
        self._show_state()
        self.say(f"Not saved: {message}")
