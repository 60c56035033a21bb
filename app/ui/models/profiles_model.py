"""The Connections table: one row per connection profile."""

from __future__ import annotations

from app.services.profile_info import ProfileInfo
from app.ui.formatting import full_time, relative_time
from app.ui.models.rows_model import Column, RowsTableModel
from app.ui.theme import Status


def test_status(profile: ProfileInfo, testing: bool = False) -> tuple[Status, str]:
    if testing:
        return Status.RUNNING, "Testing…"
    if profile.last_test_ok is None:
        return Status.UNKNOWN, "Not tested"
    if profile.last_test_ok:
        return Status.OK, "Connected"
    return Status.ERROR, "Failed"


class ProfilesTableModel(RowsTableModel[ProfileInfo]):
    def __init__(self) -> None:
        self._testing: set[int] = set()

        def status(p: ProfileInfo) -> tuple[Status, str]:
            return test_status(p, p.id in self._testing)

        super().__init__([
            Column("Name", lambda p: p.name + ("  [demo]" if p.is_demo else "")),
            Column("Kind", lambda p: p.kind_label),
            Column("Status", lambda p: status(p)[1], status=lambda p: status(p)[0],
                   tip=lambda p: p.last_test_message
                   or "Select the profile and press Test connection."),
            Column("Last tested", lambda p: relative_time(p.last_test_at),
                   sort=lambda p: p.last_test_at.timestamp() if p.last_test_at else 0.0,
                   tip=lambda p: full_time(p.last_test_at)),
            Column("Last used", lambda p: relative_time(p.last_used_at),
                   sort=lambda p: p.last_used_at.timestamp() if p.last_used_at else 0.0,
                   tip=lambda p: full_time(p.last_used_at)),
        ])  # fmt: skip

    def set_testing(self, profile_id: int, testing: bool) -> None:
        (self._testing.add if testing else self._testing.discard)(profile_id)
        row = self.row_of(profile_id)
        if row >= 0:
            self.changed_rows(row, row)

    def replace(self, profile: ProfileInfo) -> None:
        row = self.row_of(profile.id)
        if row >= 0:
            self.replace_row(row, profile)

    def row_of(self, profile_id: int) -> int:
        return self.row_where(lambda p: p.id == profile_id)
