"""The new-feed wizard's first pages: the channel, the DMS inventory it reads, and the
dealer details the channel requires."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)

from app.feeds.config import CHANNEL_LABELS
from app.feeds.setup import DEALER_NEEDS, dealer_problem
from app.formats.feeds.common import DealerInfo
from app.ui.icons import icon
from app.ui.theme import Status
from app.ui.wizards.common import WizardPage, muted

if TYPE_CHECKING:
    from app.ui.wizards.feed_wizard import FeedWizard

CHANNEL_TEXT = {
    "google": "Vehicle ads and free listings on Google: a tab-separated file in Google's "
    "vehicle listings format, read by Google from where you publish it.",
    "meta": "Facebook and Instagram vehicle ads: Meta's automotive inventory catalog (a CSV file).",
    "website": "Your dealer website's inventory page: a CSV file with the columns your web "
    "provider asks for.",
}
DEALER_GRID = (
    ("name", "store_code"),
    ("street", "city"),
    ("region", "postal_code"),
    ("country", "phone"),
    ("vdp_url",),
    ("latitude", "longitude"),
)
DEALER_TIPS = {
    "store_code": "The store code of your Google Business Profile (Google matches the "
    "vehicles to your store by it).",
    "vdp_url": "Each vehicle's page on your website: {vin} or {stock_number} is replaced "
    "by the vehicle's own.",
    "latitude": "Optional: where the store is, for Meta's map (e.g. 39.7817).",
}
DEALER_LABELS = {
    "store_code": "Store code",
    "name": "Dealership name",
    "street": "Street address",
    "city": "City",
    "region": "State",
    "postal_code": "ZIP code",
    "country": "Country",
    "phone": "Phone",
    "vdp_url": "Vehicle page address",
    "currency": "Currency",
    "mileage_unit": "Mileage in",
    "latitude": "Latitude",
    "longitude": "Longitude",
}
DEALER_HINTS = {
    "vdp_url": "https://www.yourstore.com/inventory/{vin}",
    "phone": "+1 217 555 0100",
    "store_code": "e.g. STORE-001",
}


class ChannelPage(WizardPage):
    def __init__(self, wizard: FeedWizard) -> None:
        super().__init__(
            "Where the vehicles are listed",
            "Pick the channel this feed is for. Each channel gets its own feed; set up "
            "another one for the next channel.",
            "channel_page",
        )
        self.wiz = wizard
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for channel, label in CHANNEL_LABELS.items():
            words = "Website CSV" if channel == "website" else label
            button = QRadioButton(words)
            button.setObjectName(f"channel_{channel}")
            button.setStyleSheet("font-weight: 600;")
            self.group.addButton(button)
            self.buttons[channel] = button
            self.body.addWidget(button)
            text = muted(CHANNEL_TEXT[channel])
            text.setContentsMargins(24, 0, 0, 10)
            self.body.addWidget(text)
        self.body.addStretch(1)
        self.finish_layout()
        self.buttons[wizard.draft.channel].setChecked(True)
        self.group.buttonToggled.connect(lambda *_: self._chosen())

    def _chosen(self) -> None:
        for channel, button in self.buttons.items():
            if button.isChecked():
                self.wiz.draft.channel = channel
        self.changed()


class DmsPage(WizardPage):
    def __init__(self, wizard: FeedWizard) -> None:
        super().__init__(
            "Which DMS has the vehicles",
            "The feed lists the vehicles for sale in your DMS inventory. Pick the connection "
            "that reads it.",
            "dms_page",
        )
        self.wiz = wizard
        form = QFormLayout()
        self.dms = QComboBox()
        self.dms.setObjectName("feed_dms")
        self.dms.setMinimumWidth(360)
        self.dms.setMaximumWidth(560)
        form.addRow("DMS connection", self.dms)
        self.body.addLayout(form)
        self.about = muted(
            "Units without a valid VIN, listed twice, or missing what the channel requires "
            "are left out — the preview at the end lists each one with the reason."
        )
        self.body.addWidget(self.about)
        self.go_connections = QPushButton(icon("mdi6.lan-connect"), "Open Connections")
        self.go_connections.setObjectName("open_connections")
        self.go_connections.hide()
        self.go_connections.clicked.connect(self._open_connections)
        row = QHBoxLayout()
        row.addWidget(self.go_connections)
        row.addStretch(1)
        self.body.addLayout(row)
        self.body.addStretch(1)
        self.finish_layout()
        self.dms.currentIndexChanged.connect(self._chosen)
        self.say("Reading your connections…", Status.RUNNING)

    def _open_connections(self) -> None:
        self.wiz.open_connections.emit()
        self.wiz.reject()

    def initializePage(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        choices = self.wiz.choices
        self.dms.blockSignals(True)
        self.dms.clear()
        for name in choices.dms if choices else []:
            self.dms.addItem(icon("mdi6.database-outline"), name, name)
        self.dms.setCurrentIndex(max(0, self.dms.findData(self.wiz.draft.dms)))
        self.dms.blockSignals(False)
        self._chosen()

    def _chosen(self) -> None:
        self.wiz.draft.dms = str(self.dms.currentData() or "")
        choices = self.wiz.choices
        self.go_connections.hide()
        if choices is None:
            self.say("Reading your connections…", Status.RUNNING)
        elif not choices.dms:
            self.say(
                "No connection here reads a DMS inventory. Add your DMS (the STAR standard, "
                "a REST DMS or a CSV extract) under Connections first."
            )
            self.go_connections.show()
        else:
            self.say("")
        self.changed()

    def isComplete(self) -> bool:
        return bool(self.wiz.draft.dms)


class DealerPage(WizardPage):
    def __init__(self, wizard: FeedWizard) -> None:
        super().__init__(
            "Your dealership's details",
            "The channel shows these with every vehicle. Fields marked * are required by "
            "the channel you picked.",
            "dealer_page",
        )
        self.wiz = wizard
        self.inputs: dict[str, QLineEdit] = {}
        self.labels: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        for row, pair in enumerate(DEALER_GRID):
            for col, name in enumerate(pair):
                label = QLabel(DEALER_LABELS.get(name, name))
                edit = QLineEdit()
                edit.setObjectName(f"dealer_{name}")
                edit.setPlaceholderText(DEALER_HINTS.get(name, ""))
                edit.setToolTip(DEALER_TIPS.get(name, ""))
                edit.textChanged.connect(self._edited)
                span = 3 if len(pair) == 1 else 1
                grid.addWidget(label, row, col * 2)
                grid.addWidget(edit, row, col * 2 + 1, 1, span)
                self.inputs[name], self.labels[name] = edit, label
        row = len(DEALER_GRID)
        self.mileage = QComboBox()
        self.mileage.setObjectName("dealer_mileage_unit")
        self.mileage.addItem("miles", "miles")
        self.mileage.addItem("kilometres", "km")
        self.currency = QLineEdit()
        self.currency.setObjectName("dealer_currency")
        self.currency.setMaxLength(3)
        grid.addWidget(QLabel("Mileage in"), row, 0)
        grid.addWidget(self.mileage, row, 1)
        grid.addWidget(QLabel("Currency"), row, 2)
        grid.addWidget(self.currency, row, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        form = QWidget()  # no wider than a person reads at once on a big screen
        form.setMaximumWidth(1000)
        form.setLayout(grid)
        self.body.addWidget(form)
        self.note = muted(
            "The vehicle page address takes {vin} or {stock_number}, replaced by each "
            "vehicle's own, e.g. https://www.yourstore.com/inventory/{vin}."
        )
        self.body.addWidget(self.note)
        self.body.addStretch(1)
        self.finish_layout()
        self.mileage.currentIndexChanged.connect(self._edited)
        self.currency.textChanged.connect(self._edited)
        self._filling = False

    def initializePage(self) -> None:
        d = self.wiz.draft.dealer
        self._filling = True
        for name, edit in self.inputs.items():
            edit.setText(str(getattr(d, name)))
        self.mileage.setCurrentIndex(max(0, self.mileage.findData(d.mileage_unit)))
        self.currency.setText(d.currency)
        self._filling = False
        needs = DEALER_NEEDS.get(self.wiz.draft.channel, ())
        for name, label in self.labels.items():
            label.setText(DEALER_LABELS.get(name, name) + (" *" if name in needs else ""))
        self._edited()

    def dealer(self) -> DealerInfo:
        values = {name: edit.text().strip() for name, edit in self.inputs.items()}
        return DealerInfo(
            **values,
            mileage_unit=str(self.mileage.currentData() or "miles"),
            currency=self.currency.text().strip().upper() or "USD",
        )

    def _edited(self) -> None:
        if self._filling:
            return
        dealer = self.dealer()
        self.wiz.draft.dealer = dealer
        channel = self.wiz.draft.channel
        problem = dealer_problem(channel, dealer)
        needs = set(DEALER_NEEDS.get(channel, ()))
        for name, edit in self.inputs.items():
            missing = name in needs and not edit.text().strip()
            edit.setProperty("missing", missing)
            edit.setStyleSheet("border: 1px solid #c62828;" if missing else "")
        if dealer.vdp_url and not ("{vin}" in dealer.vdp_url or "{stock_number}" in dealer.vdp_url):
            self.say(
                "The vehicle page address needs {vin} or {stock_number}, so each vehicle links "
                "to its own page.",
                Status.WARNING,
            )
        elif problem:
            self.say(problem)
        elif channel == "website":
            self.say(
                "The website file needs no dealer details; they are kept for the other "
                "channels. Its columns are the standard ones — change them after saving, "
                "under Mappings.",
                Status.OK,
            )
        else:
            self.say("")
        self.changed()

    def isComplete(self) -> bool:
        return not dealer_problem(self.wiz.draft.channel, self.wiz.draft.dealer)
