"""Segments as the screen and the command line use them: definitions (the built-in ones
are there from the first look), settings, the do-not-contact list and erasures, reading
the data once, counts, samples and the CSV export."""

from __future__ import annotations

import builtins
import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import delete, select

from app.connectors.base import Connector
from app.segments import settings as seg_settings
from app.segments.builtin import Context
from app.segments.consent import Block, erased, screen
from app.segments.data import COLUMNS, SegmentData, conform, empty, from_folder, read_csv
from app.segments.errors import SegmentError
from app.segments.evaluate import MEMBER_COLUMNS, Evaluation, evaluate
from app.segments.model import CHANNELS, CUSTOM, KINDS, SegmentDef, builtin_segments
from app.segments.settings import SegmentSettings
from app.segments.valuation import ValuationSource, load_valuation
from app.services import audit
from app.services.privacy import tombstones
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import utcnow
from app.store.segment_models import ContactBlock, SegmentRow, SegmentSync

DMS_STREAMS = ("customers", "vehicles", "deals", "repair_orders")
EXPORT_COLUMNS = tuple(c for c in MEMBER_COLUMNS)


@dataclass
class Loaded:
    """Everything one evaluation pass needs, read once."""

    data: SegmentData
    valuation: ValuationSource | None
    blocks: list[Block]
    problems: list[str]
    context: Context | None = None

    def ctx(self) -> Context:
        if self.context is None:
            self.context = Context(self.data, self.valuation)
        return self.context


def _row_def(row: SegmentRow) -> SegmentDef:
    return SegmentDef.from_json(
        {
            "name": row.name,
            "kind": row.kind,
            "params": row.params,
            "conditions": row.conditions,
            "channel": row.channel,
            "description": row.description,
        }
    )


def read_stream(connector: Connector, name: str, frame: str) -> pd.DataFrame:
    streams = connector.streams() if hasattr(connector, "streams") else {}
    stream = streams.get(name)
    if stream is None:
        raise SegmentError(f"The connection ({connector.label}) has no '{name}' stream.")
    chunks = list(stream.read(None))
    return conform(frame, pd.concat(chunks, ignore_index=True) if chunks else None)


