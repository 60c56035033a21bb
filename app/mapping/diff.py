"""A readable, rule-by-rule difference between two versions of a mapping (for the
version history and the audit log)."""

from __future__ import annotations

from dataclasses import dataclass

from app.mapping.catalog import CATALOG
from app.mapping.model import Mapping, Rule, Step


def step_text(step: Step) -> str:
    spec = CATALOG.get(step.name)
    label = spec.label if spec else step.name
    shown = []
    for k, v in step.params.items():
        if spec and any(p.name == k and p.default == v for p in spec.params):
            continue
        if isinstance(v, dict):
            shown.append(f"{len(v)} codes" if k == "table" else f"{k}: {len(v)} entries")
        elif isinstance(v, bool):
            shown.append(k.replace("_", " ") if v else f"not {k.replace('_', ' ')}")
        else:
            shown.append(f"{k.replace('_', ' ')} {v!r}")
    return f"{label} ({', '.join(shown)})" if shown else label


def rule_text(rule: Rule) -> str:
    """'phone ← home_phone + work_phone: First non-empty → Phone → E.164 (required)'."""
    src = " + ".join(rule.sources) if rule.sources else "(no source)"
    chain = " → ".join(step_text(s) for s in rule.steps)
    text = f"{rule.target} ← {src}" + (f": {chain}" if chain else "")
    return text + (" (required)" if rule.required else "")


@dataclass(frozen=True)
class RuleChange:
    target: str
    change: str  # added | removed | changed
    before: str
    after: str

    def line(self) -> str:
        if self.change == "added":
            return f"+ {self.after}"
        if self.change == "removed":
            return f"− {self.before}"
        return f"~ {self.before}\n    now {self.after}"


def compare(old: Mapping | None, new: Mapping) -> list[RuleChange]:
    before = {r.target: r for r in (old.rules if old else ())}
    after = {r.target: r for r in new.rules}
    out: list[RuleChange] = []
    for target, rule in after.items():
        prev = before.get(target)
        if prev is None:
            out.append(RuleChange(target, "added", "", rule_text(rule)))
        elif prev != rule:
            out.append(RuleChange(target, "changed", rule_text(prev), rule_text(rule)))
    for target, rule in before.items():
        if target not in after:
            out.append(RuleChange(target, "removed", rule_text(rule), ""))
    return out


def describe(old: Mapping | None, new: Mapping) -> list[str]:
    """One line per changed rule; [] when nothing changed."""
    return [c.line() for c in compare(old, new)]
