"""The mapping model and its JSON form (what is stored, versioned, exported)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FORMAT = "rooftop-sync/mapping"


@dataclass(frozen=True)
class Step:
    """One transform in a rule's chain, by name, with its parameters."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "params": dict(self.params)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Step:
        return cls(str(data["name"]), dict(data.get("params") or {}))


@dataclass(frozen=True)
class Rule:
    """``target <- steps(sources)``. With several sources the first step combines them
    (concat, coalesce, join_name); without sources the chain starts empty (constant)."""

    target: str
    sources: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()
    # A record whose required target is empty or invalid is parked instead of sent.
    required: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "sources": list(self.sources),
            "steps": [s.to_json() for s in self.steps],
            "required": self.required,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rule:
        return cls(
            str(data["target"]),
            tuple(str(s) for s in data.get("sources") or ()),
            tuple(Step.from_json(s) for s in data.get("steps") or ()),
            bool(data.get("required", False)),
        )


def rule(
    target: str,
    *sources: str,
    steps: tuple[Step, ...] | list[Step] = (),
    required: bool = False,
) -> Rule:
    """Shorthand used by built-in mappings: ``rule("email", "EMAIL", steps=[Step("email")])``."""
    return Rule(target, tuple(sources), tuple(steps), required)


@dataclass(frozen=True)
class Mapping:
    rules: tuple[Rule, ...]

    def targets(self) -> list[str]:
        return [r.target for r in self.rules]

    def required_targets(self) -> list[str]:
        return [r.target for r in self.rules if r.required]

    def source_fields(self) -> set[str]:
        return {s for r in self.rules for s in r.sources}

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": 1, "rules": [r.to_json() for r in self.rules]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Mapping:
        return cls(tuple(Rule.from_json(r) for r in data.get("rules") or ()))
