"""The new-feed wizard's last pages: where the file goes, when it is published (and
whether a sold unit leaves at once), and a preview of the feed with every unit left out
and why, then Save."""

from __future__ import annotations

import html
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.feeds.config import CHANNEL_LABELS
from app.services.profile_info import ProfileInfo
from app.transfer import feed_drafts
from app.transfer.feed_drafts import FeedPreview
from app.ui.dialogs.profile_dialog import ProfileDialog
from app.ui.icons import icon
from app.ui.models.preview_model import PreviewTableModel
from app.ui.theme import Status
from app.ui.wizards.common import WizardPage, fit_columns, muted, table
from app.ui.workers import run_in_background

if TYPE_CHECKING:
    from app.ui.wizards.feed_wizard import FeedWizard


def target_words(p: ProfileInfo) -> str:
    """Where a feed destination delivers, in a few words."""
    s = p.settings
    mode = str(s.get("delivery") or "http")
    if mode == "folder":
        return f"Saved in the folder {s.get('folder') or '(not set)'}"
    if mode == "sftp":
        return f"Uploaded by SFTP to {s.get('sftp_host') or '?'}:{s.get('sftp_folder') or '.'}"
    return f"Uploaded to {s.get('http_url') or '(not set)'} ({s.get('http_method') or 'PUT'})"


