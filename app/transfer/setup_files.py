"""A whole rooftop's setup as one file: its connections (as ``profiles export`` writes
them), flows and feeds (as flow files hold them) and the alert rules. ``setup import``
adapts it per store (``--set connection.NAME.base_url=…``), takes secrets from this
computer's keyring where a reference is the profile's own, else from a secrets file or a
prompt, checks everything, and only then changes anything. ``--dry-run`` says what it
would do."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from app import __version__
from app.alerts import config as alert_config
from app.connectors.registry import get_kind
from app.errors import RooftopError
from app.services import audit
from app.services.flows import FlowService
from app.services.profile_transfer import (
    check_entry,
    import_entries,
    profile_entries,
    secrets_needed,
)
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import utcnow
from app.transfer.flow_files import (
    Connection,
    FlowFileError,
    FlowPlan,
    apply_plan,
    flow_document,
    plan_body,
    write_json,
)
from app.transfer.schema_check import SchemaProblems, check_schema, load_json

SETUP_FORMAT = "rooftop-sync/setup"
SETUP_VERSION = 1
SETUP_SCHEMA = "setup-file.schema.json"
# asks for a secret the file could not give: (connection, field label) -> value or None
Prompt = Callable[[str, str], str | None]


class SetupFileError(RooftopError):
    """A setup file that cannot be imported; ``problems`` lists every reason."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message, hint="\n".join(f"- {p}" for p in problems))
        self.problems = problems


@dataclass
class SetupReport:
    planned: list[str] = field(default_factory=list)  # what was (or would be) done
    warnings: list[str] = field(default_factory=list)
    applied: bool = False


# -- export ------------------------------------------------------------------------------
def setup_document(store: Store) -> dict[str, Any]:
    flows = FlowService(store).list()
    return {
        "format": SETUP_FORMAT,
        "version": SETUP_VERSION,
        "app_version": __version__,
        "exported_at": utcnow().isoformat(timespec="seconds"),
        "exported_by": audit.current_os_user(),
        "connections": profile_entries(ProfileService(store)),
        "flows": [flow_document(store, f.slug)["flow"] for f in flows],
        "alerts": asdict(alert_config.load(store)),
    }


def export_setup(store: Store, path: Path) -> dict[str, Any]:
    document = setup_document(store)
    write_json(path, document)
    with store.session() as s:
        audit.record(
            s,
            "export",
            "setup",
            object_name=str(path),
            extra={"connections": len(document["connections"]), "flows": len(document["flows"])},
        )
    return document


# -- --set KEY=VALUE ---------------------------------------------------------------------
def apply_sets(document: dict[str, Any], sets: Sequence[str]) -> list[str]:
    """Apply ``connection.NAME.a.b=value``, ``flow.ID.a.b=value`` and ``alerts.x=value``;
    returns the problems (a value is JSON when it parses as JSON, else text)."""
    problems = []
    for item in sets:
        key, sep, raw = item.partition("=")
        if not sep:
            problems.append(f"--set {item}: use KEY=VALUE")
            continue
        try:
            target, path = _target(document, key.strip())
        except KeyError as exc:
            problems.append(f"--set {key}: {exc.args[0]}")
            continue
        if not path:
            problems.append(f"--set {key}: say which setting, e.g. {key}.base_url")
            continue
        problem = _put(target, path, _value(raw))
        if problem:
            problems.append(f"--set {key}: {problem}")
    return problems


def _put(target: dict[str, Any], path: list[str], value: Any) -> str | None:
    node = target
    for part in path[:-1]:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            return f"'{part}' is not a group of settings"
        node = child
    node[path[-1]] = value
    return None


def _value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def _target(document: dict[str, Any], key: str) -> tuple[dict[str, Any], list[str]]:
    """The object a dotted key points into, and the path within it. Connection names may
    contain dots and spaces: the longest name that fits wins."""
    head, _, rest = key.partition(".")
    if head == "alerts":
        return document.setdefault("alerts", {}), rest.split(".") if rest else []
    if head == "connection":
        by_name = {c.get("name"): c for c in document.get("connections", [])}
        names = sorted((n for n in by_name if isinstance(n, str)), key=len, reverse=True)
        for name in names:
            if rest == name or rest.startswith(name + "."):
                inner = rest[len(name) + 1 :]
                entry = by_name[name]
                parts = inner.split(".") if inner else []
                if parts and parts[0] in ("settings", "secrets"):
                    return entry.setdefault(parts[0], {}), parts[1:]
                return entry.setdefault("settings", {}), parts
        raise KeyError(f"the file has no connection named like '{rest}'")
    if head == "flow":
        flow_id, _, inner = rest.partition(".")
        for flow in document.get("flows", []):
            if flow.get("id") == flow_id:
                return flow, inner.split(".") if inner else []
        raise KeyError(f"the file has no flow '{flow_id}'")
    raise KeyError("start with connection., flow. or alerts.")


# -- secrets -------------------------------------------------------------------------------
def merge_secrets(document: dict[str, Any], supplied: dict[str, Any]) -> list[str]:
    """Put values from a secrets file (``{"Connection name": {"field": "value"}}``) into
    the connections; returns the problems."""
    problems = []
    by_name = {c.get("name"): c for c in document.get("connections", [])}
    for name, values in supplied.items():
        if name not in by_name:
            problems.append(f"secrets file: the setup has no connection named '{name}'")
            continue
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            problems.append(f"secrets file: '{name}' must map field names to text values")
            continue
        by_name[name].setdefault("secrets", {}).update(values)
    return problems


