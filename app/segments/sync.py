"""Sync a segment to a marketing platform list, as a flow run (scheduled like any flow,
in the sync log and on the dashboard).

A segment's list sync is a flow whose options say ``kind=segment`` and name the
segment; its destination is the Klaviyo connection. One run:

1. evaluate the segment (``SegmentService.load`` reads the DMS as the settings say);
2. consent first (``consent.screen``): erased, do-not-contact, no address, DMS and CRM
   opt-outs are left out; then everyone Klaviyo reports unsubscribed or suppressed on
   the segment's channel;
3. find or create the list named after the segment, read its members;
4. write the profiles that are new to the list or whose campaign fields changed (or all,
   ``full``) with those fields as properties, adding them to the list;
5. remove members who left the segment — or opted out since;
6. record outcomes, what was delivered, and a ``segment_syncs`` row with how many were
   left out for consent, by reason.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import delete, select

from app.connectors.klaviyo import KlaviyoConnector
from app.connectors.klaviyo_lists import KlaviyoLists
from app.errors import RooftopError
from app.mapping.model import Mapping
from app.segments.consent import REASONS, counts, digits, erased, screen
from app.segments.errors import SegmentError
from app.segments.model import SegmentDef
from app.segments.service import Loaded, SegmentService
from app.services.flows import FlowDefinition, FlowInfo, FlowService
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import DeliveryState
from app.store.segment_models import SegmentSync
from app.sync import run_log, state
from app.sync.engine import RunSummary
from app.sync.hashing import payload_hash
from app.sync.run_log import Outcome, OutcomeStatus

log = logging.getLogger(__name__)
SEGMENT_KIND = "segment"
ENTITY = "list_member"
DEFAULT_INTERVAL_S = 86_400
PROPERTIES = (
    "vehicle_year",
    "vehicle_make",
    "vehicle_model",
    "lease_end_date",
    "equity",
    "equity_source",
    "declined_work",
    "warranty_end_date",
    "warranty_coverage",
    "last_service_date",
    "sale_date",
    "birthday_month",
)


def is_segment(options: dict[str, Any]) -> bool:
    return options.get("kind") == SEGMENT_KIND


def slug_of(name: str) -> str:
    return "segment-" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "list")


def list_name(seg: SegmentDef) -> str:
    """The list at the platform is named by the rule (SMS lists say so)."""
    return seg.name if seg.channel == "email" else f"{seg.name} (SMS)"


def segment_flows(store: Store) -> list[FlowInfo]:
    return [f for f in FlowService(store).list() if is_segment(f.options)]


def save_segment_flow(
    store: Store,
    segment: str,
    marketing_profile: str,
    *,
    interval_s: int = DEFAULT_INTERVAL_S,
) -> FlowInfo:
    """Create or update the flow that keeps ``segment``'s list at ``marketing_profile``."""
    svc = SegmentService(store)
    seg = svc.get(segment)
    profiles = ProfileService(store)
    dest = profiles.get_by_name(marketing_profile)
    if dest.kind != "klaviyo":
        raise SegmentError(f"'{dest.name}' is not a Klaviyo connection.")
    cfg = svc.settings()
    source = profiles.get_by_name(cfg.dms_profile).id if cfg.dms_profile.strip() else dest.id
    return FlowService(store).upsert(
        FlowDefinition(
            slug=slug_of(seg.name),
            name=f"Segment: {seg.name} → {dest.name}",
            source_profile_id=source,
            source_stream="customers" if cfg.dms_profile.strip() else "segment",
            dest_profile_id=dest.id,
            dest_stream="lists",
            mapping=Mapping(()),
            mode="full",
            options={"kind": SEGMENT_KIND, "segment": seg.name},
            schedule={"interval_s": int(interval_s)},
            description=f"Keeps the {dest.kind} list '{list_name(seg)}' equal to the segment "
            f"'{seg.name}' (list membership API); consent first.",
        )
    )


