"""Anonymise a person in the database, in one transaction, with SQLite's secure delete
on so what is removed is overwritten, not just unlinked:

- sync log events (``record_outcomes``): payloads, payload hash, destination id and
  golden id cleared, the record key and error replaced by the erasure's reference -- the
  event itself stays, so the run's counts still add up;
- the retry queue, delivery state, conflicts, identity links, deal jackets of theirs in
  the digital-retailing inbox: their rows deleted;
- the search index: rows deleted, then the full-text index optimised (a deleted word
  otherwise lingers in its older segments);
- matching: source snapshots, golden records and review decisions deleted, candidate
  groups holding them deleted; merges kept as a fact (who, when) with their before/after
  replaced by the reference (such a merge can no longer be undone);
- drift samples: sample values that are theirs replaced;
- free text (run errors, alerts, the audit log): their e-mails, phones, names and ids
  replaced by ``[erased]``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from app.domain import normalise
from app.services.privacy.footprint import Footprint, payload_match

ERASED = "[erased]"
_CHUNK = 500
_PHONE_LIKE = re.compile(r"\+?\d[\d\s().-]{6,}\d")


class Scrubber:
    """Replaces a person's identifiers in free text (and, in JSON, a value that is their
    last name on its own: ``{"last_name": "Mills"}``)."""

    def __init__(self, fp: Footprint) -> None:
        self.phones = set(fp.phones)
        # a last name on its own says who; a first name on its own does not
        self.name_words = {n.split()[-1].casefold() for n in fp.names if len(n.split()) > 1}
        literal = sorted(
            {*fp.emails, *fp.name_forms(), *(k for k in fp.record_keys() if len(k) >= 4)},
            key=len,
            reverse=True,
        )
        parts = [rf"(?<![\w@.-]){re.escape(t)}(?![\w@-])" for t in literal if t.strip()]
        self._literal = re.compile("|".join(parts), re.IGNORECASE) if parts else None

    def __call__(self, value: str) -> str:
        if not value:
            return value
        out = self._literal.sub(ERASED, value) if self._literal is not None else value
        if self.phones:
            out = _PHONE_LIKE.sub(self._phone, out)
        return out

    def _phone(self, match: re.Match[str]) -> str:
        return ERASED if normalise.phone_e164(match.group(0)) in self.phones else match.group(0)

    def touches(self, value: str) -> bool:
        return bool(value) and self(value) != value

    def json(self, value: Any) -> Any:
        """A JSON value with their identifiers replaced, keys included."""
        if isinstance(value, dict):
            return {self(str(k)): self.json(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, str):
            return ERASED if value.strip().casefold() in self.name_words else self(value)
        return value


@dataclass
class ScrubCounts:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, place: str, n: int) -> None:
        if n:
            self.counts[place] = self.counts.get(place, 0) + n


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = list(values)
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _run(session: Session, sql: str, values: Iterable[Any], **params: Any) -> int:
    """Run ``sql`` (with an expanding ``:v``) for ``values`` in chunks; rows touched."""
    stmt = text(sql).bindparams(bindparam("v", expanding=True))
    total = 0
    for part in _chunks(values):
        total += int(getattr(session.execute(stmt, {"v": part, **params}), "rowcount", 0) or 0)
    return total


def scrub(session: Session, fp: Footprint, ref: str) -> dict[str, int]:
    """Anonymise ``fp`` everywhere in the database; counts per place."""
    session.execute(text("PRAGMA secure_delete = ON"))
    out = ScrubCounts()
    golden, keys, needles = fp.all_golden, fp.record_keys(), fp.needles()
    # sync log events
    ids = set(fp.outcome_ids)
    ids |= _ids(session, "SELECT id FROM record_outcomes WHERE golden_id IN :v", golden)
    out.add(
        "sync log events",
        _run(
            session,
            "UPDATE record_outcomes SET source_payload = NULL, sent_payload = NULL, "
            "response_payload = NULL, payload_hash = NULL, destination_id = NULL, "
            "golden_id = NULL, record_key = :key, "
            "error = CASE WHEN error IS NULL THEN NULL ELSE :why END WHERE id IN :v",
            ids,
            key=f"erased:{ref}",
            why=f"Erased ({ref}).",
        ),
    )
    # the retry queue, delivery state, conflicts, links
    parked = _ids(session, "SELECT id FROM parked_records WHERE golden_id IN :v", golden)
    parked |= _ids(session, "SELECT id FROM parked_records WHERE record_key IN :v", keys)
    if needles:
        condition, params = payload_match(("source_payload", "reason"), needles)
        parked |= {
            int(r[0])
            for r in session.execute(
                text(f"SELECT id FROM parked_records WHERE {condition}"), params
            )
        }
    out.add("retry queue", _run(session, "DELETE FROM parked_records WHERE id IN :v", parked))
    if needles:  # deal jackets of theirs from a digital-retailing tool (the shopper inside)
        condition, params = payload_match(("body",), needles)
        jackets = {
            int(r[0])
            for r in session.execute(
                text(f"SELECT id FROM retailing_jackets WHERE {condition}"), params
            )
        }
        out.add(
            "digital-retailing inbox",
            _run(session, "DELETE FROM retailing_jackets WHERE id IN :v", jackets),
        )
    for table, place in (("delivery_state", "delivery state"), ("conflicts", "conflicts")):
        n = _run(session, f"DELETE FROM {table} WHERE golden_id IN :v", golden)
        n += _run(session, f"DELETE FROM {table} WHERE record_key IN :v", keys)
        out.add(place, n)
    out.add("identity links", _run(session, "DELETE FROM links WHERE golden_id IN :v", golden))
    # the search index and its full-text index
    out.add("search index", _run(session, "DELETE FROM record_index WHERE id IN :v", fp.index_ids))
    session.execute(text("INSERT INTO record_index_fts(record_index_fts) VALUES ('optimize')"))
    _matching(session, fp, ref, out)
    scrubber = Scrubber(fp)
    out.add("drift samples", _drift_samples(session, fp, scrubber))
    out.add("free text", _free_text(session, scrubber))
    return out.counts


def _ids(session: Session, sql: str, values: Iterable[Any]) -> set[int]:
    stmt = text(sql).bindparams(bindparam("v", expanding=True))
    found: set[int] = set()
    for part in _chunks(values):
        found |= {int(r[0]) for r in session.execute(stmt, {"v": part})}
    return found


def _matching(session: Session, fp: Footprint, ref: str, out: ScrubCounts) -> None:
    pairs = {(s, k) for e, s, k in fp.links | fp.records if e == "customer" and s}
    record_ids: set[int] = set()
    for system, ext in pairs:
        record_ids |= {
            int(r[0])
            for r in session.execute(
                text("SELECT id FROM match_records WHERE system = :s AND external_id = :e"),
                {"s": system, "e": ext},
            )
        }
    if fp.emails:
        condition, params = payload_match(("payload",), sorted(fp.emails))
        record_ids |= {
            int(r[0])
            for r in session.execute(
                text(f"SELECT id FROM match_records WHERE {condition}"), params
            )
        }
    candidates = {
        int(cid)
        for cid, members in session.execute(text("SELECT id, record_ids FROM match_candidates"))
        if record_ids & set(json.loads(members or "[]"))
    }
    out.add(
        "duplicate review", _run(session, "DELETE FROM match_candidates WHERE id IN :v", candidates)
    )
    out.add(
        "matching snapshots", _run(session, "DELETE FROM match_records WHERE id IN :v", record_ids)
    )
    decisions = 0
    for system, ext in pairs:
        result = session.execute(
            text(
                "DELETE FROM match_decisions WHERE (system_a = :s AND external_a = :e) "
                "OR (system_b = :s AND external_b = :e)"
            ),
            {"s": system, "e": ext},
        )
        decisions += int(getattr(result, "rowcount", 0) or 0)
    out.add("duplicate decisions", decisions)
    out.add(
        "golden records",
        _run(session, "DELETE FROM golden_records WHERE golden_id IN :v", fp.all_golden),
    )
    merges = _ids(session, "SELECT id FROM merges WHERE golden_id IN :v", fp.all_golden)
    merges |= {
        int(mid)
        for mid, members in session.execute(text("SELECT id, record_ids FROM merges"))
        if record_ids & set(json.loads(members or "[]"))
    }
    erased = json.dumps({"erased": ref})
    out.add(
        "merge history",
        _run(
            session,
            "UPDATE merges SET title = :title, before = :e, after = :e, overrides = :e, "
            "propagation = :e, golden_id = '', record_ids = '[]', status = 'erased' "
            "WHERE id IN :v",
            merges,
            title=f"Erased person ({ref})",
            e=erased,
        ),
    )


def _drift_samples(session: Session, fp: Footprint, scrubber: Scrubber) -> int:
    """Sample values of schema snapshots that are theirs (exact values, or text holding
    one of their identifiers)."""
    exact = {v.casefold() for v in (*fp.emails, *fp.phones, *fp.phone_forms(), *fp.record_keys())}
    for name in fp.names:
        exact |= {w.casefold() for w in name.split() if len(w) > 1} | {name.casefold()}
    changed = 0
    for snap_id, fields_json in session.execute(text("SELECT id, fields FROM schema_snapshots")):
        data = json.loads(fields_json or "{}")
        touched = False
        for info in data.get("fields") or []:
            samples = info.get("samples") or []
            kept = [
                s
                for s in samples
                if str(s).casefold() not in exact and not scrubber.touches(str(s))
            ]
            if len(kept) != len(samples):
                info["samples"], touched = kept, True
        if touched:
            session.execute(
                text("UPDATE schema_snapshots SET fields = :f WHERE id = :i"),
                {"f": json.dumps(data), "i": snap_id},
            )
            changed += 1
    return changed


_FREE_TEXT = (
    ("runs", "id", ("error",)),
    ("alert_events", "id", ("title", "body", "last_error")),
    ("alert_state", "key", ("title", "detail")),
    ("audit_log", "id", ("object_id", "object_name", "diff")),
)


_JSON_COLUMNS = {"diff"}


def _free_text(session: Session, scrubber: Scrubber) -> int:
    changed = 0
    for table, key, columns in _FREE_TEXT:
        cols = ", ".join(columns)
        for row in session.execute(text(f"SELECT {key}, {cols} FROM {table}")):
            values = [str(v) if v is not None else None for v in row[1:]]
            clean = [
                _clean_json(scrubber, v) if c in _JSON_COLUMNS else scrubber(v) if v else v
                for c, v in zip(columns, values, strict=True)
            ]
            if clean != values:
                sets = ", ".join(f"{c} = :c{i}" for i, c in enumerate(columns))
                params = {f"c{i}": v for i, v in enumerate(clean)}
                session.execute(
                    text(f"UPDATE {table} SET {sets} WHERE {key} = :k"), {**params, "k": row[0]}
                )
                changed += 1
    return changed


def _clean_json(scrubber: Scrubber, value: str | None) -> str | None:
    if not value:
        return value
    try:
        data = json.loads(value)
    except ValueError:
        return scrubber(value)
    cleaned = scrubber.json(data)
    return value if cleaned == data else json.dumps(cleaned)