def _ask_for_secrets(profiles: ProfileService, entries: list[Any], prompt: Prompt) -> None:
    for entry in entries:
        cls = get_kind(entry["kind"])
        by_label = {f.label: f.name for f in cls.fields if f.secret}
        for label in secrets_needed(profiles, entry):
            value = prompt(entry["name"], label)
            if value:
                entry.setdefault("secrets", {})[by_label[label]] = value


# -- import --------------------------------------------------------------------------------
def import_setup(
    store: Store,
    path: Path,
    *,
    dry_run: bool = False,
    sets: Sequence[str] = (),
    secrets_file: Path | None = None,
    prompt: Prompt | None = None,
) -> SetupReport:
    """Check the whole setup first; change nothing if anything is wrong."""
    document = _read(path)
    problems = apply_sets(document, sets)
    if secrets_file is not None:
        problems += _read_secrets(document, secrets_file)
    problems += _check_connections(document["connections"])
    brought = {
        c["name"]: Connection(c["name"], c["kind"], dict(c.get("settings") or {}))
        for c in document["connections"]
    }
    plans: list[FlowPlan] = []
    for n, body in enumerate(document["flows"]):
        try:
            plans.append(plan_body(store, body, at=f"$.flows[{n}]", brought=brought))
        except FlowFileError as exc:
            problems += exc.problems
    alerts = _alert_settings(document.get("alerts"), problems)
    if problems:
        raise SetupFileError("The setup cannot be imported; nothing was changed.", problems)
    profiles = ProfileService(store)
    report = _plan_report(store, document, plans, alerts)
    if dry_run:
        return report
    if prompt is not None:
        _ask_for_secrets(profiles, document["connections"], prompt)
    report.warnings = []
    imported = import_entries(profiles, document["connections"], replace=True)
    report.warnings += imported.warnings
    for plan in plans:
        apply_plan(store, plan, comment=f"setup import from {path.name}")
        report.warnings += plan.warnings
    if alerts is not None:
        alert_config.save(store, alerts)
    report.applied = True
    with store.session() as s:
        audit.record(s, "import", "setup", object_name=str(path), extra={"plan": report.planned})
    return report


def _read(path: Path) -> dict[str, Any]:
    try:
        document = load_json(path)
    except SchemaProblems as exc:
        raise SetupFileError(f"{path.name} cannot be read.", exc.problems) from None
    problems = check_schema(document, SETUP_SCHEMA)
    if problems:
        raise SetupFileError("The setup file does not have the expected shape.", problems)
    return dict(document)


def _read_secrets(document: dict[str, Any], secrets_file: Path) -> list[str]:
    try:
        supplied = load_json(secrets_file)
    except SchemaProblems as exc:
        raise SetupFileError(f"{secrets_file.name} cannot be read.", exc.problems) from None
    if not isinstance(supplied, dict):
        return ["secrets file: must be a JSON object of connection names"]
    return merge_secrets(document, supplied)


def _check_connections(entries: Iterable[dict[str, Any]]) -> list[str]:
    problems = []
    seen: set[str] = set()
    for n, entry in enumerate(entries):
        at = f"$.connections[{n}]"
        if entry["name"] in seen:
            problems.append(f"{at}.name: '{entry['name']}' appears twice")
        seen.add(entry["name"])
        problems += [f"{at} ({entry['name']}): {p}" for p in check_entry(entry)]
    return problems


def _alert_settings(raw: Any, problems: list[str]) -> alert_config.AlertSettings | None:
    if raw is None:
        return None
    known = {f.name for f in fields(alert_config.AlertSettings)}
    unknown = sorted(set(raw) - known)
    if unknown:
        problems.append(f"$.alerts: unknown setting(s) {', '.join(unknown)}")
        return None
    try:
        settings = alert_config.AlertSettings.from_json(raw)
        settings.validate()
    except (RooftopError, TypeError, ValueError) as exc:
        problems.append(f"$.alerts: {exc}")
        return None
    return settings


def _plan_report(
    store: Store,
    document: dict[str, Any],
    plans: list[FlowPlan],
    alerts: alert_config.AlertSettings | None,
) -> SetupReport:
    report = SetupReport()
    profiles = ProfileService(store)
    existing = {p.name: p for p in profiles.list()}
    for entry in document["connections"]:
        old = existing.get(entry["name"])
        if old is None:
            report.planned.append(f"create connection {entry['name']} ({entry['kind']})")
        else:
            cls = get_kind(entry["kind"])
            new = {
                f.name: f.coerce((entry.get("settings") or {}).get(f.name, f.default))
                for f in cls.fields
                if not f.secret
            }
            changed = sorted(k for k, v in new.items() if old.settings.get(k) != v)
            what = f"settings {', '.join(changed)}" if changed else "no setting changes"
            report.planned.append(f"update connection {entry['name']}: {what}")
        missing = secrets_needed(profiles, entry)
        if missing:
            report.warnings.append(
                f"{entry['name']}: no value for {', '.join(missing)} — give it in --secrets "
                "FILE, at the prompt, or in the profile editor afterwards"
            )
    report.planned += [p.describe() for p in plans]
    if alerts is not None:
        current = alert_config.load(store)
        report.planned.append(
            "alert settings: " + ("unchanged" if current == alerts else "replaced from the file")
        )
    return report
