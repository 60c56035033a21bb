"""What the mapping editor loads in a background worker: the flow, its mapping, the source's
fields with a real sample read from the source connection (or a CSV file), and the
destination's fields. Runs off the GUI thread; returns plain data only."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from app.connectors.streams import StreamSource, StreamSpec
from app.mapping.drift import Snapshot, snapshot_of
from app.mapping.model import Mapping
from app.services import schema_drift
from app.services.mappings import MappingService, flow_row
from app.services.profiles import ProfileService
from app.store import Store

SAMPLE_ROWS = 200


@dataclass(frozen=True)
class FieldRow:
    name: str
    kind: str = "string"
    required: bool = False
    description: str = ""
    read_only: bool = False  # assigned by the destination (its id, timestamps)


@dataclass
class EditorData:
    flow_id: int
    flow_name: str
    source_stream: str
    dest_stream: str
    key_column: str
    mapping: Mapping
    version: int
    source_fields: list[FieldRow]
    target_fields: list[FieldRow]
    sample: pd.DataFrame
    sample_origin: str
    drift: schema_drift.FlowDrift | None = None
    warnings: list[str] = field(default_factory=list)

    def snapshot(self) -> Snapshot:
        return snapshot_of([(f.name, f.kind, f.required) for f in self.source_fields], self.sample)


def load(store: Store, flow_ref: str | int, rows: int = SAMPLE_ROWS) -> EditorData:
    """Everything the editor needs, reading a sample from the source connection."""
    with store.session() as s:
        flow = flow_row(s, flow_ref)
        fid, name = flow.id, flow.name
        src_id, src_stream = flow.source_profile_id, flow.source_stream
        dst_id, dst_stream = flow.dest_profile_id, flow.dest_stream
    current = None
    try:
        current = MappingService(store).get(fid)
    except Exception:  # noqa: BLE001 — a flow without a mapping yet starts empty
        current = None
    mapping = current.mapping if current else Mapping(())
    data = load_ends(
        store, name, src_id, src_stream, dst_id, dst_stream, mapping, flow_id=fid, rows=rows
    )
    data.version = current.version if current else 0
    try:
        data.drift = schema_drift.flow_drift(store, fid, mapping)
    except Exception:  # noqa: BLE001 — no snapshots table or no runs yet
        data.drift = None
    return data


def target_rows(spec: StreamSpec) -> list[FieldRow]:
    """A destination stream's fields as the editor shows them: the ones the destination
    assigns itself (its id, timestamps) read-only and never required of the mapping."""
    assigned = {spec.primary_key, spec.cursor_field, "created_at", "updated_at"}
    return [
        FieldRow(
            f.name,
            str(f.kind),
            f.required and f.name not in assigned,
            f.description,
            f.name in assigned and f.name != "external_id",
        )
        for f in spec.fields
    ]


def load_ends(
    store: Store,
    name: str,
    src_id: int | None,
    src_stream: str,
    dst_id: int | None,
    dst_stream: str,
    mapping: Mapping,
    *,
    flow_id: int = 0,
    rows: int = SAMPLE_ROWS,
) -> EditorData:
    """The editor's data for two stream ends, saved as a flow or not (the new-flow
    wizard): both streams' fields and a sample read from the source connection."""
    profiles = ProfileService(store)
    warnings: list[str] = []
    source_fields: list[FieldRow] = []
    key = ""
    sample = pd.DataFrame()
    origin = "No sample yet"
    if src_id is not None:
        conn = profiles.connector(src_id)
        try:
            if isinstance(conn, StreamSource) and src_stream in conn.streams():
                stream = conn.streams()[src_stream]
                key = stream.spec.primary_key
                source_fields = [
                    FieldRow(f.name, str(f.kind), f.required, f.description)
                    for f in stream.spec.fields
                ]
                try:
                    first = next(iter(stream.read(None)), None)
                except Exception as exc:  # noqa: BLE001 — show the fields without samples
                    warnings.append(f"Could not read a sample from the source: {exc}")
                    first = None
                if first is not None:
                    sample = first.head(rows).reset_index(drop=True)
                    origin = (
                        f"{profiles.get(src_id).name} · {src_stream} · first {len(sample)} records"
                    )
        finally:
            conn.close()
    target_fields: list[FieldRow] = []
    if dst_id is not None:
        conn = profiles.connector(dst_id)
        try:
            if isinstance(conn, StreamSource) and dst_stream in conn.streams():
                target_fields = target_rows(conn.streams()[dst_stream].spec)
            else:
                warnings.append(no_target_fields_reason(profiles.get(dst_id).name, conn.label))
        finally:
            conn.close()
    for col in sample.columns:  # columns the data has beyond what the stream declares
        if col not in {f.name for f in source_fields}:
            source_fields.append(FieldRow(str(col)))
    return EditorData(
        flow_id,
        name,
        src_stream,
        dst_stream,
        key or (str(sample.columns[0]) if len(sample.columns) else ""),
        mapping,
        0,
        source_fields,
        target_fields,
        sample,
        origin,
        None,
        warnings,
    )


def no_target_fields_reason(name: str, kind_label: str) -> str:
    """Why the editor has no destination fields to offer (a feed destination, a file)."""
    return (
        f"'{name}' ({kind_label}) does not declare fields of its own, so there are no "
        "destination fields to map onto here. A feed's columns are chosen on the feed "
        "itself (Flows → Feeds → Edit feed); the names this mapping gives are sent as they are."
    )


def read_csv_sample(path: Path, rows: int = SAMPLE_ROWS) -> pd.DataFrame:
    """The first ``rows`` records of a CSV file, every value as text (UTF-8, else cp1252)."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                nrows=rows,
                encoding=encoding,
                sep=None,
                engine="python",
            )
        except UnicodeDecodeError:
            continue
    raise ValueError(f"{path.name} is neither UTF-8 nor Windows-1252 text.")


def with_csv_sample(data: EditorData, path: Path) -> EditorData:
    """The editor's data with the source fields and sample taken from a CSV file."""
    sample = read_csv_sample(path)
    fields = [FieldRow(str(c)) for c in sample.columns]
    key = data.key_column if data.key_column in sample.columns else str(sample.columns[0])
    return replace(
        data,
        sample=sample,
        source_fields=fields,
        key_column=key,
        sample_origin=f"{path.name} · first {len(sample)} records",
    )
