"""The mapping editor's schema-drift banner: source fields the mapping reads that the
source lost (with a one-click fix when the new name is clear), source fields that are new
or changed type, and destination fields that are gone."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.mapping.drift import rename_candidates
from app.mapping.model import Mapping
from app.services import schema_drift
from app.services.mapping_loader import EditorData
from app.ui.theme import Status, status_colour


def drift_problems(data: EditorData, mapping: Mapping) -> tuple[dict[str, str], dict[str, str]]:
    """Source fields ``mapping`` reads that the sample does not have (or that the last run
    saw emptied): ``(problems, missing)``, the text to show for each and its likely new
    name ('' when there is no good guess)."""
    columns = [f.name for f in data.source_fields if f.kind != "missing"]
    if not data.sample.empty:
        columns = [str(c) for c in data.sample.columns]
    problems: dict[str, str] = {}
    missing: dict[str, str] = {}
    used = mapping.source_fields()
    unused = [c for c in columns if c not in mapping.source_fields()]
    for name in sorted(used):
        if name in columns:
            continue
        guess = rename_candidates(name, unused)
        missing[name] = guess[0][0] if guess else ""
        problems[name] = "missing from the source" + (
            f" — renamed to '{guess[0][0]}'?" if guess else ""
        )
    if data.drift is not None:
        for change in data.drift.blocking:
            if change.field not in problems and change.field in used:
                problems[change.field] = f"{change.detail}" + (
                    f" — renamed to '{change.suggestion}'?" if change.suggestion else ""
                )
                missing[change.field] = change.suggestion or ""
    return problems, missing


class DriftBanner(QWidget):
    """Hidden while there is no drift; ``apply_renames`` asks to use the suggested names."""

    apply_renames = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = QLabel()
        self.message.setObjectName("drift_banner")
        self.message.setWordWrap(True)
        self.fix_button = QPushButton()
        self.fix_button.setObjectName("apply_rename")
        self.fix_button.setVisible(False)
        self.fix_button.clicked.connect(self.apply_renames)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.message, 1)
        row.addWidget(self.fix_button)
        self.setVisible(False)

    def show_drift(
        self,
        problems: dict[str, str],
        drift: schema_drift.FlowDrift | None,
        renames: dict[str, str],
    ) -> None:
        """Show ``problems`` (from ``drift_problems``), what else ``drift`` found, and a
        button that applies ``renames`` (old source field -> new)."""
        lines = [f"'{k}': {v}" for k, v in problems.items()]
        if drift is not None:
            added = [c.field for c in drift.source.of("added")]
            if added:
                lines.append("New source fields since this mapping was saved: " + ", ".join(added))
            changed = [f"{c.field} ({c.detail})" for c in drift.source.of("type_changed")]
            if changed:
                lines.append("Type changed: " + ", ".join(changed))
            gone_dest = [c.field for c in drift.destination.gone()]
            if gone_dest:
                lines.append("Gone from the destination: " + ", ".join(gone_dest))
        self.setVisible(bool(lines))
        level = Status.ERROR if problems else Status.WARNING
        colour = status_colour(level).name()
        self.message.setText(
            f"<span style='color:{colour}'><b>Schema drift:</b> " + "<br>".join(lines) + "</span>"
        )
        self.fix_button.setVisible(bool(renames))
        if renames:
            self.fix_button.setText(
                "Use " + ", ".join(f"'{v}' for '{k}'" for k, v in renames.items())
            )
