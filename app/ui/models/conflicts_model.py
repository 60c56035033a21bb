"""The Conflicts table: each recorded conflict with both values, who won and when, and
who owns the field today."""

from __future__ import annotations

from app.services.conflicts import ConflictView, FlowConflicts
from app.ui.formatting import full_time, relative_time
from app.ui.models.rows_model import Column, RowsTableModel


def _value(value: str | None) -> str:
    return "(empty)" if value in (None, "") else str(value)


class ConflictsModel(RowsTableModel[ConflictView]):
    def __init__(self) -> None:
        super().__init__(self._columns(None))
        self.flow: FlowConflicts | None = None

    @staticmethod
    def _columns(f: FlowConflicts | None) -> list[Column[ConflictView]]:
        source, dest = (f.source_name, f.dest_name) if f else ("the source", "the destination")
        system = f.system if f else (lambda owner: owner)
        return [
            Column("When", lambda c: relative_time(c.at), sort=lambda c: c.at.isoformat(),
                   tip=lambda c: full_time(c.at)),
            Column("Record", lambda c: c.record_key),
            Column("Field", lambda c: c.field),
            Column(f"Value in {source}", lambda c: _value(c.source_value),
                   sort=lambda c: c.source_value or "", tip=lambda c: _value(c.source_value)),
            Column(f"Value {dest} kept", lambda c: _value(c.kept_value),
                   sort=lambda c: c.kept_value or "", tip=lambda c: _value(c.kept_value)),
            Column("Won by", lambda c: system(c.winner), sort=lambda c: c.winner),
            Column("Owner now", lambda c: system(c.owner_now), sort=lambda c: c.owner_now),
        ]  # fmt: skip

    def show(self, flow: FlowConflicts | None, rows: list[ConflictView]) -> None:
        """The conflicts of ``flow`` (its systems name the value columns)."""
        self.beginResetModel()
        self.flow, self.columns, self._rows = flow, self._columns(flow), list(rows)
        self.endResetModel()
