"""The new-flow wizard's first pages: the source connection and stream, the destination
connection and stream (only what can be written to), and the key on each side."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from app.connectors.streams import StreamSpec
from app.transfer import flow_drafts
from app.transfer.flow_drafts import ConnectionStreams, entity_words
from app.ui.icons import icon
from app.ui.theme import Status
from app.ui.wizards.common import WizardPage, muted

if TYPE_CHECKING:
    from app.ui.wizards.flow_wizard import FlowWizard

NAME_ROLE = Qt.ItemDataRole.UserRole


def _stream_item(spec: StreamSpec) -> QListWidgetItem:
    words = entity_words(spec)
    item = QListWidgetItem(f"{words[:1].upper()}{words[1:]}  ·  {spec.name}")
    item.setData(NAME_ROLE, spec.name)
    item.setToolTip(spec.description or spec.name)
    return item


def _about(spec: StreamSpec | None, connection: ConnectionStreams | None) -> str:
    if spec is None or connection is None:
        return ""
    p = connection.profile
    lines = [f"<b>{html.escape(p.name)}</b> — {html.escape(p.kind_label)}"]
    if spec.description:
        lines.append(html.escape(spec.description))
    return "<br>".join(lines)


class _EndPage(WizardPage):
    """A connection and one of its streams."""

    side = "source"

    def __init__(self, wizard: FlowWizard, title: str, subtitle: str, name: str) -> None:
        super().__init__(title, subtitle, name)
        self.wiz = wizard
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.connection = QComboBox()
        self.connection.setObjectName(f"{self.side}_connection")
        self.connection.setMinimumWidth(360)
        self.connection.setMaximumWidth(560)
        form.addRow("Connection", self.connection)
        self.streams = QListWidget()
        self.streams.setObjectName(f"{self.side}_streams")
        self.streams.setMinimumHeight(150)
        self.streams.setMaximumWidth(560)
        self.streams.setSpacing(3)
        form.addRow("Records", self.streams)
        self.body.addLayout(form)
        self.about = muted()
        self.about.setTextFormat(Qt.TextFormat.RichText)
        self.body.addWidget(self.about)
        self.body.addStretch(1)
        self.connection.currentIndexChanged.connect(self._connection_chosen)
        self.streams.currentItemChanged.connect(lambda *_: self._stream_chosen())
        self._filling = False

    # what each side offers ---------------------------------------------------------
    def candidates(self) -> list[ConnectionStreams]:
        raise NotImplementedError

    def specs_of(self, connection: ConnectionStreams) -> list[StreamSpec]:
        raise NotImplementedError

    def chosen(self) -> tuple[str, str]:
        raise NotImplementedError

    def choose(self, connection: str, stream: str) -> None:
        raise NotImplementedError

    # filling ------------------------------------------------------------------------
    def refresh(self) -> None:
        """Fill the connection list from what the wizard has read."""
        self._filling = True
        self.connection.clear()
        for c in self.candidates():
            self.connection.addItem(icon("mdi6.lan-connect"), c.profile.name, c.profile.name)
        connection, _stream = self.chosen()
        index = self.connection.findData(connection)
        self.connection.setCurrentIndex(max(0, index))
        self._filling = False
        self._connection_chosen()

    def _connection_chosen(self) -> None:
        if self._filling:
            return
        name = self.connection.currentData()
        c = self.wiz.connection(str(name)) if name else None
        _connection, stream = self.chosen()
        self.streams.blockSignals(True)
        self.streams.clear()
        specs = self.specs_of(c) if c else []
        for spec in specs:
            self.streams.addItem(_stream_item(spec))
        names = [s.name for s in specs]
        if stream not in names:
            stream = self.default_stream(c, specs) if c else ""
        if stream in names:
            self.streams.setCurrentRow(names.index(stream))
        self.streams.blockSignals(False)
        self._stream_chosen()

    def default_stream(self, connection: ConnectionStreams, specs: list[StreamSpec]) -> str:
        return specs[0].name if specs else ""

    def _stream_chosen(self) -> None:
        name = self.connection.currentData()
        item = self.streams.currentItem()
        stream = str(item.data(NAME_ROLE)) if item is not None else ""
        self.choose(str(name or ""), stream)
        c = self.wiz.connection(str(name)) if name else None
        spec = c.streams.get(stream) if c else None
        self.about.setText(_about(spec, c) + self.about_more(spec))
        self.check()
        self.changed()

    def about_more(self, spec: StreamSpec | None) -> str:
        return ""

    def check(self) -> None:
        raise NotImplementedError

    def isComplete(self) -> bool:
        connection, stream = self.chosen()
        return bool(connection and stream) and self.status.status != Status.ERROR


class SourcePage(_EndPage):
    side = "source"

    def __init__(self, wizard: FlowWizard) -> None:
        super().__init__(
            wizard,
            "Where the records come from",
            "Pick the system that has the records today — usually your DMS — and the kind "
            "of record to send.",
            "source_page",
        )
        self.go_connections = QPushButton(icon("mdi6.lan-connect"), "Open Connections")
        self.go_connections.setObjectName("open_connections")
        self.go_connections.hide()
        self.go_connections.clicked.connect(self._open_connections)
        row = QHBoxLayout()
        row.addWidget(self.go_connections)
        row.addStretch(1)
        self.body.addLayout(row)
        self.finish_layout()
        self.say("Reading your connections…", Status.RUNNING)

    def _open_connections(self) -> None:
        self.wiz.open_connections.emit()
        self.wiz.reject()

    def initializePage(self) -> None:
        if self.wiz.found is not None:
            self.refresh()

    def refresh(self) -> None:
        if self.wiz.found is not None and not self.wiz.draft.source:
            source, dest = flow_drafts.preselect(self.wiz.found)
            self.wiz.draft.source = source
            if not self.wiz.draft.dest:
                self.wiz.draft.dest = dest
        super().refresh()

    def candidates(self) -> list[ConnectionStreams]:
        return [c for c in self.wiz.found or [] if c.readable]

    def specs_of(self, connection: ConnectionStreams) -> list[StreamSpec]:
        return connection.readable

    def default_stream(self, connection: ConnectionStreams, specs: list[StreamSpec]) -> str:
        dest = self.wiz.connection(self.wiz.draft.dest)
        return flow_drafts.pair_streams(specs, dest.writable if dest else [])[0]

    def chosen(self) -> tuple[str, str]:
        return self.wiz.draft.source, self.wiz.draft.source_stream

    def choose(self, connection: str, stream: str) -> None:
        if self.wiz.found is None:
            return
        self.wiz.draft.source, self.wiz.draft.source_stream = connection, stream

    def about_more(self, spec: StreamSpec | None) -> str:
        if spec is None:
            return ""
        if spec.cursor_field:
            how = (
                f"<br>Each run reads only the {entity_words(spec)} changed since the last "
                "one, by the date each one last changed."
            )
        else:
            how = "<br>This source cannot say what changed: each run reads every record."
        return how

    def check(self) -> None:
        self.go_connections.hide()
        if self.wiz.found is None:
            self.say("Reading your connections…", Status.RUNNING)
        elif self.wiz.load_error:
            self.say(f"Your connections could not be read: {self.wiz.load_error}")
        elif not self.candidates():
            self.say(
                "No connection here has records to read yet. Add your DMS (and the system the "
                "records should go to) under Connections first."
            )
            self.go_connections.show()
        elif not self.wiz.draft.source_stream:
            self.say("Pick the kind of record to send.", Status.WARNING)
        else:
            self.say("")


class DestinationPage(_EndPage):
    side = "dest"

    def __init__(self, wizard: FlowWizard) -> None:
        super().__init__(
            wizard,
            "Where they go",
            "Pick the system that should receive them — your CRM, say — and where they go "
            "in it. Only what Rooftop Sync can write to is listed.",
            "dest_page",
        )
        self.finish_layout()

    def initializePage(self) -> None:
        self.refresh()

    def candidates(self) -> list[ConnectionStreams]:
        return [c for c in self.wiz.found or [] if c.writable]

    def specs_of(self, connection: ConnectionStreams) -> list[StreamSpec]:
        source = self.wiz.source_spec()
        entity = source.entity if source else ""
        # the same kind of record first: customers go to contacts, deals to deals
        return sorted(connection.writable, key=lambda s: s.entity != entity)

    def default_stream(self, connection: ConnectionStreams, specs: list[StreamSpec]) -> str:
        source = self.wiz.source_spec()
        if source is None:
            return specs[0].name if specs else ""
        return flow_drafts.pair_streams([source], specs)[1]

    def chosen(self) -> tuple[str, str]:
        return self.wiz.draft.dest, self.wiz.draft.dest_stream

    def choose(self, connection: str, stream: str) -> None:
        self.wiz.draft.dest, self.wiz.draft.dest_stream = connection, stream

    def check(self) -> None:
        d = self.wiz.draft
        source, dest = self.wiz.source_spec(), self.wiz.dest_spec()
        if not self.candidates():
            self.say(
                "No connection here can be written to. Add the system the records should go "
                "to (your CRM, say) under Connections."
            )
        elif not d.dest_stream:
            self.say("Pick where the records should go.", Status.WARNING)
        elif (d.source, d.source_stream) == (d.dest, d.dest_stream):
            self.say("That is where the records come from. Pick where they should go.")
        elif source is not None and dest is not None and source.entity != dest.entity:
            self.say(
                f"You are sending {entity_words(source)} into {entity_words(dest)}. That can "
                "be right (a service visit becomes a CRM activity), but check it is what you "
                "mean.",
                Status.WARNING,
            )
        else:
            self.say("")


class KeysPage(WizardPage):
    """Which source field says which record it is, and which destination field keeps it."""

    NONE = "(none — it finds records by itself)"

    def __init__(self, wizard: FlowWizard) -> None:
        super().__init__(
            "How a record is recognised on both sides",
            "So a customer is updated, never added twice, the destination keeps the "
            "source's number for each record.",
            "keys_page",
        )
        self.wiz = wizard
        self.intro = muted()
        self.body.addWidget(self.intro)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.source_key = QComboBox()
        self.source_key.setObjectName("source_key")
        self.source_key.setMinimumWidth(280)
        self.source_key.setMaximumWidth(420)
        self.dest_key = QComboBox()
        self.dest_key.setObjectName("dest_key")
        self.dest_key.setMinimumWidth(280)
        self.dest_key.setMaximumWidth(420)
        self.source_label = muted()
        self.dest_label = muted()
        form.addRow(self._caption(self.source_label), self.source_key)
        form.addRow(self._caption(self.dest_label), self.dest_key)
        self.body.addLayout(form)
        self.own_id = muted()
        self.own_id.setTextFormat(Qt.TextFormat.RichText)
        self.body.addWidget(self.own_id)
        self.body.addStretch(1)
        self.finish_layout()
        self.source_key.currentIndexChanged.connect(self._keys_chosen)
        self.dest_key.currentIndexChanged.connect(self._keys_chosen)
        self._filling = False

    @staticmethod
    def _caption(label: QWidget) -> QWidget:
        label.setObjectName("")
        label.setMinimumWidth(220)
        return label

    def initializePage(self) -> None:
        source, dest = self.wiz.source_spec(), self.wiz.dest_spec()
        d = self.wiz.draft
        if source is None or dest is None:
            return
        if self.wiz.ends_key() != self.wiz.mapped_for or not d.key_source:
            d.key_source, d.key_target = flow_drafts.suggest_keys(source, dest)
        self._filling = True
        self.source_key.clear()
        for name in source.field_names():
            self.source_key.addItem(name, name)
        self.source_key.setCurrentIndex(max(0, self.source_key.findData(d.key_source)))
        self.dest_key.clear()
        self.dest_key.addItem(self.NONE, "")
        for name in flow_drafts.writable_targets(dest):
            self.dest_key.addItem(name, name)
        self.dest_key.setCurrentIndex(max(0, self.dest_key.findData(d.key_target)))
        self._filling = False
        words = entity_words(source)
        self.source_label.setText(f"In {d.source}, each of the {words} is known by")
        self.dest_label.setText(f"{d.dest} keeps that number in")
        self.intro.setText(
            f"When Rooftop Sync sends one of the {words} again, {d.dest} must know it is one "
            f"it already has. Pick the field of {d.source} that identifies each record, and "
            f"the field of {d.dest} meant to hold another system's number."
        )
        assigned = dest.primary_key
        self.own_id.setText(
            f"{html.escape(d.dest)} also gives every record its own id (<i>{assigned}</i>); "
            "Rooftop Sync remembers it after the first send, so later changes go to the same "
            "record."
        )
        self._keys_chosen()

    def _keys_chosen(self) -> None:
        if self._filling:
            return
        d = self.wiz.draft
        old = (d.key_source, d.key_target)
        d.key_source = str(self.source_key.currentData() or "")
        d.key_target = str(self.dest_key.currentData() or "")
        if d.mapping.rules and (d.key_source, d.key_target) != old:
            d.mapping = flow_drafts.with_key(d.mapping, old, d.key_source, d.key_target)
        if not d.key_source:
            self.say("Pick the field that identifies each record.")
        elif not d.key_target:
            self.say(
                f"Without it, {d.dest} cannot tell a record it already has from a new one the "
                "first time; only records Rooftop Sync created itself are updated.",
                Status.WARNING,
            )
        else:
            self.say("")
        self.changed()

    def isComplete(self) -> bool:
        return bool(self.wiz.draft.key_source)