class TargetPage(WizardPage):
    def __init__(self, wizard: FeedWizard) -> None:
        super().__init__(
            "Where the feed goes",
            "A folder or network share, an SFTP server, or the channel's HTTPS upload "
            "address. The file is replaced in one go, so the channel never reads half a feed.",
            "target_page",
        )
        self.wiz = wizard
        form = QFormLayout()
        row = QHBoxLayout()
        self.target = QComboBox()
        self.target.setObjectName("feed_target")
        self.target.setMinimumWidth(360)
        self.target.setMaximumWidth(560)
        self.new_button = QPushButton(icon("mdi6.plus"), "New destination…")
        self.new_button.setObjectName("new_destination")
        row.addWidget(self.target, 1)
        row.addWidget(self.new_button)
        row.addStretch(1)
        form.addRow("Destination", row)
        self.body.addLayout(form)
        self.about = muted()
        self.body.addWidget(self.about)
        self.body.addStretch(1)
        self.finish_layout()
        self.dialog: ProfileDialog | None = None
        self.target.currentIndexChanged.connect(self._chosen)
        self.new_button.clicked.connect(self.new_destination)

    def initializePage(self) -> None:
        self.refresh()

    def refresh(self, select: str = "") -> None:
        choices = self.wiz.choices
        self.target.blockSignals(True)
        self.target.clear()
        for p in choices.targets if choices else []:
            self.target.addItem(icon("mdi6.folder-upload-outline"), p.name, p.name)
        wanted = select or self.wiz.draft.target
        self.target.setCurrentIndex(max(0, self.target.findData(wanted)))
        self.target.blockSignals(False)
        self._chosen()

    def _chosen(self) -> None:
        d = self.wiz.draft
        d.target = str(self.target.currentData() or "")
        choices = self.wiz.choices
        profile = (
            next((p for p in choices.targets if p.name == d.target), None) if choices else None
        )
        self.about.setText(target_words(profile) if profile else "")
        if not d.target:
            self.say(
                "Add where the feed goes: New destination… asks for the folder, the SFTP "
                "server or the upload address, and tests it before saving.",
                Status.WARNING,
            )
        else:
            self.say("")
        self.changed()

    def new_destination(self) -> ProfileDialog:
        choices = self.wiz.choices
        taken = {p.name for p in choices.targets} | choices.connection_names if choices else set()
        dialog = ProfileDialog(
            self.wiz.profiles, None, self.wiz, taken_names=taken, kind="feed_target"
        )
        channel = CHANNEL_LABELS[self.wiz.draft.channel]
        dialog.name_edit.setText(f"{channel} feed upload")
        dialog.accepted.connect(lambda: self._added(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _added(self, dialog: ProfileDialog) -> None:
        if dialog.saved is not None and self.wiz.choices is not None:
            self.wiz.choices.targets.append(dialog.saved)
            self.wiz.choices.connection_names.add(dialog.saved.name)
            self.refresh(select=dialog.saved.name)
            self.wiz.connections_changed.emit()

    def isComplete(self) -> bool:
        return bool(self.wiz.draft.target)


class PublishPage(WizardPage):
    def __init__(self, wizard: FeedWizard) -> None:
        super().__init__(
            "When it is published",
            "New and changed vehicles reach the channel on the next publication; a sold one "
            "can leave at once.",
            "publish_page",
        )
        self.wiz = wizard
        form = QFormLayout()
        self.every = QSpinBox()
        self.every.setObjectName("feed_every")
        self.every.setRange(5, 24 * 60)
        self.every.setSuffix(" minutes")
        self.every.setSingleStep(5)
        self.every.setMaximumWidth(180)
        form.addRow("Publish every", self.every)
        self.realtime = QCheckBox("Take a vehicle off the feed within seconds when it is sold")
        self.realtime.setObjectName("feed_realtime")
        form.addRow("Real-time removal", self.realtime)
        self.pending = QCheckBox("Keep listing vehicles with a deal pending")
        self.pending.setObjectName("feed_pending")
        form.addRow("Pending deals", self.pending)
        self.body.addLayout(form)
        self.how = muted()
        self.body.addWidget(self.how)
        self.body.addStretch(1)
        self.finish_layout()
        self.every.valueChanged.connect(self._changed)
        self.realtime.toggled.connect(self._changed)
        self.pending.toggled.connect(self._changed)

    def initializePage(self) -> None:
        d = self.wiz.draft
        self.every.setValue(max(5, d.interval_s // 60))
        self.realtime.setChecked(d.realtime)
        self.pending.setChecked(d.include_pending)
        self._changed()

    def _changed(self) -> None:
        d = self.wiz.draft
        d.interval_s = self.every.value() * 60
        d.realtime = self.realtime.isChecked()
        d.include_pending = self.pending.isChecked()
        choices = self.wiz.choices
        settings = choices.realtime if choices else None
        if not d.realtime:
            self.how.setText(
                "A sold vehicle leaves the feed at the next publication "
                f"(within {self.every.value()} minutes)."
            )
        elif settings is not None and settings.webhook:
            self.how.setText(
                "The DMS tells Rooftop Sync of each sale (a webhook to this computer, port "
                f"{settings.port or 'chosen at start'}); the feed is published again within "
                "seconds, while Rooftop Sync is running."
            )
        elif settings is not None and settings.poll_interval_s:
            self.how.setText(
                f"Rooftop Sync looks for sales in the DMS every {settings.poll_interval_s:g} "
                "seconds and publishes the feed again at once."
            )
        else:
            self.how.setText("The feed is published again as soon as the DMS reports a sale.")
        self.say("")


class PreviewPage(WizardPage):
    def __init__(self, wizard: FeedWizard) -> None:
        super().__init__(
            "Check it, then save",
            "The preview reads your DMS inventory and builds the feed as it would be "
            "published — nothing is uploaded. Save is enabled once it worked.",
            "feed_preview_page",
        )
        self.wiz = wizard
        self.result: FeedPreview | None = None
        self.error = ""
        self.previewed: object = None
        self.busy = False
        self.saving = False
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setObjectName("feed_name")
        form.addRow("Name", self.name)
        self.body.addLayout(form)
        bar = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setObjectName("feed_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.again = QPushButton(icon("mdi6.refresh"), "Preview again")
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.again, 0, Qt.AlignmentFlag.AlignTop)
        self.body.addLayout(bar)
        self.rows = PreviewTableModel()
        self.rows_table = table(self.rows, "feed_rows", stretch_last=False)
        self.left = PreviewTableModel()
        self.left_table = table(self.left, "feed_left_out")
        lower = QWidget()
        lower_v = QVBoxLayout(lower)
        lower_v.setContentsMargins(0, 4, 0, 0)
        self.left_title = muted()
        lower_v.addWidget(self.left_title)
        lower_v.addWidget(self.left_table, 1)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(self.rows_table)
        self.split.addWidget(lower)
        self.split.setSizes([240, 170])
        self.body.addWidget(self.split, 1)
        self.finish_layout()
        self.name.textChanged.connect(self._named)
        self.again.clicked.connect(self.preview)

    def initializePage(self) -> None:
        d = self.wiz.draft
        if not d.name:
            d.name = feed_drafts.default_name(d.channel)
        self.name.setText(d.name)
        if self.previewed != self._key() or self.result is None:
            self.preview()

    def _key(self) -> object:
        d = self.wiz.draft
        return (d.channel, d.dms, d.dealer, d.include_pending, d.mapping)

    def _named(self, text: str) -> None:
        self.wiz.draft.name = text.strip()
        self._show_state()

    def preview(self) -> None:
        if self.busy:
            return
        self.busy, self.result, self.error = True, None, ""
        self.previewed = self._key()
        self.rows.set_records([], [])
        self.left.set_records([], [])
        self.again.setEnabled(False)
        self._show_state()
        run_in_background(
            feed_drafts.preview, self.wiz.store, replace(self.wiz.draft),
            on_success=self._previewed, on_failure=self._failed, owner=self,
        )  # fmt: skip

    def _previewed(self, result: FeedPreview) -> None:
        self.busy, self.result = False, result
        self.again.setEnabled(True)
        self.rows.set_records(result.columns, result.rows)
        fit_columns(self.rows_table, 220)
        columns = ["VIN", "Stock number", "Why it is left out"]
        self.left.set_records(
            columns,
            [dict(zip(columns, (u.vin, u.stock_number, u.reason), strict=True))
             for u in result.left_out],
        )  # fmt: skip
        fit_columns(self.left_table)
        self._show_state()

    def _failed(self, message: str) -> None:
        self.busy, self.error = False, message
        self.again.setEnabled(True)
        self._show_state()

    def _show_state(self) -> None:
        r = self.result
        if self.saving:
            self.say("Saving…", Status.RUNNING)
        elif self.busy:
            self.summary.setText("")
            self.left_title.setText("")
            self.say(f"Reading the inventory from {self.wiz.draft.dms}…", Status.RUNNING)
        elif self.error:
            self.summary.setText("")
            self.say(f"The feed cannot be built: {self.error}")
        elif not self.wiz.draft.name:
            self.say("Give the feed a name.")
        elif r is not None:
            self.summary.setText(
                f"<b>{r.read:,} vehicles read</b>: {r.listed:,} in the feed, "
                f"{len(r.left_out):,} left out. The first {len(r.rows)} rows:"
            )
            problems = sum(1 for u in r.left_out if not u.reason.startswith("not for sale"))
            if not r.left_out:
                self.left_title.setText("No vehicle is left out.")
            else:
                self.left_title.setText(
                    f"Left out: {len(r.left_out):,} — {problems:,} need fixing in the DMS, "
                    f"{len(r.left_out) - problems:,} are not for sale:"
                )
            self.say("The preview worked. Save the feed when you are ready.", Status.OK)
        self.changed()

    def isComplete(self) -> bool:
        return bool(
            self.result is not None and not self.busy and not self.saving
            and self.wiz.draft.name and self.previewed == self._key()
        )  # fmt: skip

    def validatePage(self) -> bool:
        if self.wiz.saved_feed is not None:
            return True
        if not self.isComplete():
            return False
        self.saving = True
        self._show_state()
        self.wiz.save()
        return False

    def save_failed(self, message: str) -> None:
        self.saving = False
        self._show_state()
        self.say(f"Not saved: {html.escape(message)}")
