"""Flows (and inventory feeds, which are flows too) as files: export one, check one
against this computer's connections before anything changes, import it.

The format is ``resources/schemas/flow-file.schema.json`` (format ``rooftop-sync/flow``).
Reading reports every problem with where it is: a JSON syntax error as line:column, a
schema error as a JSON path and what is wrong, a connection, stream or source field this
computer does not have by its name. Nothing is half-imported: a file with a problem
changes nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from app import __version__
from app.connectors.registry import get_kind
from app.connectors.streams import StreamSource, StreamSpec
from app.errors import RooftopError
from app.feeds.config import is_feed
from app.mapping import mapping_file
from app.scheduling.errors import ScheduleError
from app.scheduling.schedule import Schedule
from app.services import audit
from app.services.flows import FlowDefinition, FlowInfo, FlowService
from app.services.profile_info import ProfileInfo
from app.services.profiles import ProfileService
from app.store import Store
from app.store.errors import NotFoundError
from app.store.models import utcnow
from app.transfer.schema_check import SchemaProblems, check_schema, load_json

FLOW_FORMAT = "rooftop-sync/flow"
FLOW_VERSION = 1
FLOW_SCHEMA = "flow-file.schema.json"


class FlowFileError(RooftopError):
    """A flow file that cannot be imported; ``problems`` lists every reason."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message, hint="\n".join(f"- {p}" for p in problems))
        self.problems = problems


@dataclass
class FlowPlan:
    """What importing one flow would do, checked against this computer (and the
    connections a setup file brings along)."""

    definition: FlowDefinition  # profile ids are 0 until the connections exist
    source_connection: str
    dest_connection: str
    enabled: bool
    existing: FlowInfo | None
    warnings: list[str] = field(default_factory=list)

    @property
    def action(self) -> str:
        return "replace" if self.existing is not None else "create"

    def describe(self) -> str:
        d = self.definition
        what = "feed" if is_feed(d.options) else "flow"
        return (
            f"{self.action} {what} {d.slug} ({d.name}): {self.source_connection} "
            f"{d.source_stream} -> {self.dest_connection} {d.dest_stream}, "
            f"{len(d.mapping.rules)} mapping rule(s)"
        )

    def bound(self, profiles: ProfileService) -> FlowDefinition:
        """The definition with the connections' ids on this computer."""
        return replace(
            self.definition,
            source_profile_id=profiles.get_by_name(self.source_connection).id,
            dest_profile_id=profiles.get_by_name(self.dest_connection).id,
        )


@dataclass(frozen=True)
class Connection:
    """A connection as far as checking a flow needs: its kind and settings."""

    name: str
    kind: str
    settings: dict[str, Any]


# -- export ------------------------------------------------------------------------------
def flow_document(store: Store, ref: str | int) -> dict[str, Any]:
    """One flow as a file's JSON (connections by name, never their secrets)."""
    flow = FlowService(store).get(ref)
    profiles = ProfileService(store)
    source = profiles.get(flow.source_profile_id) if flow.source_profile_id else None
    dest = profiles.get(flow.dest_profile_id) if flow.dest_profile_id else None
    body: dict[str, Any] = {
        "id": flow.slug,
        "name": flow.name,
        "description": flow.description,
        "enabled": flow.enabled,
        "mode": flow.mode,
        "source": _end(source, flow.source_stream),
        "destination": _end(dest, flow.dest_stream),
        "mapping": mapping_file.to_json(
            flow.mapping,
            flow_name=flow.name,
            source=flow.source_stream,
            dest=flow.dest_stream,
            comment=f"version {flow.mapping_version}",
        ),
        "ownership": dict(flow.ownership),
        "schedule": dict(flow.schedule),
        "options": dict(flow.options),
    }
    return {
        "format": FLOW_FORMAT,
        "version": FLOW_VERSION,
        "app_version": __version__,
        "exported_at": utcnow().isoformat(timespec="seconds"),
        "flow": body,
    }