@dataclass
class SegmentRunSummary:
    run_id: int
    flow: str
    segment: str
    status: str = "failed"
    list_id: str = ""
    members: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0
    left_out: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    elapsed_s: float = 0.0

    @property
    def left_out_total(self) -> int:
        return sum(self.left_out.values())

    def as_run_summary(self) -> RunSummary:
        counts_ = {
            "read": self.members + self.left_out_total,
            "created": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "parked": 0,
            "conflicts": 0,
        }
        return RunSummary(self.run_id, self.flow, self.status, counts_, self.error, self.elapsed_s)

    def line(self) -> str:
        if self.status == "failed":
            return f"{self.segment}: failed — {self.error}"
        why = ", ".join(f"{n} {REASONS[k]}" for k, n in self.left_out.items())
        return (
            f"{self.segment}: {self.members:,} on list {self.list_id} ({self.added} added, "
            f"{self.updated} updated, {self.removed} removed, {self.failed} not sent); "
            f"{self.left_out_total} left out for consent" + (f" ({why})" if why else "")
        )


def _payload(row: pd.Series, channel: str) -> dict[str, Any]:
    props = {"dms_customer_id": row["customer_id"]}
    props.update({k: row[k] for k in PROPERTIES if str(row[k])})
    out: dict[str, Any] = {
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "properties": json.dumps(props, sort_keys=True),
    }
    if channel == "email":
        out["email"] = row["email"].strip()
    else:
        out["phone_number"] = row["phone"]
        if row["email"].strip():
            out["email"] = row["email"].strip()
    return out


def sync_segment(
    store: Store,
    flow_ref: str | int,
    *,
    trigger: str = "manual",
    triggered_by: str = "",
    full: bool = False,
    loaded: Loaded | None = None,
) -> SegmentRunSummary:
    """One list sync of the segment flow ``flow_ref`` (see the module doc)."""
    started = time.perf_counter()
    info = FlowService(store).get(flow_ref)
    if not is_segment(info.options):
        raise SegmentError(f"'{info.name}' is not a segment list sync.")
    name = str(info.options.get("segment") or "")
    summary = SegmentRunSummary(0, info.slug, name)
    with store.session() as s:
        summary.run_id = run_log.start_run(
            s, info.id, trigger=trigger, triggered_by=triggered_by, dry_run=False, cursor=None
        )
    outcomes: list[Outcome] = []
    saved: list[tuple[str, str, str | None, str, dict[str, Any]]] = []
    try:
        svc = SegmentService(store)
        seg = svc.get(name)
        loaded = loaded or svc.load()
        members = svc.evaluate(seg, loaded).members
        gone = erased(members, loaded.blocks)
        kept, reasons = screen(members[~gone], loaded.data, seg.channel, loaded.blocks)
        reasons = pd.concat([pd.Series("erased", index=members.index[gone]), reasons])
        address = (
            kept["email"].str.strip().str.lower()
            if seg.channel == "email"
            else digits(kept["phone"])
        )
        kept = kept[~address.duplicated()]  # one person per address: one profile
        connector = ProfileService(store).connector(info.dest_profile_id or 0)
        try:
            if not isinstance(connector, KlaviyoConnector):
                raise SegmentError(f"The flow's destination ({connector.label}) is not Klaviyo.")
            summary = _deliver(
                store, info, seg, connector, kept, members, reasons, summary, outcomes, saved, full
            )
        finally:
            connector.close()
    except RooftopError as exc:
        summary.status, summary.error = "failed", str(exc)
        log.warning("segment sync %s failed: %s", info.slug, exc)
    with store.session() as s:
        if summary.status != "failed":
            run_log.write_outcomes(s, summary.run_id, info.id, outcomes)
            state.save_delivered(s, info.id, saved)
            state.mark_success(s, info.id)
            s.add(
                SegmentSync(
                    run_id=summary.run_id,
                    flow_id=info.id,
                    segment=name,
                    list_id=summary.list_id,
                    members=summary.members,
                    added=summary.added,
                    updated=summary.updated,
                    removed=summary.removed,
                    left_out=summary.left_out_total,
                    left_out_reasons=dict(summary.left_out),
                )
            )
        run_log.finish_run(
            s,
            summary.run_id,
            status=summary.status,
            counts=summary.as_run_summary().counts,
            error=summary.error,
            cursor_after=None,
        )
    summary.elapsed_s = time.perf_counter() - started
    log.info("%s", summary.line())
    return summary


