"""What the new-flow wizard builds: a flow draft, the choices it starts from (streams,
keys, an auto-mapped mapping, a name), a dry run of it, and its save.

A draft is the ``flow`` object of a flow file, so saving goes through the flow-file
import's own checks (``plan_flow`` then ``apply_plan``): a flow made in the window and
one imported from a file pass the same validation against this computer's connections,
streams and fields, and are audited the same way."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from app.connectors.streams import StreamSpec
from app.mapping import automap, mapping_file
from app.mapping.model import Mapping, Rule
from app.scheduling.resync import FieldChange
from app.services.flows import FlowInfo, FlowService
from app.services.mapping_loader import target_rows
from app.services.mappings import validate
from app.services.profile_info import ProfileInfo
from app.services.profiles import ProfileService
from app.store import Store
from app.store.errors import NotFoundError
from app.sync.preview import LIMIT, preview_flow
from app.sync.progress import CancelToken, ProgressCallback
from app.transfer.flow_files import (
    FLOW_FORMAT,
    FLOW_VERSION,
    Connection,
    FlowFileError,
    FlowPlan,
    apply_plan,
    plan_flow,
    streams_of,
)

# DMS kinds, the ones a first flow reads best first (CDK lists no customers as a whole)
DMS_KINDS = ("star_rest", "dms_rest", "dms_file", "cdk_fortellis")
ENTITY_WORDS = {
    "customer": "customers",
    "vehicle": "vehicles",
    "inventory": "vehicles in stock",
    "deal": "deals",
    "repair_order": "repair orders",
    "appointment": "appointments",
    "lead": "leads",
    "activity": "activities",
}
DEFAULT_SCHEDULE = {"kind": "cron", "cron": "0 2 * * *", "enabled": True}


@dataclass(frozen=True)
class ConnectionStreams:
    """A connection and the streams its kind declares (read without the network)."""

    profile: ProfileInfo
    streams: dict[str, StreamSpec]

    @property
    def readable(self) -> list[StreamSpec]:
        return [s for s in self.streams.values() if s.readable]

    @property
    def writable(self) -> list[StreamSpec]:
        return [s for s in self.streams.values() if s.writable]


def connections(store: Store) -> list[ConnectionStreams]:
    """Every connection with its streams; kinds without streams (feed destinations) have
    none."""
    out = []
    for p in ProfileService(store).list():
        specs = streams_of(Connection(p.name, p.kind, dict(p.settings))) or {}
        out.append(ConnectionStreams(p, specs))
    return out


def entity_words(spec: StreamSpec) -> str:
    return ENTITY_WORDS.get(spec.entity, spec.entity.replace("_", " ") + "s")


@dataclass
class FlowDraft:
    """Everything the wizard asks, as plain data (it crosses threads)."""

    name: str = ""
    slug: str = ""  # the flow's id; '' until named (made from the name)
    description: str = ""
    source: str = ""  # connection names
    source_stream: str = ""
    dest: str = ""
    dest_stream: str = ""
    key_source: str = ""  # the source field that says which record it is
    key_target: str = ""  # the destination field that keeps it ('' = none)
    mapping: Mapping = field(default_factory=lambda: Mapping(()))
    ownership: dict[str, str] = field(default_factory=dict)  # target -> destination
    mode: str = "incremental"
    schedule: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_SCHEDULE))
    options: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True

    def copy(self) -> FlowDraft:
        """A copy another thread may read while the wizard goes on editing this one."""
        return replace(
            self,
            ownership=dict(self.ownership),
            schedule=dict(self.schedule),
            options=dict(self.options),
        )

    def body(self) -> dict[str, Any]:
        """The ``flow`` object of a flow file."""
        return {
            "id": self.slug,
            "name": self.name,
            "description": self.description,
            "enabled": self.enabled,
            "mode": self.mode,
            "source": {"connection": self.source, "stream": self.source_stream},
            "destination": {"connection": self.dest, "stream": self.dest_stream},
            "mapping": mapping_file.to_json(
                self.mapping,
                flow_name=self.name,
                source=self.source_stream,
                dest=self.dest_stream,
            ),
            "ownership": {k: v for k, v in self.ownership.items() if v == "destination"},
            "schedule": dict(self.schedule),
            "options": dict(self.options),
        }

    def document(self) -> dict[str, Any]:
        return {"format": FLOW_FORMAT, "version": FLOW_VERSION, "flow": self.body()}


# --- starting points -------------------------------------------------------------------
def preselect(found: list[ConnectionStreams]) -> tuple[str, str]:
    """The connections a first flow most likely joins: a DMS into another system that
    can be written to (the CRM). ('', '') when there is no such pair."""
    readers = [c for c in found if c.readable]
    rank = {kind: n for n, kind in enumerate(DMS_KINDS)}
    readers.sort(key=lambda c: (rank.get(c.profile.kind, 9), c.profile.name.casefold()))
    for src in readers:
        writers = [c for c in found if c.writable and c.profile.id != src.profile.id]
        writers.sort(key=lambda c: (c.profile.kind in DMS_KINDS, c.profile.name.casefold()))
        if writers:
            return src.profile.name, writers[0].profile.name
    return "", ""


def pair_streams(source: list[StreamSpec], dest: list[StreamSpec]) -> tuple[str, str]:
    """A source and a destination stream of the same kind of record, customers first."""
    order = ["customer", *dict.fromkeys(s.entity for s in source)]
    for entity in order:
        s = next((x for x in source if x.entity == entity and x.readable), None)
        d = next((x for x in dest if x.entity == entity and x.writable), None)
        if s is not None and d is not None:
            return s.name, d.name
    first = next((x.name for x in source if x.readable), "")
    return first, next((x.name for x in dest if x.writable), "")


def writable_targets(dest: StreamSpec) -> list[str]:
    """Destination fields a mapping may fill (not the ids and times it assigns itself)."""
    return [f.name for f in target_rows(dest) if not f.read_only]


def required_targets(dest: StreamSpec) -> list[str]:
    return [f.name for f in target_rows(dest) if f.required]


def suggest_keys(source: StreamSpec, dest: StreamSpec) -> tuple[str, str]:
    """(source field, destination field) that say which record is which: the destination
    field meant for another system's number (external_id) and the source field that
    auto-map ties to it, else the source's own key."""
    targets = writable_targets(dest)
    target = "external_id" if "external_id" in targets else ""
    if not target:
        found = automap.suggest([source.primary_key], targets, threshold=0.8)
        target = found[0].target if found else ""
    key = source.primary_key
    if target:
        found = automap.suggest(source.field_names(), [target], threshold=0.9)
        if found:
            key = found[0].source
    return key, target


