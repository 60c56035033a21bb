"""Find a person: everything this data folder holds about them, from one key.

The key is a DMS customer number (any system's customer id works) or a golden id. From
there: the identity links give their golden id(s) and their ids in every system; the
search index gives their names, e-mail addresses and phones -- and the same person's
records elsewhere (a CRM contact with the same e-mail; one with the same phone only when
the last name agrees too, so a household's landline does not bring the whole family);
records about them (repair orders and deals naming their customer number, leads with
their e-mail or phone); and the sync log's events that carry any of these identifiers.
Reads only."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, or_, select, text
from sqlalchemy.orm import Session

from app.domain import normalise
from app.store.matching_models import GoldenRecord
from app.store.models import Link, RecordIndex

CUSTOMER = "customer"
_CHUNK = 500
Record = tuple[str, str, str]  # entity, system, key


@dataclass
class Footprint:
    """One person as this data folder knows them (identifiers and where they are)."""

    key: str
    golden_ids: set[str] = field(default_factory=set)  # the person's own
    related_golden: set[str] = field(default_factory=set)  # records about them
    records: set[Record] = field(default_factory=set)  # every record of theirs, by key
    links: set[Record] = field(default_factory=set)  # (entity, system, external id)
    index_ids: set[int] = field(default_factory=set)
    outcome_ids: set[int] = field(default_factory=set)
    names: set[str] = field(default_factory=set)  # as indexed: "Lauren Mills"
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)  # E.164

    @property
    def found(self) -> bool:
        return bool(self.golden_ids)

    @property
    def all_golden(self) -> set[str]:
        return self.golden_ids | self.related_golden

    def customer_ids(self) -> dict[str, set[str]]:
        """The person's own id in each system (for deletion requests)."""
        out: dict[str, set[str]] = {}
        for entity, system, ext in self.links | self.records:
            if entity == CUSTOMER:
                out.setdefault(system, set()).add(ext)
        return out

    def record_keys(self) -> set[str]:
        """Every record key and external id of theirs (to find them in free text)."""
        return {k for _e, _s, k in self.records | self.links if k}

    def phone_forms(self) -> set[str]:
        """The ways a phone number is written in payloads: E.164 and the US forms."""
        forms: set[str] = set()
        for phone in self.phones:
            forms.add(phone)
            digits = phone[2:] if phone.startswith("+1") and len(phone) == 12 else ""
            if digits:
                a, b, c = digits[:3], digits[3:6], digits[6:]
                forms |= {digits, f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"{a} {b} {c}"}
        return forms

    def name_forms(self) -> set[str]:
        """Full names as free text writes them: "Lauren Mills", "Mills, Lauren", "Mills Lauren"."""
        forms: set[str] = set()
        for name in self.names:
            words = name.split()
            if len(words) < 2:
                continue
            forms.add(" ".join(words))
            first, last = words[0], words[-1]
            forms |= {f"{first} {last}", f"{last}, {first}", f"{last} {first}"}
        return forms

    def needles(self) -> list[str]:
        """Text that, found in a payload, marks it as theirs: e-mails, phones in their
        written forms, and their ids as JSON values ("C100001" with its quotes)."""
        own = {k for e, _s, k in self.records | self.links if e == CUSTOMER and len(k) >= 4}
        found = set(self.emails) | self.phone_forms() | {json.dumps(k) for k in own}
        return sorted(n for n in found if len(n) >= 6)


def _in_chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = list(values)
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _seed(session: Session, key: str) -> set[str]:
    golden: set[str] = set()
    golden |= set(session.scalars(select(Link.golden_id).where(Link.golden_id == key).limit(1)))
    golden |= set(
        session.scalars(select(GoldenRecord.golden_id).where(GoldenRecord.golden_id == key))
    )
    golden |= set(
        session.scalars(
            select(Link.golden_id).where(Link.entity == CUSTOMER, Link.external_id == key)
        )
    )
    rows = session.scalars(
        select(RecordIndex.golden_id).where(
            RecordIndex.entity == CUSTOMER,
            or_(RecordIndex.record_key == key, RecordIndex.customer_number == key.upper()),
            RecordIndex.golden_id.is_not(None),
        )
    )
    golden |= {g for g in rows if g}
    return golden