def _deliver(
    store: Store,
    info: FlowInfo,
    seg: SegmentDef,
    connector: KlaviyoConnector,
    kept: pd.DataFrame,
    members: pd.DataFrame,
    reasons: pd.Series,
    summary: SegmentRunSummary,
    outcomes: list[Outcome],
    saved: list[tuple[str, str, str | None, str, dict[str, Any]]],
    full: bool,
) -> SegmentRunSummary:
    channel = seg.channel
    lists = KlaviyoLists(connector)
    summary.list_id, _ = lists.find_or_create(list_name(seg))
    current = lists.members(summary.list_id)
    people = [
        (str(e), "") if channel == "email" else ("", str(p))
        for e, p in zip(kept["email"], kept["phone"], strict=True)
    ]
    works = lists.consent(people)
    opted = [w.current[channel].opted_out for w in works]
    platform_out = kept[opted]
    reasons = pd.concat([reasons, pd.Series("platform_opt_out", index=platform_out.index)])
    kept = kept[[not o for o in opted]]
    kept_works = [w for w, o in zip(works, opted, strict=True) if not o]
    known = {
        k: w.profile_id
        for k, w in zip(kept["customer_id"], kept_works, strict=True)
        if w.profile_id
    }
    with store.session() as s:
        previous = {
            g: h
            for g, h in s.execute(
                select(DeliveryState.golden_id, DeliveryState.payload_hash).where(
                    DeliveryState.flow_id == info.id
                )
            )
        }
    rows: list[tuple[str, dict[str, Any]]] = []
    hashes: dict[str, str] = {}
    for _, row in kept.iterrows():
        payload = _payload(row, channel)
        key = row["customer_id"]
        hashes[key] = payload_hash(payload)
        on_list = known.get(key, "") in current
        if full or not on_list or previous.get(key) != hashes[key]:
            rows.append((key, payload))
        else:
            summary.unchanged += 1
            saved.append((key, key, known[key], hashes[key], payload))
    wanted = {known[k] for k in kept["customer_id"] if k in known}
    for result, (key, payload) in zip(lists.upsert(summary.list_id, rows), rows, strict=True):
        was_member = known.get(key, "") in current
        if result.error:
            summary.failed += 1
            outcomes.append(
                Outcome(
                    key,
                    ENTITY,
                    "update" if was_member else "create",
                    OutcomeStatus.FAILED,
                    golden_id=key,
                    dest_id=result.profile_id or None,
                    error=f"{result.error} It is sent again on the next run.",
                    sent_payload=payload,
                )
            )
            if result.profile_id:
                wanted.add(result.profile_id)
            continue
        wanted.add(result.profile_id)
        added = result.profile_id not in current
        summary.added += added
        summary.updated += not added
        outcomes.append(
            Outcome(
                key,
                ENTITY,
                "create" if added else "update",
                OutcomeStatus.DELIVERED,
                golden_id=key,
                dest_id=result.profile_id,
                payload_hash=hashes[key],
                sent_payload=payload,
                response_payload={"list": summary.list_id},
            )
        )
        saved.append((key, key, result.profile_id, hashes[key], payload))
    # leavers, and members who opted out at the platform since they were added
    leaving = [
        pid
        for pid, m in current.items()
        if pid not in wanted
        or (m.consent.get(channel, None) is not None and m.consent[channel].opted_out)
    ]
    problems = lists.remove(summary.list_id, leaving)
    if problems:
        raise SegmentError(" ".join(problems))
    summary.removed = len(leaving)
    for pid in leaving:
        m = current[pid]
        outcomes.append(
            Outcome(
                m.email or m.phone_number or pid,
                ENTITY,
                "delete",
                OutcomeStatus.DELIVERED,
                dest_id=pid,
                response_payload={"removed_from": summary.list_id},
            )
        )
    with store.session() as s:  # a leaver's delivered state goes: it is sent again if back
        stay = set(kept["customer_id"])
        gone = [g for g in previous if g not in stay]
        for i in range(0, len(gone), 500):
            s.execute(
                delete(DeliveryState).where(
                    DeliveryState.flow_id == info.id, DeliveryState.golden_id.in_(gone[i : i + 500])
                )
            )
    summary.left_out = counts(reasons)
    ids = members["customer_id"]
    for idx, key in reasons.items():
        who = str(ids.at[idx])
        outcomes.append(
            Outcome(
                who,
                ENTITY,
                "skip",
                OutcomeStatus.UNCHANGED,
                golden_id=who,
                response_payload={"left_out": REASONS[key]},
            )
        )
    summary.members = len(kept) - summary.failed
    summary.status = "completed_with_errors" if summary.failed else "succeeded"
    return summary
