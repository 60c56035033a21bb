"""Compact run-log payloads: compressed with a flow's dictionary, read back exactly, by a
process that never saw the dictionary too; JSON text written before still reads."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.store import Store, payload_codec
from app.store.log_timeline import payloads
from app.store.models import RecordOutcome
from app.sync.engine import SyncEngine
from tests.support.memory_connector import World
from tests.support.memory_flow import customer

SOURCE = {"customer_id": "C1", "first_name": "Zoë", "last_name": "Ó Brien", "zip": "48126"}
SENT = {"external_id": "C1", "first_name": "Zoë", "last_name": "Ó Brien", "opt_out": False}


def test_pairs_and_single_payloads_read_back_exactly(store: Store) -> None:
    data = payload_codec.make_dictionary([[SOURCE, SENT]])
    packer = payload_codec.Packer(data)
    pair, single = packer.pack_pair(SOURCE, SENT), packer.pack(SOURCE)
    with store.session() as s:
        payload_codec.save_dictionary(s, 1, data)
    payload_codec._dictionaries.clear()  # another process: the dictionary comes from the store
    with store.session() as s:
        assert payload_codec.unpack(s, pair) == SOURCE
        assert payload_codec.unpack_sent(s, pair, payload_codec.SENT_WITH_SOURCE) == SENT
        assert payload_codec.unpack(s, single) == SOURCE
        assert payload_codec.unpack_sent(s, single, None) is None
        assert payload_codec.unpack(s, json.dumps(SOURCE)) == SOURCE  # written before v16
        assert (
            json.loads(payload_codec.sent_as_text(s, pair, payload_codec.SENT_WITH_SOURCE) or "")
            == SENT
        )
        assert payload_codec.latest_dictionary(s, 1) == data
    assert len(pair) < len(json.dumps([SOURCE, SENT]).encode()) // 2


def test_a_run_log_keeps_payloads_compressed_and_the_viewer_reads_them(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.source = [customer(n, f"2026-01-01T00:00:0{n}Z") for n in range(1, 6)]
    SyncEngine(store).run(memory_flow)
    with store.session() as s:
        rows = s.scalars(select(RecordOutcome).order_by(RecordOutcome.id)).all()
        assert rows and all(isinstance(r.source_payload, bytes) for r in rows)
        assert all(r.sent_payload == payload_codec.SENT_WITH_SOURCE for r in rows)
        assert all(r.response_payload is None or "error" in r.response_payload for r in rows)
        shown = payloads(s, rows[0].id)
    assert shown.source is not None and shown.source["customer_id"] == rows[0].record_key
    assert shown.sent is not None and shown.sent["first_name"] == "First1"


def test_sql_sees_compressed_payloads_as_text(store: Store) -> None:
    """What searches payloads in SQL (the privacy footprint's instr) finds them packed."""
    data = payload_codec.make_dictionary([[SOURCE, SENT]])
    packer = payload_codec.Packer(data)
    with store.session() as s:
        payload_codec.save_dictionary(s, 1, data)
    payload_codec._dictionaries.clear()
    pair = packer.pack_pair(SOURCE, SENT)
    with store.engine.connect() as conn:
        source, sent, none = conn.exec_driver_sql(
            "SELECT run_log_text(?), run_log_sent(?, ?), run_log_text(NULL)",
            (pair, pair, payload_codec.SENT_WITH_SOURCE),
        ).one()
        assert json.loads(source) == SOURCE and json.loads(sent) == SENT and none is None
        plain = conn.exec_driver_sql("SELECT run_log_sent(NULL, ?)", ('{"a": 1}',)).scalar()
        assert plain == '{"a": 1}'


def test_a_dictionary_holds_no_value_that_could_single_out_a_person() -> None:
    """Dictionaries outlive records and are not erased with anyone: only field names and
    values many records share (a city, an e-mail domain) go in."""
    people = [
        {"first_name": f"Name{n}", "email": f"p{n}@example.com", "city": "Dearborn", "opt": "Y"}
        for n in range(10)
    ]
    people.append({"first_name": "Erin", "email": "erin.q@example.org", "city": "Quibbleworth"})
    data = payload_codec.make_dictionary(people)
    for private in (b"Erin", b"erin.q", b"Quibbleworth", b"Name3", b"p3@"):
        assert private not in data
    for shared in (b"Dearborn", b"@example.com", b'"first_name"', b'"opt"'):
        assert shared in data
