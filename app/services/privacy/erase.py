"""Erase a person (GDPR Art. 17, CCPA "delete"): find them, ask the systems that can to
delete them, keep a tombstone so no later read brings them back, anonymise them in the
database and the data folder's files, and register who erased -- under an opaque
reference, never whom.

The order matters: deletion requests first (they need the person's ids in each system,
which the anonymising removes), then one database transaction (tombstones, anonymising,
the request's record, the audit entry), then the WAL is checkpointed and the database
compacted so no old page keeps them, then the files. A dry run does the database part
in a transaction it rolls back, so its counts are exactly what an erasure would do.
"""

from __future__ import annotations

import logging
import secrets as pysecrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from app.connectors.erasure import ErasesPeople, ErasureResult, ErasureSubject
from app.errors import RooftopError
from app.services import audit
from app.services.flows import FlowService
from app.services.privacy import files, tombstones
from app.services.privacy.footprint import Footprint, find
from app.services.privacy.scrub import Scrubber, scrub
from app.services.profile_info import ProfileInfo
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import utcnow
from app.store.privacy_models import PrivacyRequest

log = logging.getLogger(__name__)
Progress = Callable[[str], None]
EXPORT_PREFIX = "privacy-export-"


def new_ref(kind: str) -> str:
    """An opaque reference: the kind, the day, six random hex digits (ERA-20261205-3f9a1c)."""
    return f"{kind}-{utcnow():%Y%m%d}-{pysecrets.token_hex(3)}"


@dataclass(frozen=True)
class Deletion:
    connection: str
    status: str  # deleted | requested | not_found | failed | would_ask
    message: str
    manual: tuple[str, ...] = ()


@dataclass(frozen=True)
class HeldRecord:
    """Where a record of theirs is, for the admin's eyes (shown, never stored)."""

    system: str
    entity: str
    key: str


@dataclass
class ErasureReport:
    ref: str
    status: str  # erased | partly | not_found | dry_run
    counts: dict[str, int] = field(default_factory=dict)
    held: list[HeldRecord] = field(default_factory=list)
    deletions: list[Deletion] = field(default_factory=list)
    tombstones: int = 0
    files: files.FileReport = field(default_factory=files.FileReport)
    backups: list[str] = field(default_factory=list)
    compacted: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return {"erased": 0, "dry_run": 0, "partly": 1}.get(self.status, 2)

    def summary(self) -> dict[str, object]:
        """What the register keeps: counts and outcomes, no personal data."""
        return {
            "counts": self.counts,
            "tombstones": self.tombstones,
            "deletion_requests": [
                {"connection": d.connection, "status": d.status, "message": d.message}
                for d in self.deletions
            ],
            "files_changed": len(self.files.changed),
            "files_deleted": len(self.files.deleted),
            "files_left": self.files.left,
            "backups_holding": self.backups,
            "compacted": self.compacted,
            "problems": self.problems,
        }


def _flow_systems(store: Store, profiles: ProfileService) -> dict[int, str]:
    out: dict[int, str] = {}
    for flow in FlowService(store).list():
        if flow.source_profile_id is None:
            continue
        try:
            out[flow.id] = profiles.identity_system(profiles.get(flow.source_profile_id))
        except RooftopError:
            continue
    return out


def locate(store: Store, key: str) -> Footprint:
    """The person behind ``key`` (a DMS customer number or a golden id)."""
    profiles = ProfileService(store)
    systems = _flow_systems(store, profiles)
    with store.session() as s:
        return find(s, key, systems)


def _held(fp: Footprint, names: dict[str, str]) -> list[HeldRecord]:
    seen = sorted({(names.get(s, s or "?"), e, k) for e, s, k in fp.records | fp.links if s})
    return [HeldRecord(*r) for r in seen]


def _erasers(profiles: ProfileService) -> list[tuple[ProfileInfo, str]]:
    """Connections whose kind can delete a person, with the system their ids are in."""
    from app.connectors.registry import get_kind

    out = []
    for info in profiles.list():
        if hasattr(get_kind(info.kind), "erase_person"):
            try:
                out.append((info, profiles.identity_system(info)))
            except RooftopError:
                continue
    return out


def _ask_to_delete(profiles: ProfileService, fp: Footprint, *, dry_run: bool) -> list[Deletion]:
    ids = fp.customer_ids()
    out: list[Deletion] = []
    for info, system in _erasers(profiles):
        subject = ErasureSubject(
            tuple(sorted(ids.get(system, ()))), tuple(sorted(fp.emails)), tuple(sorted(fp.phones))
        )
        if dry_run:
            out.append(Deletion(info.name, "would_ask", "would be asked to delete them"))
            continue
        try:
            connector = profiles.connector(info.id)
        except RooftopError as exc:
            out.append(Deletion(info.name, "failed", f"could not be opened: {exc.message}"))
            continue
        try:
            assert isinstance(connector, ErasesPeople)
            result: ErasureResult = connector.erase_person(subject)
        except RooftopError as exc:
            result = ErasureResult("failed", exc.message)
        finally:
            connector.close()
        out.append(Deletion(info.name, result.status, result.message, result.manual))
        log.info("Erasure deletion request to %s: %s", info.name, result.status)
    return out


def _tombstone_texts(fp: Footprint) -> list[str]:
    return [tombstones.identifier(e, s, k) for e, s, k in fp.records | fp.links if s and k]


