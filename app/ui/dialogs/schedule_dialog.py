"""Edit a flow's schedule: every N minutes/hours or set times (cron), a window with no
heavy syncs, on/off, catch-up after the computer was off; the next five runs previewed.
Validates as you type; saving happens in the background. The fields are a
``ScheduleForm``, which the new-flow wizard shows too."""

from __future__ import annotations

from datetime import time

from PySide6.QtCore import QTime, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QRadioButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.errors import RooftopError
from app.scheduling.schedule import Blackout, Schedule
from app.scheduling.schedules import ScheduleService
from app.ui.workers import run_in_background

PRESETS = (
    ("Every night at 2:00", "0 2 * * *"),
    ("Every night at 23:30", "30 23 * * *"),
    ("Weekdays at 7:00", "0 7 * * 1-5"),
    ("Every hour, on the hour", "0 * * * *"),
    ("Custom…", ""),
)
UNITS = (("minutes", 60), ("hours", 3600))


class ScheduleForm(QWidget):
    """The schedule's fields, validated as you type, with the next five runs; the
    schedule dialog and the new-flow wizard's schedule page show it. ``changed`` says
    whether the schedule is valid now."""

    changed = Signal(bool)

    def __init__(self, schedule: Schedule, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.original = schedule
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)

        self.enabled = QCheckBox("Run this flow on a schedule")
        v.addWidget(self.enabled)

        self.when_box = QGroupBox("When")
        when = QFormLayout(self.when_box)
        self.kind_group = QButtonGroup(self)
        self.interval_radio = QRadioButton("Every")
        self.cron_radio = QRadioButton("At set times")
        self.kind_group.addButton(self.interval_radio)
        self.kind_group.addButton(self.cron_radio)
        interval_row = QHBoxLayout()
        self.interval = QSpinBox()
        self.interval.setRange(1, 999)
        self.unit = QComboBox()
        for label, _s in UNITS:
            self.unit.addItem(label)
        interval_row.addWidget(self.interval)
        interval_row.addWidget(self.unit)
        interval_row.addStretch(1)
        when.addRow(self.interval_radio, interval_row)
        cron_row = QHBoxLayout()
        self.preset = QComboBox()
        for label, _line in PRESETS:
            self.preset.addItem(label)
        self.cron = QLineEdit()
        self.cron.setPlaceholderText("minute hour day month weekday, e.g. 0 2 * * *")
        self.cron.setToolTip(
            "A cron line: five fields — minute, hour, day of month, month, day of week "
            "(0 or 7 = Sunday). '*' means every; '1-5' Monday to Friday; '*/15' every 15."
        )
        cron_row.addWidget(self.preset)
        cron_row.addWidget(self.cron, 1)
        when.addRow(self.cron_radio, cron_row)
        v.addWidget(self.when_box)

        self.quiet_box = QGroupBox("No scheduled syncs during business hours")
        self.quiet_box.setCheckable(True)
        q = QHBoxLayout(self.quiet_box)
        self.quiet_start = QTimeEdit(QTime(9, 0))
        self.quiet_end = QTimeEdit(QTime(18, 0))
        for t in (self.quiet_start, self.quiet_end):
            t.setDisplayFormat("HH:mm")
        q.addWidget(QLabel("Not between"))
        q.addWidget(self.quiet_start)
        q.addWidget(QLabel("and"))
        q.addWidget(self.quiet_end)
        q.addStretch(1)
        v.addWidget(self.quiet_box)

        catch = QHBoxLayout()
        self.grace = QSpinBox()
        self.grace.setRange(0, 72)
        self.grace.setSuffix(" hours")
        catch_label = QLabel(
            "If the computer was off at run time, catch up once if it starts within"
        )
        catch_label.setWordWrap(True)
        catch.addWidget(catch_label, 1)
        catch.addWidget(self.grace)
        v.addLayout(catch)

        self.words = QLabel()
        self.words.setObjectName("schedule_words")
        self.words.setStyleSheet("font-size: 12pt; font-weight: 600;")
        self.words.setWordWrap(True)
        v.addWidget(self.words)
        self.error = QLabel()
        self.error.setObjectName("FieldError")
        self.error.setWordWrap(True)
        v.addWidget(self.error)
        v.addWidget(QLabel("Next five runs:"))
        self.preview = QListWidget()
        self.preview.setObjectName("next_runs")
        self.preview.setMaximumHeight(118)
        v.addWidget(self.preview)

        self.load(schedule)
        for signal in (self.enabled.toggled, self.interval_radio.toggled, self.cron_radio.toggled,
                       self.quiet_box.toggled):  # fmt: skip
            signal.connect(self._changed)
        self.interval.valueChanged.connect(self._changed)
        self.unit.currentIndexChanged.connect(self._changed)
        self.cron.textChanged.connect(self._cron_edited)
        self.preset.currentIndexChanged.connect(self._preset_chosen)
        self.quiet_start.timeChanged.connect(self._changed)
        self.quiet_end.timeChanged.connect(self._changed)
        self.grace.valueChanged.connect(self._changed)
        self._changed()

    # --- form <-> schedule -------------------------------------------------------------
    def load(self, s: Schedule) -> None:
        self.original = s
        self.enabled.setChecked(s.kind != "manual" and s.enabled)
        kind = s.kind if s.kind != "manual" else "cron"
        (self.interval_radio if kind == "interval" else self.cron_radio).setChecked(True)
        seconds = s.interval_s or 900
        if seconds % 3600 == 0:
            self.interval.setValue(seconds // 3600)
            self.unit.setCurrentIndex(1)
        else:
            self.interval.setValue(max(1, seconds // 60))
            self.unit.setCurrentIndex(0)
        self.cron.setText(s.cron or "0 2 * * *")
        self._sync_preset()
        self.quiet_box.setChecked(s.blackout is not None)
        if s.blackout:
            self.quiet_start.setTime(QTime(s.blackout.start.hour, s.blackout.start.minute))
            self.quiet_end.setTime(QTime(s.blackout.end.hour, s.blackout.end.minute))
        self.grace.setValue(round(s.misfire_grace_s / 3600))

    def schedule(self) -> Schedule:
        if not self.enabled.isChecked() and self.original.kind == "manual":
            return Schedule("manual")
        kind = "interval" if self.interval_radio.isChecked() else "cron"
        blackout = None
        if self.quiet_box.isChecked():
            a, b = self.quiet_start.time(), self.quiet_end.time()
            blackout = Blackout(time(a.hour(), a.minute()), time(b.hour(), b.minute()))
        return Schedule(
            kind=kind,
            interval_s=self.interval.value() * UNITS[self.unit.currentIndex()][1],
            cron=self.cron.text().strip(),
            enabled=self.enabled.isChecked(),
            blackout=blackout,
            misfire_grace_s=self.grace.value() * 3600,
            extra=self.original.extra,
        )

    def problem(self) -> str:
        """Why the schedule cannot be saved as it is ('' when it can)."""
        try:
            self.schedule().validate()
        except RooftopError as exc:
            return str(exc)
        return ""

    def _sync_preset(self) -> None:
        line = self.cron.text().strip()
        index = next((i for i, (_l, c) in enumerate(PRESETS) if c == line), len(PRESETS) - 1)
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(index)
        self.preset.blockSignals(False)

    def _preset_chosen(self, index: int) -> None:
        line = PRESETS[index][1]
        if line:
            self.cron.setText(line)
        else:
            self.cron.setFocus()
        self.cron_radio.setChecked(True)

    def _cron_edited(self) -> None:
        self._sync_preset()
        self._changed()

    def _changed(self) -> None:
        on = self.enabled.isChecked()
        self.when_box.setEnabled(on)
        self.quiet_box.setEnabled(on)
        self.interval.setEnabled(self.interval_radio.isChecked())
        self.unit.setEnabled(self.interval_radio.isChecked())
        self.cron.setEnabled(self.cron_radio.isChecked())
        self.preset.setEnabled(self.cron_radio.isChecked())
        self.preview.clear()
        schedule = self.schedule()
        try:
            schedule.validate()
            runs = schedule.next_runs(5)
        except RooftopError as exc:
            self.error.setText(str(exc))
            self.words.setText("")
            self.changed.emit(False)
            return
        self.error.setText("")
        self.words.setText(schedule.describe() if on else "Only when started by hand (Sync now)")
        for when in runs:
            self.preview.addItem(f"{when:%A %d %B %Y, %H:%M}")
        if not runs:
            self.preview.addItem("No scheduled runs — the flow runs only when someone starts it.")
        self.changed.emit(True)


class ScheduleDialog(QDialog):
    def __init__(
        self, service: ScheduleService, flow_id: int, flow_name: str, schedule: Schedule,
        parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.service = service
        self.flow_id = flow_id
        self.saved: Schedule | None = None
        self.original = schedule
        self.setWindowTitle(f"Schedule — {flow_name}")
        self.setMinimumWidth(620)
        v = QVBoxLayout(self)
        self.form = ScheduleForm(schedule)
        v.addWidget(self.form)
        # the form's fields, as the dialog has always offered them
        f = self.form
        self.enabled, self.interval_radio, self.cron_radio = (
            f.enabled,
            f.interval_radio,
            f.cron_radio,
        )
        self.interval, self.unit, self.preset, self.cron = f.interval, f.unit, f.preset, f.cron
        self.quiet_box, self.quiet_start, self.quiet_end = f.quiet_box, f.quiet_start, f.quiet_end
        self.grace, self.words, self.error, self.preview = f.grace, f.words, f.error, f.preview

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        v.addWidget(self.buttons)
        self.form.changed.connect(self._changed)
        self._changed(not self.form.problem())

    def schedule(self) -> Schedule:
        return self.form.schedule()

    def _changed(self, valid: bool) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(valid)

    def save(self) -> None:
        schedule = self.schedule()
        self.buttons.setEnabled(False)
        run_in_background(
            self.service.save,
            self.flow_id,
            schedule,
            on_success=self._saved,
            on_failure=self._failed,
        )

    def _saved(self, schedule: Schedule) -> None:
        self.saved = schedule
        self.accept()

    def _failed(self, message: str) -> None:
        self.buttons.setEnabled(True)
        self.error.setText(message)
