"""What a segment is: a name, a kind (a built-in rule or ``custom``), its parameters or
its conditions, and the channel its list is for (e-mail or SMS consent is asked apart).

Built-in kinds take a few numbers (``PARAMS``: label, default, presets); a custom
segment is conditions ``field operator value``, all of which must hold for one of the
customer's vehicles (or the customer alone when they have none) — built in the rule
editor from ``app.segments.fields``, never typed as SQL.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

CHANNELS = ("email", "sms")
CUSTOM = "custom"


@dataclass(frozen=True)
class Param:
    name: str
    label: str
    default: float
    presets: tuple[float, ...] = ()
    minimum: float = 0
    maximum: float = 1_000_000


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    description: str
    params: tuple[Param, ...] = ()
    text_params: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> choices


KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        Kind(
            "equity_mining",
            "Equity mining",
            "Customers whose vehicle is worth at least the threshold more than its payoff. "
            "Values come only from the valuation source in the settings.",
            (Param("min_equity", "Equity at least ($)", 3000, (1000, 3000, 5000, 10000)),),
        ),
        Kind(
            "lease_maturity",
            "Lease maturity",
            "Leases that end within the next N days.",
            (Param("days", "Lease ends within (days)", 90, (90, 60, 30), 1, 3650),),
        ),
        Kind(
            "service_retention",
            "Service retention",
            "A vehicle the customer still owns whose last repair order is older than N months.",
            (Param("months", "Last service older than (months)", 12, (6, 12, 18, 24), 1, 240),),
        ),
        Kind(
            "declined_work",
            "Declined work",
            "Repair orders with declined recommendations in the last N days, naming the work.",
            (Param("days", "Declined in the last (days)", 90, (30, 60, 90, 180), 1, 3650),),
        ),
        Kind(
            "warranty_ending",
            "Warranty / CPO ending",
            "Warranty coverage (factory or CPO) of a vehicle still owned that ends within "
            "the next N days.",
            (Param("days", "Coverage ends within (days)", 90, (30, 60, 90, 180), 1, 3650),),
            {"coverage": ("any", "BASIC", "POWERTRAIN", "CPO")},
        ),
        Kind(
            "birthday_month",
            "Birthday month",
            "Customers whose birthday falls in this month (or N months ahead).",
            (Param("months_ahead", "Months ahead", 0, (0, 1), 0, 11),),
        ),
        Kind(
            "first_service_due",
            "First service due",
            "Vehicles sold here in the last two years with no repair order since the sale, "
            "once N months have passed or (new vehicles) the odometer reached N miles.",
            (
                Param("months", "Months since sale", 6, (3, 6, 12), 1, 24),
                Param("miles", "Or miles (new vehicles)", 5000, (3000, 5000, 7500), 0, 100_000),
            ),
        ),
    )
}
BUILTIN_NAMES = {
    "equity_mining": "Equity mining",
    "lease_maturity": "Lease maturity 90 days",
    "service_retention": "Service lapsed 12 months",
    "declined_work": "Declined work 90 days",
    "warranty_ending": "Warranty ending 90 days",
    "birthday_month": "Birthday this month",
    "first_service_due": "First service due",
}


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: str = ""


@dataclass(frozen=True)
class SegmentDef:
    name: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    conditions: tuple[Condition, ...] = ()
    channel: str = "email"
    description: str = ""

    def param(self, name: str) -> Any:
        if name in self.params:
            return self.params[name]
        kind = KINDS.get(self.kind)
        for p in kind.params if kind else ():
            if p.name == name:
                return p.default
        if kind and name in kind.text_params:
            return kind.text_params[name][0]
        raise KeyError(name)

    @property
    def label(self) -> str:
        return "Custom rule" if self.kind == CUSTOM else KINDS[self.kind].label

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "params": dict(self.params),
            "conditions": [asdict(c) for c in self.conditions],
            "channel": self.channel,
            "description": self.description,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SegmentDef:
        return cls(
            name=str(data["name"]),
            kind=str(data.get("kind") or CUSTOM),
            params=dict(data.get("params") or {}),
            conditions=tuple(
                Condition(str(c["field"]), str(c["op"]), str(c.get("value", "")))
                for c in data.get("conditions") or []
            ),
            channel=str(data.get("channel") or "email"),
            description=str(data.get("description") or ""),
        )


def builtin_segments() -> list[SegmentDef]:
    """One segment of every built-in kind, with the default parameters."""
    return [SegmentDef(BUILTIN_NAMES[k], k) for k in KINDS]