def _end(profile: ProfileInfo | None, stream: str) -> dict[str, str]:
    out = {"connection": profile.name if profile else "", "stream": stream}
    if profile is not None:
        specs = streams_of(Connection(profile.name, profile.kind, dict(profile.settings)))
        if specs and stream in specs:
            out["key"] = specs[stream].primary_key
    return out


def export_flow(store: Store, ref: str | int, path: Path) -> Path:
    document = flow_document(store, ref)
    write_json(path, document)
    with store.session() as s:
        audit.record(s, "export", "flow", object_id=document["flow"]["id"], object_name=str(path))
    return path


def write_json(path: Path, document: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


# -- check -------------------------------------------------------------------------------
def plan_flow(
    store: Store,
    document: Any,
    *,
    where: str = "$",
    brought: dict[str, Connection] | None = None,
) -> FlowPlan:
    """Check a flow document (already parsed) against the schema and this computer's
    connections, streams and fields — plus the connections in ``brought`` (a setup file's,
    which win over same-named ones here); raises ``FlowFileError`` with every problem."""
    problems = check_schema(document, FLOW_SCHEMA, where=where)
    if problems:
        raise FlowFileError("The flow file does not have the expected shape.", problems)
    return plan_body(store, document["flow"], at=f"{where}.flow", brought=brought)


def plan_body(
    store: Store, body: dict[str, Any], *, at: str, brought: dict[str, Connection] | None = None
) -> FlowPlan:
    """``plan_flow`` for the flow object itself (schema already checked)."""
    known = _connections(store, brought or {})
    found: list[str] = []
    specs: dict[str, StreamSpec | None] = {}
    for side in ("source", "destination"):
        specs[side] = _check_end(known, body[side], f"{at}.{side}", found)
    parsed = mapping_file.parse(body["mapping"])
    feed = is_feed(body.get("options") or {})
    found += [
        f"{at}.mapping: {p}"
        for p in parsed.problems
        if not (feed and not parsed.mapping.rules and p == mapping_file.NO_RULES)
    ]  # a Google or Meta feed has its channel's own columns and no rules
    source_spec, dest_spec = specs["source"], specs["destination"]
    if source_spec is not None:
        names = set(source_spec.field_names())
        for n, rule in enumerate(parsed.mapping.rules):
            for m, name in enumerate(rule.sources):
                if name not in names:
                    found.append(
                        f"{at}.mapping.mapping.rules[{n}].sources[{m}]: the source stream "
                        f"'{source_spec.name}' has no field '{name}'"
                    )
    if dest_spec is not None and not dest_spec.writable and not is_feed(body.get("options") or {}):
        found.append(f"{at}.destination.stream: '{dest_spec.name}' cannot be written to")
    try:
        Schedule.from_json(body.get("schedule") or {}).validate()
    except (ScheduleError, KeyError, TypeError, ValueError) as exc:
        found.append(f"{at}.schedule: {exc}")
    if found:
        raise FlowFileError("The flow file refers to things this computer does not have.", found)
    warnings = [
        f"{at}.ownership: '{target}' is not a field the mapping fills"
        for target in body.get("ownership") or {}
        if target not in {r.target for r in parsed.mapping.rules}
    ]
    definition = FlowDefinition(
        slug=body["id"],
        name=body["name"],
        source_profile_id=0,
        source_stream=body["source"]["stream"],
        dest_profile_id=0,
        dest_stream=body["destination"]["stream"],
        mapping=parsed.mapping,
        mode=body.get("mode", "incremental"),
        ownership={k: v for k, v in (body.get("ownership") or {}).items() if v == "destination"},
        options=dict(body.get("options") or {}),
        schedule=dict(body.get("schedule") or {}),
        description=str(body.get("description") or ""),
    )
    try:
        existing: FlowInfo | None = FlowService(store).get(body["id"])
    except NotFoundError:
        existing = None
    return FlowPlan(
        definition,
        body["source"]["connection"],
        body["destination"]["connection"],
        bool(body.get("enabled", True)),
        existing,
        warnings,
    )


def _connections(store: Store, brought: dict[str, Connection]) -> dict[str, Connection]:
    here = {
        p.name: Connection(p.name, p.kind, dict(p.settings)) for p in ProfileService(store).list()
    }
    return {**here, **brought}


def _check_end(
    known: dict[str, Connection], end: dict[str, Any], at: str, found: list[str]
) -> StreamSpec | None:
    connection = known.get(end["connection"])
    if connection is None:
        found.append(
            f"{at}.connection: there is no connection named '{end['connection']}' here "
            "(import it first: profiles import, or setup import)"
        )
        return None
    streams = streams_of(connection)
    if streams is None:  # a kind without streams (a feed destination)
        return None
    spec = streams.get(end["stream"])
    if spec is None:
        found.append(
            f"{at}.stream: '{connection.name}' has no stream '{end['stream']}' "
            f"(it has: {', '.join(sorted(streams))})"
        )
        return None
    if end.get("key") and end["key"] != spec.primary_key:
        found.append(
            f"{at}.key: the records of '{spec.name}' are keyed by '{spec.primary_key}', "
            f"not '{end['key']}'"
        )
    return spec


def streams_of(connection: Connection) -> dict[str, StreamSpec] | None:
    """The stream specs of a connection's kind (None for kinds without streams)."""
    try:
        cls = get_kind(connection.kind)
        connector = cls(
            {f.name: f.coerce(connection.settings.get(f.name, f.default))
             for f in cls.fields if not f.secret},
            {},
        )  # fmt: skip
    except (RooftopError, TypeError, ValueError):
        return None
    try:
        if not isinstance(connector, StreamSource):
            return None
        return {name: stream.spec for name, stream in connector.streams().items()}
    except RooftopError:
        return None
    finally:
        connector.close()


# -- import ------------------------------------------------------------------------------
def apply_plan(store: Store, plan: FlowPlan, *, comment: str) -> FlowInfo:
    """Create or replace the flow as planned (one transaction for the flow itself; its
    cursor, history and identity links stay when it is replaced)."""
    flows = FlowService(store)
    info = flows.upsert(plan.bound(ProfileService(store)), comment=comment)
    if info.enabled != plan.enabled:
        info = flows.set_enabled(info.slug, plan.enabled)
    return info


def read_flow_file(path: Path) -> Any:
    try:
        return load_json(path)
    except SchemaProblems as exc:
        raise FlowFileError(f"{path.name} cannot be read.", exc.problems) from None


def import_flow(store: Store, path: Path, *, replace: bool = False) -> tuple[FlowPlan, FlowInfo]:
    """Check, then create or (with ``replace``) replace the flow in the file."""
    plan = plan_flow(store, read_flow_file(path))
    if plan.existing is not None and not replace:
        raise FlowFileError(
            f"A flow '{plan.definition.slug}' already exists.",
            ["use --replace to replace it (its history, cursor and links are kept)"],
        )
    return plan, apply_plan(store, plan, comment=f"imported from {path.name}")


def export_feed_config(store: Store, ref: str | int, path: Path) -> Path:
    """A feed's settings as a flow file (a feed is a flow from the inventory)."""
    if not is_feed(FlowService(store).get(ref).options):
        raise FlowFileError(f"'{ref}' is a sync flow, not a feed.", ["use flow export for it"])
    return export_flow(store, ref, path)


def import_feed_config(
    store: Store, path: Path, *, replace: bool = False
) -> tuple[FlowPlan, FlowInfo]:
    document = read_flow_file(path)
    plan = plan_flow(store, document)
    if not is_feed(plan.definition.options):
        raise FlowFileError(
            f"{path.name} holds a sync flow, not a feed.", ["use flow import for it"]
        )
    return import_flow(store, path, replace=replace)
