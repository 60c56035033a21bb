"""The attempts of one record (its timeline), oldest first."""

from __future__ import annotations

from app.services import pii
from app.store.log_timeline import Attempt
from app.ui.formatting import full_time
from app.ui.models.rows_model import Column, RowsTableModel
from app.ui.models.sync_log_models import entity_label, short_time, trigger_text
from app.ui.theme import Status

_STATUS = {
    "delivered": (Status.OK, "Delivered"),
    "unchanged": (Status.OK, "Unchanged (not sent)"),
    "parked": (Status.ERROR, "Parked"),
    "failed": (Status.ERROR, "Failed in transit"),
    "planned": (Status.UNKNOWN, "Planned (dry run)"),
}


def attempt_status(a: Attempt) -> tuple[Status, str]:
    return _STATUS.get(a.status, (Status.UNKNOWN, a.status))


ACTION_WORDS = {
    "create": "Create",
    "update": "Update",
    "delete": "Delete",
    "reject": "Refused",
    "skip": "No change",
    "unchanged": "No change",
}


def _trigger(a: Attempt) -> str:
    replay = f" of event {a.replay_of}" if a.replay_of else ""
    return trigger_text(a.trigger, a.triggered_by) + replay


class AttemptsTableModel(RowsTableModel[Attempt]):
    """The attempts of one record; errors masked until ``set_reveal(True)``."""

    def __init__(self) -> None:
        self.reveal = False
        super().__init__([
            Column("When", lambda a: short_time(a.started_at),
                   tip=lambda a: f"Event {a.id} · run {a.run_id} · {full_time(a.started_at)}"),
            Column("Flow", lambda a: a.flow_name),
            Column("Record", lambda a: f"{entity_label(a.entity)} {a.record_key}"),
            Column("Trigger", _trigger),
            Column("Action", lambda a: ACTION_WORDS.get(a.action)
                   or a.action.replace("_", " ").capitalize()),
            Column("Status", lambda a: attempt_status(a)[1],
                   status=lambda a: attempt_status(a)[0]),
            # an error when the attempt failed, otherwise a note (why nothing was sent)
            Column("Details", lambda a: (self._error(a) or "").replace("\n", " "),
                   tip=self._error),
            Column("Destination id", lambda a: a.destination_id or ""),
        ])  # fmt: skip

    def _error(self, a: Attempt) -> str | None:
        return a.error if self.reveal else pii.mask_text(a.error)

    def set_reveal(self, reveal: bool) -> None:
        self.reveal = reveal
        self.changed_rows()

    def row_of(self, attempt_id: int) -> int:
        return self.row_where(lambda a: a.id == attempt_id)