def key_rule(key_source: str, key_target: str) -> Rule | None:
    return Rule(key_target, (key_source,), (), True) if key_source and key_target else None


def automapped(source: StreamSpec, dest: StreamSpec, key_source: str, key_target: str) -> Mapping:
    """The key's rule, then every field auto-map can pair by name or known synonym."""
    first = key_rule(key_source, key_target)
    targets = writable_targets(dest)
    already = {first.target: key_source} if first else {}
    found = automap.suggest(source.field_names(), targets, already=already)
    return automap.as_mapping(
        found, targets, required=set(required_targets(dest)), first=(first,) if first else ()
    )


def with_key(mapping: Mapping, old: tuple[str, str], key_source: str, key_target: str) -> Mapping:
    """``mapping`` with its key rule moved from ``old`` (source, target) to the new pair."""
    rules = [r for r in mapping.rules if (r.sources, r.target) != ((old[0],), old[1])]
    rules = [r for r in rules if r.target != key_target]
    first = key_rule(key_source, key_target)
    return Mapping(((first,) if first else ()) + tuple(rules))


def mapping_problems(mapping: Mapping, dest: StreamSpec) -> list[str]:
    return validate(mapping, required_targets(dest))


def suggest_name(source: ConnectionStreams, stream: StreamSpec, dest: ConnectionStreams) -> str:
    words = entity_words(stream)
    return f"{words[:1].upper()}{words[1:]}: {source.profile.name} → {dest.profile.name}"


