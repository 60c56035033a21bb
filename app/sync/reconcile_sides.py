"""A flow's two ends opened for reconciliation: their streams, identity systems, the
comparer of the fields the flow maps, and the field both sides carry the source key in."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.connectors.base import Connector
from app.connectors.streams import Stream
from app.services.flow_options import DeleteSettings, delete_settings
from app.services.flows import FlowInfo
from app.services.privacy import tombstones
from app.services.privacy.tombstones import ErasedPeople
from app.services.profiles import ProfileService
from app.store import Store
from app.sync.compare import Comparer
from app.sync.errors import SyncError
from app.sync.flow_streams import stream_of


@dataclass
class Sides:
    """A flow's two ends, opened: streams, identity systems, the comparer."""

    flow: FlowInfo
    source: Stream
    dest: Stream
    source_system: str
    dest_system: str
    source_label: str
    dest_label: str
    comparer: Comparer
    match_field: str  # the field both sides carry the source key in ('' = links only)
    deletes: DeleteSettings
    connectors: list[Connector]
    erased: ErasedPeople = field(default_factory=ErasedPeople)  # as a run withholds them

    def close(self) -> None:
        for connector in self.connectors:
            connector.close()


def open_sides(store: Store, flow: FlowInfo) -> Sides:
    if flow.source_profile_id is None or flow.dest_profile_id is None:
        raise SyncError(f"Flow '{flow.name}' has no source or destination connection.")
    erased = tombstones.load(store)  # refuses to compare blind when the key is gone
    profiles = ProfileService(store)
    src_p, dst_p = profiles.get(flow.source_profile_id), profiles.get(flow.dest_profile_id)
    src_c, dst_c = profiles.connector(src_p.id), profiles.connector(dst_p.id)
    source = stream_of(src_c, flow.source_stream, "source")
    dest = stream_of(dst_c, flow.dest_stream, "destination")
    targets = flow.mapping.targets()
    owned = {f: o for f, o in flow.ownership.items() if o == "destination"}
    comparer = Comparer.for_flow(targets, dest, owned)
    match = str(flow.options.get("match_field") or "external_id")
    if match not in targets or match not in dest.spec.field_names():
        match = ""
    return Sides(
        flow,
        source,
        dest,
        profiles.identity_system(src_p),
        profiles.identity_system(dst_p),
        src_p.name,
        dst_p.name,
        comparer,
        match,
        delete_settings(flow.options),
        [src_c, dst_c],
        erased,
    )