def erase(
    store: Store,
    key: str,
    *,
    dry_run: bool = False,
    requested_by: str = "",
    progress: Progress | None = None,
) -> ErasureReport:
    """Erase the person behind ``key`` everywhere we keep them (see the module doc)."""
    say = progress or (lambda _m: None)
    profiles = ProfileService(store)
    say("Finding the person")
    fp = locate(store, key)
    ref = new_ref("ERA")
    report = ErasureReport(ref, "dry_run" if dry_run else "erased")
    names = {p.uid: p.name for p in profiles.list()}
    if not fp.found:
        report.status = "not_found"
        if not dry_run:
            _register(store, report, requested_by)
        return report
    report.held = _held(fp, names)
    say("Asking the connected systems to delete them")
    report.deletions = _ask_to_delete(profiles, fp, dry_run=dry_run)
    say("Anonymising them in the database")
    texts = _tombstone_texts(fp)
    with store.session() as s:
        report.counts = scrub(s, fp, ref)
        if dry_run:
            s.rollback()
            report.tombstones = len(set(texts))
            report.backups = _backups(store)
            return report
        report.tombstones = tombstones.add(store, s, ref, texts)
        s.add(_request_row(report, requested_by))
        audit.record(
            s, "privacy_erase", "privacy_request", object_id=ref, object_name=ref,
            extra={"counts": report.counts, "tombstones": report.tombstones},
        )  # fmt: skip
    say("Compacting the database")
    report.compacted = compact(store)
    if not report.compacted:
        report.problems.append(
            "The database could not be compacted now (another part of the app is using "
            "it); its old pages are overwritten when it next is."
        )
    say("Cleaning the log files, archives and exports")
    scrubber = Scrubber(fp)
    _files(store, scrubber, report)
    report.backups = _backups(store)
    failed = [d for d in report.deletions if d.status == "failed"]
    if failed or report.files.left:
        report.status = "partly"
    _finish(store, report)
    log.info("Erasure %s done: %s", ref, report.status)
    return report


def _files(store: Store, scrubber: Scrubber, report: ErasureReport) -> None:
    from app.services import retention, retention_areas

    policy = retention.load_policy(store)
    archive_dirs = {retention.archive_folder(store, policy), store.paths.data_dir / "archive"}
    steps: list[Callable[[], None]] = [
        lambda: files.logs(store.paths.logs_dir, scrubber, report.files),
        lambda: files.archives(sorted(archive_dirs), scrubber, report.files),
        lambda: files.exports(exports_dir(store), scrubber, report.files, EXPORT_PREFIX),
        lambda: files.lead_spools(
            retention_areas.lead_spool_folders(store), scrubber, report.files
        ),
    ]
    for step in steps:
        try:
            step()
        except OSError as exc:
            report.problems.append(f"A file could not be cleaned: {exc.strerror or exc}")
            report.files.left.append(str(exc.filename or "?"))


def exports_dir(store: Store) -> Path:
    return store.paths.data_dir / "exports"


def _backups(store: Store) -> list[str]:
    """Database backups (taken before schema upgrades), which still hold data from before
    this erasure until the date they age out."""
    from app.services import retention, retention_areas

    folder = store.paths.backups_dir
    if not folder.is_dir():
        return []
    days = retention.load_policy(store).backup_days
    return [
        f"{p.name} (ages out {retention_areas.backup_ages_out(p, days):%Y-%m-%d})"
        for p in sorted(folder.glob("*.db"))
    ]


def compact(store: Store) -> bool:
    """Checkpoint the WAL into the database and truncate it, rewrite the database without
    free pages (VACUUM), truncate the WAL again. False when others kept it busy."""
    try:
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("VACUUM")
            busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
    except DBAPIError as exc:  # a busy database: reported, the erasure itself stands
        log.warning("Compacting after an erasure failed: %s", exc)
        return False
    return busy is not None and int(busy[0]) == 0


def _request_row(report: ErasureReport, requested_by: str) -> PrivacyRequest:
    now = utcnow()
    return PrivacyRequest(
        ref=report.ref,
        action="erase",
        status=report.status,
        requested_by=requested_by or audit.current_os_user(),
        requested_at=now,
        finished_at=None,
        summary=report.summary(),
    )


def _register(store: Store, report: ErasureReport, requested_by: str) -> None:
    with store.session() as s:
        row = _request_row(report, requested_by)
        row.finished_at = utcnow()
        s.add(row)
        audit.record(
            s, "privacy_erase", "privacy_request", object_id=report.ref,
            object_name=report.ref, extra={"status": report.status},
        )  # fmt: skip


def _finish(store: Store, report: ErasureReport) -> None:
    with store.session() as s:
        row = s.scalar(select(PrivacyRequest).where(PrivacyRequest.ref == report.ref))
        if row is not None:
            row.status = report.status
            row.finished_at = utcnow()
            row.summary = report.summary()


def requests(store: Store, limit: int = 200) -> list[tuple[str, str, str, str, datetime]]:
    """The register, newest first: (reference, action, status, by whom, when)."""
    with store.session() as s:
        rows = s.execute(
            select(
                PrivacyRequest.ref,
                PrivacyRequest.action,
                PrivacyRequest.status,
                PrivacyRequest.requested_by,
                PrivacyRequest.requested_at,
            )
            .order_by(PrivacyRequest.id.desc())
            .limit(limit)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]
