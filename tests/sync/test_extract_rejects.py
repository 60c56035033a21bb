"""A DMS extract's bad rows: a 4 MB value is named for what it is (not "bad quoting"), a
NUL never reaches the destination, and a parked reject can be replayed -- read again as
the admin corrected it, or kept parked with the reason while the others go through."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from app.services.flows import FlowDefinition, FlowService
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import ParkedRecord
from app.sync.engine import SyncEngine
from tests.support.memory_connector import World
from tests.support.memory_flow import CUSTOMER_MAPPING

HEADER = "CUST_NO,FIRST_NAME,LAST_NAME,EMAIL_ADDR,CELL_PH\n"


@pytest.fixture
def extract_flow(store: Store, world: type[World], tmp_path: Path) -> tuple[str, Path]:
    folder = tmp_path / "extracts"
    folder.mkdir()
    profiles = ProfileService(store)
    src = profiles.create(
        "DMS extract", "dms_file", {"folder": str(folder), "file_pattern": "*.csv"}
    )
    dst = profiles.create("Memory CRM", "test_memory", {"name": "crm"})
    FlowService(store).upsert(
        FlowDefinition(
            slug="extract-customers",
            name="Extract customers",
            source_profile_id=src.id,
            source_stream="customers",
            dest_profile_id=dst.id,
            dest_stream="contacts",
            mapping=CUSTOMER_MAPPING,
            mode="full",
        )
    )
    return "extract-customers", folder


def _parked(store: Store) -> list[ParkedRecord]:
    with store.session() as s:
        return list(
            s.scalars(select(ParkedRecord).where(ParkedRecord.status == "open").order_by("id"))
        )


def _first_run(store: Store, world: type[World], flow: str, folder: Path) -> dict[str, str]:
    (folder / "CUSTOMERS.csv").write_bytes(
        (
            HEADER
            + "C1,Ann,Lee,ann@example.com,3135550101\n"
            + 'C2,"Bob,Ray,bob@example.com,3135550102\n'  # a quote never closed
            + "C3,Cy,Nul\x00l,cy@example.com,3135550103\n"  # a NUL from the DMS
            + "C4,Dee,Long,"
            + "x" * (4 * 1024 * 1024)
            + ",3135550104\n"  # a 4 MB value
        ).encode()
    )
    first = SyncEngine(store).run(flow)
    assert first.status == "completed_with_errors", first.error
    return {p.record_key: p.reason for p in _parked(store)}


def test_a_nul_from_the_dms_never_reaches_the_destination(
    store: Store, world: type[World], extract_flow: tuple[str, Path]
) -> None:
    _first_run(store, world, *extract_flow)
    sent = {r["external_id"]: r for r in world.sink.values()}
    assert set(sent) == {"C1", "C3"}
    assert sent["C3"]["last_name"] == "Null" and "\x00" not in str(world.sink)


def test_a_4_mb_value_is_named_for_what_it_is(
    store: Store, world: type[World], extract_flow: tuple[str, Path]
) -> None:
    reasons = _first_run(store, world, *extract_flow)
    assert "never closed" in reasons["CUSTOMERS.csv:3"]
    long_reason = reasons["CUSTOMERS.csv:5"]
    assert "longer than 131,072 characters" in long_reason and "bad quoting" not in long_reason


def test_a_parked_extract_reject_replays_once_corrected(
    store: Store, world: type[World], extract_flow: tuple[str, Path]
) -> None:
    flow, _folder = extract_flow
    _first_run(store, world, *extract_flow)
    # the admin corrects the broken row in the retry queue, then replays
    with store.session() as s:
        row = s.scalars(
            select(ParkedRecord).where(ParkedRecord.record_key == "CUSTOMERS.csv:3")
        ).one()
        row.source_payload = {**row.source_payload, "raw": "C2,Bob,Ray,bob@example.com,3135550102"}
    replay = SyncEngine(store).replay(flow)
    assert replay.status == "completed_with_errors", replay.error  # the 4 MB row stays
    assert {r["external_id"] for r in world.sink.values()} == {"C1", "C2", "C3"}
    still = _parked(store)
    assert [p.record_key for p in still] == ["CUSTOMERS.csv:5"]
    assert still[0].attempts == 2 and "too long" in still[0].reason
    # and replaying what is left never stops on it
    assert SyncEngine(store).replay(flow).status == "completed_with_errors"


def test_the_field_limit_holds_whatever_another_reader_set(
    store: Store, world: type[World], extract_flow: tuple[str, Path], tmp_path: Path
) -> None:
    """The csv module's limit is process-wide: a dedupe of a file with huge fields (it
    raises the limit while it reads) must neither leave it raised nor let a 4 MB DMS value
    through when it is raised."""
    from app.matching.csvfile import FIELD_LIMIT, _slow

    before = csv.field_size_limit()
    _slow("a,b\n" + '"' + "x" * 200_000 + '",1\n', ",")
    assert csv.field_size_limit() == before  # put back after the dedupe read
    csv.field_size_limit(FIELD_LIMIT)  # as if a dedupe were reading meanwhile
    try:
        reasons = _first_run(store, world, *extract_flow)
    finally:
        csv.field_size_limit(before)
    assert "longer than 131,072 characters" in reasons["CUSTOMERS.csv:5"]
    assert {r["external_id"] for r in world.sink.values()} == {"C1", "C3"}