def slug_of(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")
    return (text or "flow")[:80].strip("-")


def slug_for(name: str, taken: set[str]) -> str:
    """An id made from ``name`` that is not in ``taken`` (``-2``, ``-3``… when it is)."""
    base = slug_of(name)
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def free_slug(store: Store, name: str) -> str:
    """An unused flow id made from ``name``."""
    return slug_for(name, {f.slug for f in FlowService(store).list()})


def draft_of(store: Store, flow_ref: str | int) -> FlowDraft:
    """An existing flow as a draft (Edit…, Duplicate)."""
    flow = FlowService(store).get(flow_ref)
    profiles = ProfileService(store)
    src = profiles.get(flow.source_profile_id).name if flow.source_profile_id else ""
    dst = profiles.get(flow.dest_profile_id).name if flow.dest_profile_id else ""
    key = next((r for r in flow.mapping.rules if r.required and len(r.sources) == 1), None)
    return FlowDraft(
        name=flow.name,
        slug=flow.slug,
        description=flow.description,
        source=src,
        source_stream=flow.source_stream,
        dest=dst,
        dest_stream=flow.dest_stream,
        key_source=key.sources[0] if key and not key.steps else "",
        key_target=key.target if key and not key.steps else "",
        mapping=flow.mapping,
        ownership=dict(flow.ownership),
        mode=flow.mode,
        schedule=dict(flow.schedule) or dict(DEFAULT_SCHEDULE),
        options=dict(flow.options),
        enabled=flow.enabled,
    )


def copy_of(store: Store, flow_ref: str | int) -> FlowDraft:
    """A new draft like an existing flow (Duplicate): '(copy)' name, a free id."""
    draft = draft_of(store, flow_ref)
    name = f"{draft.name} (copy)"
    return replace(draft, name=name, slug=free_slug(store, name))


# --- check, dry run, save --------------------------------------------------------------
def check(store: Store, draft: FlowDraft, *, replacing: str | None = None) -> FlowPlan:
    """The flow-file import's checks on the draft; ``FlowFileError`` lists every problem.
    A draft may only take the id of the flow it edits (``replacing``)."""
    plan = plan_flow(store, draft.document())
    if plan.existing is not None and plan.existing.slug != replacing:
        raise FlowFileError(
            f"A flow with the id '{draft.slug}' exists already.",
            ["give this flow another name, or edit that flow instead"],
        )
    return plan


@dataclass
class DraftPreview:
    """What the dry run found: the first planned changes with their field diffs."""

    status: str  # dry_run | failed | cancelled
    error: str | None
    counts: dict[str, int]
    changes: list[FieldChange]  # one row per changed field
    records: int  # records with a change among the first ``limit``
    rejects: list[tuple[str, str]]  # key, why the destination would not get it
    complete: bool  # the whole source was read

    @property
    def passed(self) -> bool:
        """It ran, and not every record it read would be refused."""
        read = self.counts.get("read", 0)
        return self.status == "dry_run" and not (read and len(self.rejects) >= read)


def preview(
    store: Store,
    draft: FlowDraft,
    *,
    replacing: str | None = None,
    limit: int = LIMIT,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
) -> DraftPreview:
    """Check the draft, then dry-run it without saving anything (``app.sync.preview``)."""
    plan = check(store, draft, replacing=replacing)
    definition = plan.bound(ProfileService(store))
    existing = plan.existing
    info = FlowInfo(
        id=existing.id if existing else 0,
        slug=definition.slug,
        name=definition.name,
        source_profile_id=definition.source_profile_id,
        source_stream=definition.source_stream,
        dest_profile_id=definition.dest_profile_id,
        dest_stream=definition.dest_stream,
        mode=definition.mode,
        enabled=True,
        ownership=dict(definition.ownership),
        options=dict(definition.options),
        schedule=dict(definition.schedule),
        mapping=definition.mapping,
        mapping_version=0,
        cursor=None,
        last_run_status=None,
        last_run_at=None,
        description=definition.description,
    )
    summary = preview_flow(store, info, limit=limit, cancel=cancel, progress=progress)
    changes: list[FieldChange] = []
    records = 0
    for item in summary.plan:
        if item.action == "skip" or records >= limit:
            continue
        records += 1
        diff = item.diff or {"(no field changes — it is sent again as it is)": (None, None)}
        for name, (before, after) in diff.items():
            if before in (None, "") and after in (None, ""):
                continue  # empty before and after (a new record's empty field): no change
            changes.append(FieldChange(
                info.id, info.name, draft.dest, item.key, _who(item.full_payload),
                item.action, name, before, after,
            ))  # fmt: skip
    return DraftPreview(
        summary.status, summary.error, dict(summary.counts), changes, records,
        list(summary.rejects), summary.complete,
    )  # fmt: skip


def _who(payload: dict[str, Any]) -> str:
    """A record's name in words, when its mapped fields carry one."""
    parts = [str(payload.get(k) or "").strip() for k in ("first_name", "last_name")]
    name = " ".join(p for p in parts if p)
    return name or str(payload.get("name") or payload.get("vin") or "")


def save(
    store: Store, draft: FlowDraft, *, replacing: str | None = None, comment: str = ""
) -> FlowInfo:
    """Check and create (or, editing, replace) the flow; audited by the flow service."""
    plan = check(store, draft, replacing=replacing)
    words = "changed in the flow wizard" if replacing else "made in the new-flow wizard"
    return apply_plan(store, plan, comment=comment or words)


def flow_exists(store: Store, slug: str) -> bool:
    try:
        FlowService(store).get(slug)
    except NotFoundError:
        return False
    return True
