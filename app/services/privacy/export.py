"""Answer an access request (GDPR Art. 15, CCPA "right to know"): everything this data
folder holds about a person, as one JSON file -- their records as the systems gave them
(search index, identity links), what we last sent of them, every sync-log event with its
payloads, the retry queue, golden records, matching snapshots and merges.

The file goes to ``<data folder>/exports`` unless another place is given; an erasure of
the same person deletes it from there."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, text

from app import __version__
from app.services import audit
from app.services.privacy.erase import EXPORT_PREFIX, exports_dir, locate, new_ref
from app.services.privacy.footprint import Footprint, payload_match
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import utcnow
from app.store.privacy_models import PrivacyRequest

FORMAT = "rooftop-sync/privacy-export"


@dataclass(frozen=True)
class ExportReport:
    ref: str
    found: bool
    path: Path | None = None
    sections: dict[str, int] | None = None

    @property
    def exit_code(self) -> int:
        return 0 if self.found else 2


def _rows(session: Any, sql: str, values: set[Any] | list[Any]) -> list[dict[str, Any]]:
    if not values:
        return []
    stmt = text(sql).bindparams(bindparam("v", expanding=True))
    out: list[dict[str, Any]] = []
    items = list(values)
    for i in range(0, len(items), 500):
        result = session.execute(stmt, {"v": items[i : i + 500]})
        names = list(result.keys())
        out += [{n: _plain(v) for n, v in zip(names, row, strict=True)} for row in result]
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def gather(store: Store, fp: Footprint) -> dict[str, Any]:
    """Everything held about ``fp``, by place."""
    names = {p.uid: p.name for p in ProfileService(store).list()}
    golden = fp.all_golden
    with store.session() as s:
        index = _rows(
            s,
            "SELECT entity, system, record_key, name, email, phone, vin, stock_number, "
            "deal_number, ro_number, customer_number, updated_at FROM record_index WHERE id IN :v",
            fp.index_ids,
        )
        events = _rows(
            s,
            "SELECT o.started_at AS at, f.name AS flow, o.entity, o.record_key, o.action, "
            "o.status, o.error, o.destination_id, "
            "run_log_text(o.source_payload) AS source_payload, "
            "run_log_sent(o.source_payload, o.sent_payload) AS sent_payload, "
            "o.response_payload FROM record_outcomes o LEFT JOIN flows f ON f.id = o.flow_id "
            "WHERE o.id IN :v ORDER BY o.id",
            fp.outcome_ids,
        )
        delivered = _rows(
            s,
            "SELECT f.name AS flow, d.record_key, d.dest_id, d.payload, d.delivered_at "
            "FROM delivery_state d JOIN flows f ON f.id = d.flow_id WHERE d.golden_id IN :v",
            golden,
        )
        parked = _rows(
            s,
            "SELECT f.name AS flow, p.record_key, p.reason, p.status, p.source_payload, "
            "p.first_failed_at, p.last_failed_at FROM parked_records p "
            "JOIN flows f ON f.id = p.flow_id WHERE p.golden_id IN :v",
            golden,
        )
        golden_rows = _rows(
            s,
            "SELECT golden_id, entity, fields, sources, created_at, updated_at "
            "FROM golden_records WHERE golden_id IN :v",
            golden,
        )
        merges = _rows(
            s,
            "SELECT merged_at, merged_by, status, title, before, after FROM merges "
            "WHERE golden_id IN :v",
            golden,
        )
        conflicts = _rows(
            s,
            "SELECT at, record_key, field, source_value, kept_value, winner FROM conflicts "
            "WHERE golden_id IN :v",
            golden,
        )
        jackets: list[dict[str, Any]] = []
        needles = fp.needles()
        if needles:  # deal jackets a digital-retailing tool sent with them inside
            condition, params = payload_match(("body",), needles)
            jackets = [
                {k: _plain(v) for k, v in r._mapping.items()}
                for r in s.execute(
                    text(
                        "SELECT system, deal_key, version, stamp, body FROM retailing_jackets "
                        f"WHERE {condition} ORDER BY id"
                    ),
                    params,
                )
            ]
    for row in index + jackets:
        row["system"] = names.get(str(row["system"]), row["system"])
    systems = [{"system": names.get(sy, sy), "entity": e, "id": k} for e, sy, k in sorted(fp.links)]
    return {
        "records": index,
        "ids_in_systems": systems,
        "last_sent": delivered,
        "sync_log_events": events,
        "retry_queue": parked,
        "conflicts": conflicts,
        "golden_records": golden_rows,
        "merges": merges,
        "digital_retailing_deals": jackets,
    }


def export_person(
    store: Store, key: str, out: Path | None = None, *, requested_by: str = ""
) -> ExportReport:
    """Write everything held about the person behind ``key`` to ``out`` (default:
    ``exports/privacy-export-<ref>.json``)."""
    ref = new_ref("SAR")
    fp = locate(store, key)
    if not fp.found:
        _register(store, ref, "not_found", {}, requested_by)
        return ExportReport(ref, False)
    data = gather(store, fp)
    document = {
        "format": FORMAT,
        "reference": ref,
        "app_version": __version__,
        "exported_at": utcnow().isoformat(),
        "about": "Everything Rooftop Sync keeps in this data folder about one person.",
        **data,
    }
    path = out or exports_dir(store) / f"{EXPORT_PREFIX}{ref}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str), "utf-8")
    os.replace(tmp, path)
    sections = {k: len(v) for k, v in data.items()}
    _register(store, ref, "exported", {"sections": sections}, requested_by)
    return ExportReport(ref, True, path, sections)


def _register(
    store: Store, ref: str, status: str, summary: dict[str, Any], requested_by: str
) -> None:
    with store.session() as s:
        now = utcnow()
        s.add(
            PrivacyRequest(
                ref=ref,
                action="export",
                status=status,
                requested_by=requested_by or audit.current_os_user(),
                requested_at=now,
                finished_at=now,
                summary=summary,
            )
        )
        audit.record(
            s, "privacy_export", "privacy_request", object_id=ref, object_name=ref,
            extra={"status": status, **summary},
        )  # fmt: skip
