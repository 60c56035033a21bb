"""Reconcile an inventory feed: the DMS's stock against what the channel's last published
file holds. The headline is the sold units still listed (a customer calls about a car
that is gone); also units for sale that the file lacks, and listed units no longer in the
DMS at all.

The file is read back where it can be: a feed delivered to a folder is opened and its
VINs taken from it, whatever its format. A file uploaded over SFTP or HTTP cannot be read
back here, so the app's record of the last publication stands in for it, and the report
says so. The report is a reconcile report of kind ``feed``: for sale but not listed is
"only in the source", listed but not for sale (sold, or gone from the DMS) is "only in
the destination"."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.connectors.feed_delivery import FeedTargetConnector
from app.errors import RooftopError
from app.feeds.config import FeedConfig
from app.feeds.publish import get_feed, read_source
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import DeliveryState
from app.sync import reconcile_log
from app.sync.reconcile_findings import Comparison, Finding
from app.sync.reconcile_log import ReportView

VIN = re.compile(rb"(?<![A-Z0-9])[A-HJ-NPR-Z0-9]{17}(?![A-Z0-9])")


@dataclass
class FeedCheck:
    report: ReportView
    sold_still_listed: dict[str, str] = field(default_factory=dict)  # vin -> DMS status
    gone_still_listed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # for sale, not in the file
    listed: int = 0
    read_back: bool = False  # the file itself was read (else the app's record of it)

    @property
    def exit_code(self) -> int:
        return self.report.exit_code

    def as_json(self) -> dict[str, Any]:
        return {
            "only_in_source": self.missing,
            "only_in_destination": sorted([*self.sold_still_listed, *self.gone_still_listed]),
            "different": [],
            "same": self.report.same,
            "sold_still_listed": sorted(self.sold_still_listed),
        }


def _listed_vins(
    store: Store, flow_id: int, target: FeedTargetConnector, name: str
) -> tuple[set[str], bool, str]:
    """(VINs in the last published file, whether the file itself was read, a note)."""
    if target.mode == "folder":
        path = Path(str(target.settings.get("folder") or "")) / name
        try:
            data = path.read_bytes()
        except OSError as exc:
            return set(), False, f"The published file {path} could not be read: {exc}"
        return {m.decode("ascii") for m in VIN.findall(data.upper())}, True, f"Read {path}."
    with store.session() as s:
        vins = set(
            s.scalars(select(DeliveryState.golden_id).where(DeliveryState.flow_id == flow_id))
        )
    how = "SFTP" if target.mode == "sftp" else "HTTP"
    return (
        vins,
        False,
        (
            f"The file was uploaded over {how} and cannot be read back: the app's record of its "
            "last publication stands in for it."
        ),
    )


def reconcile_feed(store: Store, ref: str | int, *, triggered_by: str = "") -> FeedCheck:
    info = get_feed(store, ref)
    config = FeedConfig.from_options(info.options)
    report_id, _run = reconcile_log.start(
        store, info.id, kind="feed", trigger="manual", triggered_by=triggered_by
    )
    comparison = Comparison(method="list", entity="inventory")
    sold: dict[str, str] = {}
    gone: list[str] = []
    missing: list[str] = []
    listed: set[str] = set()
    read_back = False
    error: str | None = None
    try:
        snapshot = read_source(store, info.source_profile_id)
        if info.dest_profile_id is None:
            raise RooftopError("The feed has no destination.")
        target = ProfileService(store).connector(info.dest_profile_id)
        try:
            if not isinstance(target, FeedTargetConnector):
                raise RooftopError("The feed's destination is not a feed destination.")
            name = target.file_name(config.channel, config.file_format)
            listed, read_back, note = _listed_vins(store, info.id, target, name)
        finally:
            target.close()
        comparison.notes.append(note)
        status = {u["vin"]: (u.get("status") or "AVAILABLE") for u in snapshot.units}
        for_sale = {u["vin"] for u in snapshot.for_sale(config.statuses)[0]}
        excluded = {e.vin for e in snapshot.parked if e.vin}
        comparison.source_count, comparison.dest_count = len(for_sale), len(listed)
        for vin in sorted(listed):
            if vin in for_sale:
                comparison.same += 1
            elif vin in status:
                sold[vin] = status[vin]
                comparison.findings.append(
                    Finding("only_in_destination", vin, vin, vin,
                            note=f"{status[vin]} in the DMS, still listed")
                )  # fmt: skip
            else:
                gone.append(vin)
                comparison.findings.append(
                    Finding("only_in_destination", vin, vin, vin,
                            note="no longer in the DMS, still listed")
                )  # fmt: skip
        for vin in sorted(for_sale - listed - excluded):
            missing.append(vin)
            comparison.findings.append(
                Finding("only_in_source", vin, "", vin, note="for sale in the DMS, not listed")
            )
        if sold:
            comparison.field_counts["sold still listed"] = len(sold)
    except RooftopError as exc:
        error = str(exc)
    report = reconcile_log.finish(store, report_id, comparison, error=error)
    return FeedCheck(report, sold, gone, missing, len(listed), read_back)


def print_feed_check(check: FeedCheck) -> None:
    r = check.report
    if r.error:
        print(f"{r.flow_name}: the check could not run. Reason: {r.error}")
        return
    sold = len(check.sold_still_listed)
    verdict = "agrees with the DMS" if r.status == "agree" else "differs from the DMS"
    print(f"{r.flow_name}: the channel's file {verdict} (report #{r.id})")
    print(
        f"  sold units still listed: {sold:,} · listed but gone from the DMS: "
        f"{len(check.gone_still_listed):,} · for sale but not listed: {len(check.missing):,}"
        f" · listed and for sale: {r.same:,}"
    )
    for note in r.notes:
        print(f"  note: {note}")
    for vin, state in list(check.sold_still_listed.items())[:20]:
        print(f"  still listed: {vin} ({state} in the DMS)")
    for vin in check.missing[:20]:
        print(f"  not listed: {vin} (for sale in the DMS)")