def _last_names(names: Iterable[str]) -> set[str]:
    return {n.split()[-1].casefold() for n in names if n.split()}


def _take(fp: Footprint, row: RecordIndex, *, own: bool) -> None:
    fp.index_ids.add(row.id)
    fp.records.add((row.entity, row.system, row.record_key))
    if row.golden_id:
        (fp.golden_ids if own else fp.related_golden).add(row.golden_id)
    if own:
        if row.name.strip():
            fp.names.add(" ".join(row.name.split()))
        if row.email:
            fp.emails.add(row.email)
        if row.phone:
            fp.phones.add(row.phone)


def find(session: Session, key: str, flow_systems: dict[int, str]) -> Footprint:
    """The person behind ``key`` (``found`` is False when nothing here knows it).
    ``flow_systems``: each flow's source system, for the records its events name."""
    key = key.strip()
    fp = Footprint(key)
    fp.golden_ids = _seed(session, key)
    if not fp.golden_ids:
        return fp
    # their own customer records, by golden id
    for part in _in_chunks(fp.golden_ids):
        for row in session.scalars(select(RecordIndex).where(RecordIndex.golden_id.in_(part))):
            _take(fp, row, own=row.entity == CUSTOMER)
    _contact_details(session, fp)
    # the same person's customer records elsewhere: same e-mail; same phone and last name
    lasts = _last_names(fp.names)
    for part in _in_chunks(fp.emails):
        query = select(RecordIndex).where(
            RecordIndex.entity == CUSTOMER, RecordIndex.email.in_(part)
        )
        for row in session.scalars(query):
            _take(fp, row, own=True)
    for part in _in_chunks(fp.phones):
        query = select(RecordIndex).where(
            RecordIndex.entity == CUSTOMER, RecordIndex.phone.in_(part)
        )
        for row in session.scalars(query):
            if _last_names([row.name]) & lasts:
                _take(fp, row, own=True)
    _matching_snapshots(session, fp, lasts)
    _links(session, fp, fp.golden_ids)
    # records about them: naming their customer number, or with their e-mail or phone
    numbers = {k.upper() for e, _s, k in fp.links | fp.records if e == CUSTOMER}
    for column, values in (
        (RecordIndex.customer_number, numbers),
        (RecordIndex.email, fp.emails),
        (RecordIndex.phone, fp.phones),
    ):
        for part in _in_chunks(values):
            query = select(RecordIndex).where(RecordIndex.entity != CUSTOMER, column.in_(part))
            for row in session.scalars(query):
                _take(fp, row, own=False)
    _outcomes(session, fp, flow_systems)
    _links(session, fp, fp.all_golden)
    return fp


_CONTACT_FIELD = re.compile(r"e_?mail|phone|mobile|cell", re.IGNORECASE)


def _details_of(fp: Footprint, payload: Any) -> None:
    """E-mail addresses and phones in one of their payloads (the index keeps one phone;
    their home and work numbers are in what the systems sent)."""
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError:
            return
    if not isinstance(payload, dict):
        return
    for name, value in payload.items():
        if isinstance(value, dict):
            _details_of(fp, value)
        elif isinstance(value, str) and value.strip() and _CONTACT_FIELD.search(str(name)):
            if "@" in value:
                email = normalise.email(value)
                if email:
                    fp.emails.add(email)
            else:
                phone = normalise.phone_e164(value)
                if phone:
                    fp.phones.add(phone)


