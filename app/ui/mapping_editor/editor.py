"""The mapping editor window: fields and drawn links, the selected rule's chain with
values per step, auto-map, live preview, drift hints, undo/redo and a validated save."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.mapping import automap
from app.mapping.catalog import CATALOG
from app.mapping.model import Mapping, Rule, Step
from app.mapping.preview import trace_rule
from app.services.mapping_loader import EditorData, load, with_csv_sample
from app.services.mappings import MappingService, SaveResult, validate
from app.store import Store
from app.ui.icons import icon
from app.ui.mapping_editor.canvas import MappingCanvas
from app.ui.mapping_editor.dialogs import AutoMapDialog, LookupDialog, distinct_values
from app.ui.mapping_editor.drift_banner import DriftBanner, drift_problems
from app.ui.mapping_editor.preview_pane import PreviewPane
from app.ui.mapping_editor.rule_panel import RulePanel
from app.ui.mapping_editor.toolbar import EditorToolbar
from app.ui.theme import STATUS_ICONS, Status, status_colour
from app.ui.widgets import fit_to_screen
from app.ui.workers import run_in_background


class _Change(QUndoCommand):
    def __init__(self, editor: MappingEditor, before: Mapping, after: Mapping, text: str) -> None:
        super().__init__(text)
        self.editor, self.before, self.after = editor, before, after

    def redo(self) -> None:
        self.editor._show(self.after)

    def undo(self) -> None:
        self.editor._show(self.before)


class MappingEditor(QDialog):
    """Open with ``MappingEditor(store, flow_ref)``; it loads in the background. Tests and
    callers that already have the data use ``MappingEditor(store, flow_ref, data=...)``."""

    saved = Signal(int)  # the new version
    loaded = Signal()

    def __init__(
        self,
        store: Store,
        flow_ref: str | int,
        parent: QWidget | None = None,
        *,
        data: EditorData | None = None,
        on_save: Callable[[Mapping], None] | None = None,
    ) -> None:
        """``on_save``: the mapping of a flow not saved yet (the new-flow wizard) — Save
        checks it and hands it over instead of storing a version."""
        super().__init__(parent)
        self.store = store
        self.flow_ref = flow_ref
        self.on_save = on_save
        self.data: EditorData | None = None
        self.mapping = Mapping(())
        self.saved_version: int | None = None
        self.missing: dict[str, str] = {}  # source fields the mapping reads but the data lacks
        self.undo = QUndoStack(self)
        self.setWindowTitle("Edit mapping")
        self.unsaved_box: QMessageBox | None = None  # the "Save changes?" prompt, while open
        self._close_after_save = False
        self.setMinimumSize(760, 480)
        fit_to_screen(self, 1280, 800)
        self.setSizeGripEnabled(True)
        self._build()
        self.undo.cleanChanged.connect(lambda _clean: self._origin_text())
        if on_save is not None:
            self.save_button.setText("Use this mapping")
            self.save_button.setToolTip("Check the mapping and take it back to the wizard")
        if data is not None:
            self.set_data(data)
        else:
            self._status(Status.RUNNING, "Reading a sample from the source connection…")
            run_in_background(
                load, store, flow_ref, on_success=self.set_data, on_failure=self._load_failed
            )

    # --- layout ------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        head = QHBoxLayout()
        self.heading = QLabel("Loading…")
        self.heading.setStyleSheet("font-size: 14pt; font-weight: 600;")
        self.origin = QLabel("")
        self.origin.setObjectName("Muted")
        head.addWidget(self.heading)
        head.addSpacing(12)
        head.addWidget(self.origin, 1)
        layout.addLayout(head)

        self.toolbar = EditorToolbar(self.undo)
        self.toolbar.automap_action.triggered.connect(self.open_automap)
        self.toolbar.connect_action.triggered.connect(self.connect_selected)
        self.toolbar.unmap_action.triggered.connect(self.unmap_selected)
        self.toolbar.csv_action.triggered.connect(self.pick_csv)
        layout.addWidget(self.toolbar)

        self.drift_banner = DriftBanner()
        self.drift_banner.apply_renames.connect(self.apply_suggested_renames)
        layout.addWidget(self.drift_banner)

        self.canvas = MappingCanvas()
        self.canvas.connect_requested.connect(self.connect_fields)
        self.canvas.target_selected.connect(lambda _t: self._show_rule())
        self.rules = RulePanel()
        self.rules.edit_table = self._edit_table
        self.rules.rule_changed.connect(self._rule_edited)
        self.rules.sample_row_changed.connect(lambda _r: self._show_rule())
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.canvas)
        top.addWidget(self.rules)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        top.setSizes([780, 470])

        self.preview_pane = PreviewPane()

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.preview_pane)
        split.setSizes([500, 230])
        layout.addWidget(split, 1)

        foot = QHBoxLayout()
        self.status_icon = QLabel()
        self.status_label = QLabel()
        self.status_label.setObjectName("editor_status")
        self.status_label.setWordWrap(True)
        foot.addWidget(self.status_icon)
        foot.addWidget(self.status_label, 1)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        self.save_button = QPushButton(icon("mdi6.content-save-outline"), "Save new version…")
        self.save_button.setObjectName("save_mapping")
        self.save_button.setShortcut(QKeySequence.StandardKey.Save)
        self.save_button.setToolTip("Check the mapping and save it as a new version (Ctrl+S)")
        self.save_button.clicked.connect(lambda: self.save())
        self.save_button.setDefault(True)
        foot.addWidget(self.close_button)
        foot.addWidget(self.save_button)
        layout.addLayout(foot)
        self.setTabOrder(self.canvas.source_view, self.canvas.target_view)
        self.setTabOrder(self.canvas.target_view, self.rules.chain_view)
        self.setTabOrder(self.rules.chain_view, self.preview_pane.view)

    # --- loading -----------------------------------------------------------------------
    def _origin_text(self) -> None:
        """The header line: streams, the saved version (and whether this differs), sample."""
        data = self.data
        if data is None:
            return
        version = f"version {data.version}" if data.version else "no saved version yet"
        unsaved = "" if self.undo.isClean() else " + unsaved changes"
        self.origin.setText(
            f"{data.source_stream} → {data.dest_stream} · {version}{unsaved} · "
            f"sample: {data.sample_origin}"
        )
        self.setWindowTitle(f"Edit mapping — {data.flow_name}{' *' if unsaved else ''}")

    def set_data(self, data: EditorData) -> None:
        self.data = data
        self.heading.setText(f"{data.flow_name}")
        self._origin_text()
        self.canvas.source_caption.setText(f"Source fields — {data.source_stream}")
        if data.target_fields:
            caption = f"Destination fields — {data.dest_stream}  (* required)"
        else:
            caption = f"Destination fields — {data.dest_stream}: none declared (see below)"
        self.canvas.target_caption.setText(caption)
        self.canvas.targets.set_fields(data.target_fields)
        self.rules.set_sample_count(len(data.sample))
        self.undo.clear()
        self._origin_text()
        self._show(data.mapping, reload_sources=True)
        if data.warnings:
            self._status(Status.WARNING, " ".join(data.warnings))
        else:
            self._status(Status.OK, "Drag a source field onto a target field, or use Auto-map.")
        first = next((r.target for r in self.mapping.rules), None)
        if first:
            self.canvas.select_target(first)
        self.loaded.emit()

    def _load_failed(self, message: str) -> None:
        self._status(Status.ERROR, f"Could not open the mapping: {message}")

    # --- state -------------------------------------------------------------------------
    def change(self, after: Mapping, text: str) -> None:
        """Every edit goes through here so it can be undone."""
        if after.to_json() != self.mapping.to_json():
            self.undo.push(_Change(self, self.mapping, after, text))

    def _show(self, mapping: Mapping, *, reload_sources: bool = False) -> None:
        self.mapping = mapping
        data = self.data
        if data is None:
            return
        problems, self.missing = drift_problems(data, mapping)
        if reload_sources or set(problems) != set(self.canvas.sources.problems):
            self.canvas.sources.set_data(data.source_fields, data.sample, problems)
        target_problems = {
            r.target: f"reads {', '.join(s for s in r.sources if s in problems)}, which the "
            "source no longer has"
            for r in mapping.rules
            if any(s in problems for s in r.sources)
        }
        self.canvas.set_mapping(mapping, target_problems)
        renames = {k: v for k, v in self.missing.items() if v}
        self.drift_banner.show_drift(problems, data.drift, renames)
        self.preview_pane.refresh(data, mapping, self.missing)
        self._show_rule()

    def _show_rule(self) -> None:
        target = self.canvas.selected_target()
        rule = next((r for r in self.mapping.rules if r.target == target), None)
        data = self.data
        trace = []
        if rule is not None and data is not None and not data.sample.empty:
            row_no = min(self.rules.sample_row.value() - 1, len(data.sample) - 1)
            row = {str(k): str(v) for k, v in data.sample.iloc[row_no].items()}
            trace = trace_rule(rule, row)
        self.rules.set_rule(rule, trace, target or "")
        self.toolbar.unmap_action.setEnabled(rule is not None)

    # --- edits -------------------------------------------------------------------------
    def _replace(self, rule: Rule, base: Mapping | None = None) -> Mapping:
        rules = list((base or self.mapping).rules)
        for i, r in enumerate(rules):
            if r.target == rule.target:
                rules[i] = rule
                return Mapping(tuple(rules))
        order = [f.name for f in (self.data.target_fields if self.data else [])]
        rules.append(rule)
        rules.sort(key=lambda r: order.index(r.target) if r.target in order else len(order))
        return Mapping(tuple(rules))

    def connect_fields(self, source: str, target: str) -> None:
        """Source -> target. A target that is mapped already gets a second source (joined);
        a new rule starts with the chain auto-map suggests for the pair."""
        rule = next((r for r in self.mapping.rules if r.target == target), None)
        field = next(
            (f for f in (self.data.target_fields if self.data else []) if f.name == target), None
        )
        if field is not None and field.read_only:
            self._status(Status.WARNING, f"'{target}' is set by the destination itself.")
            return
        if rule is None:
            found = automap.suggest([source], [target], threshold=0.0)
            required = bool(field and field.required)
            new = Rule(target, (source,), found[0].steps if found else (), required)
            text = f"Map {source} → {target}"
        elif source in rule.sources:
            return
        else:
            steps = list(rule.steps)
            if not steps or not CATALOG.get(steps[0].name, CATALOG["trim"]).combiner:
                steps.insert(0, Step("concat", {"separator": " "}))
            new = Rule(target, (*rule.sources, source), tuple(steps), rule.required)
            text = f"Add {source} to {target}"
        self.change(self._replace(new), text)
        self.canvas.select_target(target)
        self._status(Status.OK, text + ".")

    def connect_selected(self) -> None:
        if not self.canvas.connect_selected():
            self._status(Status.WARNING, "Select a source field and a target field first.")

    def unmap_selected(self) -> None:
        target = self.canvas.selected_target()
        if target and any(r.target == target for r in self.mapping.rules):
            rules = tuple(r for r in self.mapping.rules if r.target != target)
            self.change(Mapping(rules), f"Unmap {target}")

    def _rule_edited(self, rule: Rule, text: str) -> None:
        self.change(self._replace(rule), text)

    def apply_suggested_renames(self) -> None:
        renames = {k: v for k, v in self.missing.items() if v}
        rules = tuple(
            Rule(r.target, tuple(renames.get(s, s) for s in r.sources), r.steps, r.required)
            for r in self.mapping.rules
        )
        self.change(Mapping(rules), "Use the renamed source field(s)")

    def _edit_table(self, table: dict[str, str]) -> dict[str, str] | None:
        target = self.canvas.selected_target()
        rule = next((r for r in self.mapping.rules if r.target == target), None)
        values = distinct_values(self.data.sample, rule.sources) if (self.data and rule) else []
        dialog = LookupDialog(table, values, f"Translate codes for {target}", self)
        self.lookup_dialog = dialog  # reachable from tests
        return dialog.table() if dialog.exec() == QDialog.DialogCode.Accepted else None

    # --- auto-map ----------------------------------------------------------------------
    def suggestions(self) -> list[automap.Suggestion]:
        data = self.data
        if data is None:
            return []
        sources = [f.name for f in data.source_fields if f.kind != "missing"]
        targets = [f.name for f in data.target_fields if not f.read_only]
        already = {r.target: r.sources[0] for r in self.mapping.rules if r.sources}
        already.update({r.target: "" for r in self.mapping.rules if not r.sources})
        return automap.suggest(sources, targets, already=already)

    def open_automap(self) -> AutoMapDialog:
        dialog = AutoMapDialog(self.suggestions(), self)
        self.automap_dialog = dialog
        dialog.accepted.connect(lambda: self.accept_suggestions(dialog.chosen()))
        dialog.open()
        return dialog

    def accept_suggestions(self, chosen: list[automap.Suggestion]) -> None:
        mapping = self.mapping
        required = {f.name for f in (self.data.target_fields if self.data else []) if f.required}
        for s in chosen:
            if any(r.target == s.target for r in mapping.rules):
                continue
            mapping = self._replace(
                Rule(s.target, (s.source,), s.steps, s.target in required), mapping
            )
        self.change(mapping, f"Auto-map {len(chosen)} field(s)")
        self._status(Status.OK, f"Auto-map added {len(chosen)} rule(s). Check them in the preview.")

    # --- sample ------------------------------------------------------------------------
    def pick_csv(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Sample from a CSV file", "", "CSV (*.csv *.txt)"
        )
        if name:
            self.load_csv(Path(name))

    def load_csv(self, path: Path) -> None:
        if self.data is None:
            return
        self._status(Status.RUNNING, f"Reading {path.name}…")
        run_in_background(
            with_csv_sample,
            self.data,
            path,
            on_success=lambda d: self.set_data_keep_mapping(d),
            on_failure=lambda m: self._status(Status.ERROR, m),
        )

    def set_data_keep_mapping(self, data: EditorData) -> None:
        mapping = self.mapping
        self.set_data(data)
        self._show(mapping, reload_sources=True)

    # --- saving ------------------------------------------------------------------------
    def problems(self) -> list[str]:
        data = self.data
        required = [f.name for f in data.target_fields if f.required] if data else []
        out = validate(self.mapping, required)
        for name, new in self.missing.items():
            hint = f" (use '{new}'?)" if new else ""
            out.append(f"The mapping reads '{name}', which the source no longer has{hint}.")
        return out

    def save(self, comment: str | None = None) -> bool:
        """Check, ask for a comment, and save a new version in the background."""
        problems = self.problems()
        if problems:
            self._status(Status.ERROR, "Not saved: " + " ".join(problems[:4]))
            QMessageBox.warning(
                self, "Mapping not saved", "Fix these first:\n\n• " + "\n• ".join(problems)
            )
            return False
        if self.on_save is not None:  # a flow not saved yet: the wizard keeps it
            self.on_save(self.mapping)
            self.undo.setClean()
            self.accept()
            return True
        if comment is None:
            text, ok = QInputDialog.getText(
                self, "Save mapping", "What changed? (kept with the version and the audit log)"
            )
            if not ok:
                return False
            comment = text
        data = self.data
        assert data is not None
        required = [f.name for f in data.target_fields if f.required]
        snapshot = data.snapshot() if not data.sample.empty else None
        self.save_button.setEnabled(False)
        self._status(Status.RUNNING, "Saving…")
        run_in_background(
            lambda: MappingService(self.store).save(
                data.flow_id,
                self.mapping,
                comment=comment or "",
                required_targets=required,
                source_snapshot=snapshot,
            ),
            on_success=self._saved,
            on_failure=self._save_failed,
        )
        return True

    def _saved(self, result: SaveResult) -> None:
        self.save_button.setEnabled(True)
        self.saved_version = result.version
        if self.data is not None:
            self.data.version = result.version
            self.data.mapping = self.mapping
        if result.created:
            self._status(Status.OK, f"Saved as version {result.version}.")
        else:
            self._status(Status.OK, f"Nothing changed since version {result.version}.")
        self.undo.setClean()
        self._origin_text()  # the header follows the saved version
        self.saved.emit(result.version)
        if self._close_after_save:
            self.accept()

    def _save_failed(self, message: str) -> None:
        self._close_after_save = False
        self.save_button.setEnabled(True)
        self._status(Status.ERROR, f"Not saved: {message}")

    # --- closing ---------------------------------------------------------------------------
    def reject(self) -> None:
        """Close, Esc or the window's X: unsaved changes are never dropped unasked."""
        if self.undo.isClean() or self.data is None or self.unsaved_box is not None:
            super().reject()
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Save changes?",
            f"Save the changes to the mapping of {self.data.flow_name}?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setInformativeText(
            "They are not saved yet. Save them as a new version, discard them, or go back "
            "to editing."
        )
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        box.finished.connect(lambda _r: self._unsaved_answer(box))
        self.unsaved_box = box
        box.open()

    def _unsaved_answer(self, box: QMessageBox) -> None:
        self.unsaved_box = None
        answer = box.standardButton(box.clickedButton()) if box.clickedButton() else None
        if answer == QMessageBox.StandardButton.Save:
            self._close_after_save = True
            if not self.save():
                self._close_after_save = False
        elif answer == QMessageBox.StandardButton.Discard:
            self.undo.setClean()  # the edits are dropped with the dialog
            super().reject()

    def _status(self, level: Status, text: str) -> None:
        self.status_icon.setPixmap(icon(STATUS_ICONS[level], status_colour(level)).pixmap(16, 16))
        self.status_label.setText(text)
