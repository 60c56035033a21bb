"""Export a mapping to a file and read one back, checking it before it is used, so a
dealer group can reuse a mapping across rooftops."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.mapping.catalog import validate_rule
from app.mapping.model import Mapping, Rule

FILE_FORMAT = "rooftop-sync/mapping-file"
FILE_VERSION = 1
NO_RULES = "The file has no rules."


@dataclass
class MappingFile:
    mapping: Mapping
    source_stream: str = ""
    dest_stream: str = ""
    flow_name: str = ""
    comment: str = ""
    problems: list[str] = field(default_factory=list)  # empty = safe to use


def to_json(
    mapping: Mapping, *, flow_name: str = "", source: str = "", dest: str = "", comment: str = ""
) -> dict[str, Any]:
    return {
        "format": FILE_FORMAT,
        "version": FILE_VERSION,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "flow": {"name": flow_name, "source_stream": source, "dest_stream": dest},
        "comment": comment,
        "mapping": mapping.to_json(),
    }


def write(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read(path: Path) -> MappingFile:
    """Parse a mapping file. Problems are listed rather than raised, so the person sees
    everything wrong at once; a file that is not a mapping at all has an empty mapping."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        return MappingFile(Mapping(()), problems=[f"The file cannot be read: {exc}"])
    except json.JSONDecodeError as exc:
        return MappingFile(
            Mapping(()), problems=[f"The file is not valid JSON (line {exc.lineno}): {exc.msg}."]
        )
    return parse(data)


def parse(data: Any) -> MappingFile:
    if not isinstance(data, dict) or data.get("format") != FILE_FORMAT:
        return MappingFile(
            Mapping(()),
            problems=["This is not a Rooftop Sync mapping file (its format marker is missing)."],
        )
    if int(data.get("version", 0)) > FILE_VERSION:
        return MappingFile(
            Mapping(()),
            problems=["This mapping file was made by a newer Rooftop Sync; update first."],
        )
    problems: list[str] = []
    raw_rules = (data.get("mapping") or {}).get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        problems.append(NO_RULES)
        raw_rules = []
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_rules, 1):
        try:
            rule = Rule.from_json(raw)
        except (KeyError, TypeError, AttributeError, ValueError):
            problems.append(f"Rule {i} is not in the expected shape (target, sources, steps).")
            continue
        if rule.target in seen:
            problems.append(f"Rule {i}: the target '{rule.target}' is mapped twice.")
        seen.add(rule.target)
        problems += validate_rule(rule)
        rules.append(rule)
    flow = data.get("flow") or {}
    return MappingFile(
        Mapping(tuple(rules)),
        str(flow.get("source_stream", "")),
        str(flow.get("dest_stream", "")),
        str(flow.get("name", "")),
        str(data.get("comment", "")),
        problems,
    )