class SegmentService:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- definitions -----------------------------------------------------------------
    def list(self) -> list[SegmentDef]:
        """Every segment; the built-in ones are added the first time anyone looks."""
        with self.store.session() as s:
            rows = s.scalars(select(SegmentRow).order_by(SegmentRow.id)).all()
            if not rows:
                now = utcnow()
                for seg in builtin_segments():
                    s.add(
                        SegmentRow(
                            name=seg.name,
                            kind=seg.kind,
                            params={},
                            conditions=[],
                            channel="email",
                            description="",
                            created_at=now,
                            updated_at=now,
                        )
                    )
                s.flush()
                rows = s.scalars(select(SegmentRow).order_by(SegmentRow.id)).all()
            return [_row_def(r) for r in rows]

    def get(self, name: str) -> SegmentDef:
        for seg in self.list():
            if seg.name.lower() == name.strip().lower():
                return seg
        raise SegmentError(f"There is no segment named '{name}'.", hint="See segment list.")

    def save(self, seg: SegmentDef, *, old_name: str = "") -> SegmentDef:
        """Create or update (by ``old_name``, else by name)."""
        name = seg.name.strip()
        if not name:
            raise SegmentError("A segment needs a name.")
        if seg.kind != CUSTOM and seg.kind not in KINDS:
            raise SegmentError(f"Unknown segment kind '{seg.kind}'.")
        if seg.channel not in CHANNELS:
            raise SegmentError("A segment's channel is email or sms.")
        if seg.kind == CUSTOM and not seg.conditions:
            raise SegmentError("A custom segment needs at least one condition.")
        self.list()  # the built-ins first, so a new name never takes their place
        data = seg.to_json()
        with self.store.session() as s:
            key = (old_name or name).lower()
            row = next((r for r in s.scalars(select(SegmentRow)) if r.name.lower() == key), None)
            clash = s.scalar(select(SegmentRow).where(SegmentRow.name == name))
            if clash is not None and clash is not row:
                raise SegmentError(f"A segment named '{name}' already exists.")
            before = None if row is None else _row_def(row).to_json()
            if row is None:
                row = SegmentRow(created_at=utcnow())
                s.add(row)
            row.name, row.kind, row.params = name, seg.kind, data["params"]
            row.conditions, row.channel = data["conditions"], seg.channel
            row.description, row.updated_at = seg.description, utcnow()
            audit.record(s, "segment.save", "segment", object_name=name, before=before, after=data)
        return self.get(name)

    def delete(self, name: str) -> None:
        seg = self.get(name)
        with self.store.session() as s:
            s.execute(delete(SegmentRow).where(SegmentRow.name == seg.name))
            audit.record(s, "segment.delete", "segment", object_name=seg.name, before=seg.to_json())

    # -- settings ----------------------------------------------------------------------
    def settings(self) -> SegmentSettings:
        with self.store.session() as s:
            return seg_settings.load(s)

    def save_settings(self, value: SegmentSettings) -> None:
        with self.store.session() as s:
            before = seg_settings.load(s).to_json()
            seg_settings.save(s, value)
            audit.record(
                s,
                "segment.settings",
                "setting",
                object_name=seg_settings.KEY,
                before=before,
                after=value.to_json(),
            )

    # -- do-not-contact and erasures ---------------------------------------------------
    def blocks(self) -> builtins.list[Block]:
        with self.store.session() as s:
            return [
                Block(r.kind, r.customer_id, r.email, r.phone)
                for r in s.scalars(select(ContactBlock).order_by(ContactBlock.id))
            ]

    def block(
        self,
        kind: str,
        *,
        customer_id: str = "",
        email: str = "",
        phone: str = "",
        reason: str = "",
    ) -> None:
        """Put someone on the do-not-contact list, or record a privacy erasure."""
        if kind not in ("do_not_contact", "erasure"):
            raise SegmentError("A block is do_not_contact or erasure.")
        if not (customer_id.strip() or email.strip() or phone.strip()):
            raise SegmentError("Name the person: a DMS customer number, an e-mail or a phone.")
        with self.store.session() as s:
            s.add(
                ContactBlock(
                    kind=kind,
                    customer_id=customer_id.strip(),
                    email=email.strip(),
                    phone=phone.strip(),
                    reason=reason,
                    created_by=audit.current_os_user(),
                    created_at=utcnow(),
                )
            )
            audit.record(
                s,
                f"contact.{kind}",
                "contact",
                object_id=customer_id,
                object_name=email or phone,
                extra={"reason": reason},
            )

    # -- data --------------------------------------------------------------------------
    def load(self, dms: Connector | None = None, crm: Connector | None = None) -> Loaded:
        """Read the DMS (a connection, else the data folder), the CRM's opt-outs, the
        warranty extract and the valuation source, as the settings say. What cannot be
        read for one segment kind (no valuation file) is a problem, not a failure."""
        cfg = self.settings()
        problems: builtins.list[str] = []
        folder = Path(cfg.data_folder) if cfg.data_folder.strip() else None
        profiles = ProfileService(self.store)
        own: builtins.list[Connector] = []
        try:
            if dms is None and cfg.dms_profile.strip():
                dms = profiles.connector(profiles.get_by_name(cfg.dms_profile.strip()).id)
                own.append(dms)
            if dms is not None:
                frames = {n: read_stream(dms, n, n) for n in DMS_STREAMS}
                data = SegmentData(
                    customers=frames["customers"],
                    vehicles=frames["vehicles"],
                    deals=frames["deals"],
                    repair_orders=frames["repair_orders"],
                    today=cfg.today(),
                    sources={n: dms.label for n in DMS_STREAMS},
                )
                if folder is not None:
                    extra = from_folder(
                        folder,
                        today=cfg.today(),
                        optional=(
                            "customers",
                            "vehicles",
                            "deals",
                            "repair_orders",
                            "warranties",
                            "crm",
                        ),
                    )
                    data.warranties, data.crm = extra.warranties, extra.crm
            elif folder is not None:
                data = from_folder(folder, today=cfg.today())
            else:
                raise SegmentError(
                    "Segments have no data yet.",
                    hint="Choose the DMS connection (or an extract folder) in the settings.",
                )
            if crm is None and cfg.crm_profile.strip():
                crm = profiles.connector(profiles.get_by_name(cfg.crm_profile.strip()).id)
                own.append(crm)
            if crm is not None:
                data.crm = read_stream(crm, "contacts", "crm")
        finally:
            for c in own:
                c.close()
        if cfg.warranty_file.strip():
            data.warranties = conform("warranties", read_csv(Path(cfg.warranty_file)))
            data.sources["warranties"] = cfg.warranty_file
        valuation = None
        if cfg.valuation_file.strip():
            try:
                valuation = load_valuation(cfg.valuation_file)
            except SegmentError as exc:
                problems.append(str(exc))
        else:
            problems.append("No valuation source: equity mining cannot be evaluated.")
        blocks = self.blocks()
        if cfg.dms_profile.strip():  # people erased through the privacy tools (tombstones)
            blocks += self._erased(data, cfg.dms_profile.strip())
        return Loaded(data, valuation, blocks, problems)

    def _erased(self, data: SegmentData, dms_profile: str) -> builtins.list[Block]:
        erased = tombstones.load(self.store)
        if not erased:
            return []
        profiles = ProfileService(self.store)
        system = profiles.identity_system(profiles.get_by_name(dms_profile))
        return [
            Block("erasure", customer_id=cid)
            for cid in data.customers["customer_id"]
            if erased.ref_of("customer", system, str(cid))
        ]

    # -- evaluation and export ---------------------------------------------------------
    def evaluate(self, seg: SegmentDef, loaded: Loaded) -> Evaluation:
        return evaluate(seg, loaded.data, loaded.valuation, loaded.ctx())

    def counts(self, loaded: Loaded) -> builtins.list[tuple[SegmentDef, int | None, str]]:
        """(segment, member count or None, the problem) for every segment."""
        out: builtins.list[tuple[SegmentDef, int | None, str]] = []
        for seg in self.list():
            try:
                out.append((seg, self.evaluate(seg, loaded).count, ""))
            except SegmentError as exc:
                out.append((seg, None, str(exc)))
        return out

    def export(self, seg: SegmentDef, loaded: Loaded, out: Path) -> tuple[int, dict[str, int]]:
        """Write the segment's members who may be contacted on its channel to ``out``
        (CSV, one row per member, ``customer_id`` and ``email`` first). Returns (rows,
        left out by reason). Nobody under an erasure is ever written."""
        members = self.evaluate(seg, loaded).members
        keep = members[~erased(members, loaded.blocks)]
        kept, reasons = screen(keep, loaded.data, seg.channel, loaded.blocks)
        left = reasons.value_counts().to_dict()
        gone = int(len(members) - len(keep))
        if gone:
            left["erased"] = left.get("erased", 0) + gone
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        kept.loc[:, list(EXPORT_COLUMNS)].to_csv(out, index=False, quoting=csv.QUOTE_MINIMAL)
        return len(kept), {str(k): int(v) for k, v in left.items()}

    def recent_syncs(self, name: str, limit: int = 10) -> builtins.list[SegmentSync]:
        with self.store.session() as s:
            rows = s.scalars(
                select(SegmentSync)
                .where(SegmentSync.segment == name)
                .order_by(SegmentSync.at.desc(), SegmentSync.id.desc())
                .limit(limit)
            ).all()
            s.expunge_all()
            return list(rows)


__all__ = ["COLUMNS", "DMS_STREAMS", "Loaded", "SegmentService", "empty"]
