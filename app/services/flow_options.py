"""A flow's settings for proving the systems agree: how deletes and inactive records are
handled, shadow mode (parallel running), and its scheduled reconciliation. They live in
the flow's ``options`` (so a flow file and the new-flow wizard carry them); this module
is the one place that reads them and says them in words.

``options["deletes"]``::

    {"handling": "ignore" | "inactive" | "delete",
     "inactive_when": {"field": "status", "values": ["INACTIVE", "DELETED"]}}

``handling`` may also be given alone as a string. ``inactive_when`` names the source
field (and its values, compared case-insensitively) that says a record is gone or
inactive; a source stream that marks deleted records itself puts ``"true"`` in the
``_deleted`` column (``DELETED_COLUMN``). A source that cannot tell deletes at all (most
DMS APIs simply stop listing a deleted customer) surfaces them through reconciliation:
records only in the destination that this flow delivered.

``options["shadow"]``: true while the flow runs in parallel with an old integration —
it reads, maps and plans, sends nothing, and reports what it would change.

``options["reconcile"]``: ``{"schedule": {...as the schedule dialog saves it...}}``, a
scheduled reconciliation (e.g. weekly, ``{"cron": "0 3 * * 0"}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DELETE_HANDLING = ("ignore", "inactive", "delete")
DELETE_LABELS = {
    "ignore": "Ignore deletes (keep the record in the destination)",
    "inactive": "Mark inactive / archive in the destination",
    "delete": "Delete in the destination, where it allows",
}
DELETE_HELP = (
    "What happens in the destination when a record is deleted or marked inactive in the "
    "source. Ignore (the default) leaves the destination's record as it is. Mark inactive "
    "archives it or marks it inactive; Delete removes it, where the destination allows "
    "(the Generic REST CRM allows both; Elead and CDK allow neither, and such records are "
    "listed in the run instead). Every removal is a line in the Sync Log, never silent. "
    "Most DMS APIs do not say that a customer was deleted — they just stop listing it: "
    "such deletes show up in Reconcile as 'only in the destination', from where they can "
    "be carried out. Name a source field under 'Inactive when' if the source marks "
    "inactive records (e.g. a STATUS column in an extract)."
)
DELETED_COLUMN = "_deleted"  # a source stream's own "this record was deleted" marker
SHADOW_HELP = (
    "Shadow mode runs the flow in parallel with the integration it replaces: it reads, "
    "maps and plans as usual, sends nothing, and compares its plan with what the "
    "destination holds now. Go live when the shadow report shows only the differences "
    "you expect."
)


@dataclass(frozen=True)
class DeleteSettings:
    handling: str = "ignore"
    field: str = ""  # the source field that says a record is inactive ("" = none)
    values: tuple[str, ...] = ()  # its values that mean inactive (case-insensitive)

    @property
    def active(self) -> bool:
        return self.handling != "ignore"

    def describe(self) -> str:
        text = DELETE_LABELS.get(self.handling, self.handling)
        if self.active and self.field:
            text += f"; inactive when {self.field} is {' or '.join(self.values) or 'set'}"
        return text

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"handling": self.handling}
        if self.field:
            out["inactive_when"] = {"field": self.field, "values": list(self.values)}
        return out


def delete_settings(options: Mapping[str, Any]) -> DeleteSettings:
    """The flow's delete handling (``ignore`` when unset or unreadable)."""
    raw = options.get("deletes")
    if isinstance(raw, str):
        raw = {"handling": raw}
    if not isinstance(raw, Mapping):
        return DeleteSettings()
    handling = str(raw.get("handling") or "ignore")
    if handling not in DELETE_HANDLING:
        handling = "ignore"
    when = raw.get("inactive_when")
    if isinstance(when, Mapping) and when.get("field"):
        values = when.get("values") or []
        if isinstance(values, str):
            values = [values]
        return DeleteSettings(
            handling, str(when["field"]), tuple(str(v).strip().upper() for v in values)
        )
    return DeleteSettings(handling)


def delete_problems(options: Mapping[str, Any], removals: tuple[str, ...]) -> list[str]:
    """What is wrong with the delete settings for a destination that can do ``removals``
    (empty when fine)."""
    raw = options.get("deletes")
    out: list[str] = []
    if raw is None:
        return out
    handling = raw if isinstance(raw, str) else (raw or {}).get("handling", "ignore")
    if handling not in DELETE_HANDLING:
        out.append(f"deletes: '{handling}' is not one of {', '.join(DELETE_HANDLING)}")
    elif handling != "ignore" and handling not in removals:
        can = " or ".join(removals) if removals else "neither mark inactive nor delete"
        out.append(
            f"deletes: the destination cannot '{handling}' records (it can {can}); "
            "such records are listed in each run instead"
        )
    return out


def is_shadow(options: Mapping[str, Any]) -> bool:
    return bool(options.get("shadow"))


@dataclass(frozen=True)
class ReconcileSettings:
    schedule: dict[str, Any] = field(default_factory=dict)  # as the schedule dialog saves it


def reconcile_settings(options: Mapping[str, Any]) -> ReconcileSettings:
    raw = options.get("reconcile")
    if not isinstance(raw, Mapping):
        return ReconcileSettings()
    schedule = raw.get("schedule")
    return ReconcileSettings(dict(schedule) if isinstance(schedule, Mapping) else {})