def _contact_details(session: Session, fp: Footprint) -> None:
    for part in _in_chunks(fp.golden_ids):
        stmt = text(
            "SELECT run_log_text(source_payload), run_log_sent(source_payload, sent_payload) "
            "FROM record_outcomes WHERE golden_id IN :g AND entity = 'customer'"
        ).bindparams(bindparam("g", expanding=True))
        for row in session.execute(stmt, {"g": part}):
            for payload in row:
                _details_of(fp, payload)
        stmt = text("SELECT payload FROM delivery_state WHERE golden_id IN :g").bindparams(
            bindparam("g", expanding=True)
        )
        for (payload,) in session.execute(stmt, {"g": part}):
            _details_of(fp, payload)


def _matching_snapshots(session: Session, fp: Footprint, lasts: set[str]) -> None:
    """Customer records the duplicate finder read (from systems no flow reads) that are
    theirs: the same e-mail, or one of their phones with their last name."""
    emails, phones = sorted(fp.emails), sorted(fp.phone_forms())
    if not emails and not phones:
        return
    condition, params = payload_match(("payload",), [*emails, *phones])
    for system, ext, name, payload in session.execute(
        text(
            "SELECT system, external_id, display_name, payload FROM match_records "
            f"WHERE {condition}"
        ),
        params,
    ):
        by_email = any(e in str(payload).lower() for e in emails)
        if by_email or _last_names([str(name)]) & lasts:
            fp.records.add((CUSTOMER, str(system), str(ext)))
            _details_of(fp, payload)


def _links(session: Session, fp: Footprint, golden: set[str]) -> None:
    for part in _in_chunks(golden):
        for entity, system, ext in session.execute(
            select(Link.entity, Link.system, Link.external_id).where(Link.golden_id.in_(part))
        ):
            fp.links.add((entity, system, ext))


# as text: compressed run-log payloads are searched decompressed (app.store.payload_codec)
_PAYLOADS = (
    "run_log_text(source_payload)",
    "run_log_sent(source_payload, sent_payload)",
    "response_payload",
)


def payload_match(columns: Sequence[str], needles: Sequence[str]) -> tuple[str, dict[str, str]]:
    """An SQL condition: any of ``columns`` contains any of ``needles`` (bound)."""
    params = {f"n{i}": n for i, n in enumerate(needles)}
    terms = [f"instr({c}, :n{i}) > 0" for c in columns for i in range(len(needles))]
    return " OR ".join(terms) or "0", params


def _outcomes(session: Session, fp: Footprint, flow_systems: dict[int, str]) -> None:
    """Sync-log events of theirs: by golden id, or carrying one of their identifiers
    (a lead's payload with their e-mail); each such record joins the footprint."""
    found: list[tuple[int, str, str, str | None, int | None]] = []
    for part in _in_chunks(fp.all_golden):
        stmt = text(
            "SELECT o.id, o.entity, o.record_key, o.golden_id, o.flow_id FROM record_outcomes o "
            "WHERE o.golden_id IN :g"
        ).bindparams(bindparam("g", expanding=True))
        found += list(session.execute(stmt, {"g": part}))
    needles = fp.needles()
    if needles:
        condition, params = payload_match(_PAYLOADS, needles)
        found += list(
            session.execute(
                text(
                    "SELECT id, entity, record_key, golden_id, flow_id FROM record_outcomes "
                    f"WHERE {condition}"
                ),
                params,
            )
        )
    for outcome_id, entity, record_key, golden_id, flow_id in found:
        fp.outcome_ids.add(int(outcome_id))
        if golden_id and golden_id not in fp.golden_ids:
            fp.related_golden.add(golden_id)
        system = flow_systems.get(int(flow_id)) if flow_id is not None else None
        if record_key and system and not _is_file_line(record_key):
            fp.records.add((entity, system, record_key))


_FILE_LINE = re.compile(r".+:\d+$")


def _is_file_line(key: str) -> bool:
    """A parked extract reject is keyed 'FILE.csv:12': a place in a file, not a record."""
    return bool(_FILE_LINE.fullmatch(key)) and "." in key.split(":")[0]
