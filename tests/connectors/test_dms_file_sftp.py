"""DMS extracts picked up over SFTP, against a real SFTP server on 127.0.0.1: files still
being written wait, the host key is pinned on first use and a changed one refused, files
move to processed/ only after the run commits, and a run killed before its commit leaves
them for the next run (read once more, delivered once)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import paramiko
import pytest
from sqlalchemy import select

import tests.support.file_sink  # noqa: F401 — registers the JSON-file destination kind
from app.connectors.dms_file import DmsFileConnector, ExtractStream
from app.connectors.errors import ConnectorError
from app.connectors.sftp_client import HostKeyMismatchError, fingerprint, private_key
from app.connectors.sftp_settings import HOST_KEY
from app.paths import AppPaths
from app.services.flows import FlowDefinition, FlowService
from app.services.profile_info import ProfileInfo
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import ParkedRecord, Run
from app.sync.engine import SyncEngine
from tests.support.file_sink import HANG_AFTER, load
from tests.support.memory_connector import World
from tests.support.memory_flow import CUSTOMER_MAPPING
from tests.support.sftp_server import PASSWORD, USER, LocalSftpServer, serving

ROOT = Path(__file__).resolve().parents[2]
HEADER = "customer_id,first_name,last_name,email,mobile_phone\n"
FLOW = "customers-sftp"


def rows(first: int, count: int) -> str:
    return "".join(
        f"C{n},first{n},last{n},p{n}@example.com,(313) 555-{n:04d}\n"
        for n in range(first, first + count)
    )


@pytest.fixture
def sftp(tmp_path: Path) -> Iterator[LocalSftpServer]:
    with serving(tmp_path / "sftp-root", "out") as server:
        yield server


def inbox(server: LocalSftpServer) -> list[str]:
    return sorted(p.name for p in (server.root / "out").iterdir() if p.is_file())


def processed(server: LocalSftpServer) -> list[str]:
    folder = server.root / "out" / "processed"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def drop(server: LocalSftpServer, name: str, text: str) -> Path:
    path = server.root / "out" / name
    path.write_text(text, "utf-8")
    return path


def sftp_settings(server: LocalSftpServer, **over: Any) -> dict[str, Any]:
    return {
        "source": "sftp",
        "sftp_host": "127.0.0.1",
        "sftp_port": server.port,
        "sftp_username": USER,
        "sftp_folder": "/out",
        "file_pattern": "CUSTOMERS_*.csv",
        "files": "all",
        "sftp_settle_ms": 20,
        **over,
    }


@pytest.fixture
def dms(store: Store, sftp: LocalSftpServer) -> ProfileInfo:
    return ProfileService(store).create(
        "DMS over SFTP", "dms_file", sftp_settings(sftp), {"sftp_password": PASSWORD}
    )


def make_flow(store: Store, source: ProfileInfo, dest: ProfileInfo) -> str:
    FlowService(store).upsert(
        FlowDefinition(
            slug=FLOW,
            name="Customers from SFTP extracts",
            source_profile_id=source.id,
            source_stream="customers",
            dest_profile_id=dest.id,
            dest_stream="contacts",
            mapping=CUSTOMER_MAPPING,
        )
    )
    return FLOW


@pytest.fixture
def memory_crm_flow(store: Store, dms: ProfileInfo, world: type[World]) -> str:
    crm = ProfileService(store).create("Memory CRM", "test_memory", {"name": "crm"})
    return make_flow(store, dms, crm)


def read_all(stream: Any) -> pd.DataFrame:
    frames = list(stream.read())
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def customers_stream(store: Store, profile: ProfileInfo) -> tuple[DmsFileConnector, ExtractStream]:
    connector = ProfileService(store).connector(profile.id)
    assert isinstance(connector, DmsFileConnector)
    stream = connector.streams()["customers"]
    assert isinstance(stream, ExtractStream)
    return connector, stream


# --- files still being written -----------------------------------------------------------
def test_a_file_still_growing_is_left_for_the_next_poll(
    store: Store, sftp: LocalSftpServer, dms: ProfileInfo
) -> None:
    path = drop(sftp, "CUSTOMERS_1.csv", HEADER + rows(1, 3))
    connector, stream = customers_stream(store, dms)
    pickup = connector.pickup()

    def dms_still_writing(_seconds: float) -> None:  # between the poll's two looks
        with path.open("a", encoding="utf-8") as handle:
            handle.write(rows(4, 1))

    pickup.sleep = dms_still_writing
    assert read_all(stream).empty
    assert pickup.poll_result.left == ["CUSTOMERS_1.csv"]
    assert sftp.reads == []  # not even opened: never half a file
    pickup.sleep = time.sleep  # the DMS has finished: the next poll takes it whole
    df = read_all(stream)
    assert list(df["customer_id"]) == ["C1", "C2", "C3", "C4"]
    assert not stream.rejects


def test_a_delta_still_being_written_holds_back_the_ones_after_it(
    store: Store, sftp: LocalSftpServer, dms: ProfileInfo
) -> None:
    drop(sftp, "CUSTOMERS_1.csv", HEADER + rows(1, 2))
    growing = drop(sftp, "CUSTOMERS_2.csv", HEADER + rows(3, 2))
    drop(sftp, "CUSTOMERS_3.csv", HEADER + rows(5, 2))
    drop(sftp, "CUSTOMERS_4.csv", "")  # created, nothing written yet: not an extract yet
    connector, stream = customers_stream(store, dms)
    pickup = connector.pickup()
    pickup.sleep = lambda _s: growing.write_text(HEADER + rows(3, 3), "utf-8")
    assert list(read_all(stream)["customer_id"]) == ["C1", "C2"]
    assert pickup.poll_result.left == ["CUSTOMERS_2.csv", "CUSTOMERS_3.csv"]
    assert pickup.poll_result.to_move == ["CUSTOMERS_1.csv"]


# --- the host key ------------------------------------------------------------------------
def test_first_use_pins_the_host_key_and_a_changed_key_is_refused(
    store: Store, sftp: LocalSftpServer, dms: ProfileInfo, memory_crm_flow: str
) -> None:
    profiles = ProfileService(store)
    assert not profiles.get(dms.id).settings.get(HOST_KEY)
    drop(sftp, "CUSTOMERS_1.csv", HEADER + rows(1, 3))
    first = profiles.test(dms.id)
    key = fingerprint(sftp.host_key)
    assert first.ok, first.message
    assert f"{key}, pinned now (saved with the connection)" in first.message
    assert "1 file(s) matching CUSTOMERS_*.csv wait in /out" in first.message
    assert profiles.get(dms.id).settings[HOST_KEY] == key  # saved through the service
    again = profiles.test(dms.id)
    assert again.ok and f"{key}, the pinned one" in again.message
    sftp.reads.clear()

    new_key = fingerprint(sftp.replace_host_key())
    refused = profiles.test(dms.id)
    assert not refused.ok
    for text in (
        f"showed the host key {new_key}, which is not the pinned one ({key})",
        "Nothing was downloaded or moved.",
        "If the server was really replaced",
        "clear the pinned key in the connection settings",
    ):
        assert text in refused.message
    _connector, stream = customers_stream(store, dms)
    with pytest.raises(HostKeyMismatchError):
        read_all(stream)
    run = SyncEngine(store).run(memory_crm_flow)
    assert run.status == "failed" and new_key in (run.error or "") and key in (run.error or "")
    assert sftp.reads == [] and sftp.renames == []  # nothing downloaded, nothing moved
    assert inbox(sftp) == ["CUSTOMERS_1.csv"] and processed(sftp) == []
    assert profiles.get(dms.id).settings[HOST_KEY] == key  # the pin stays

    # the way out the message names: clear the pin; the next connection pins the new key
    profiles.update(dms.id, settings={**profiles.get(dms.id).settings, HOST_KEY: ""})
    assert profiles.test(dms.id).ok
    assert profiles.get(dms.id).settings[HOST_KEY] == new_key


def test_an_unsaved_test_shows_the_key_for_the_editor_to_pin(sftp: LocalSftpServer) -> None:
    result = ProfileService.test_unsaved(
        "dms_file", sftp_settings(sftp), {"sftp_password": PASSWORD}
    )
    key = fingerprint(sftp.host_key)
    assert result.ok, result.message
    assert f"host key {key}; it is pinned when you save the connection" in result.message
    assert "No file matching CUSTOMERS_*.csv waits in /out now" in result.message
    assert result.details["learned"] == {HOST_KEY: key}


def test_sftp_settings_are_checked_only_when_sftp_is_chosen() -> None:
    problems = DmsFileConnector.validate({"source": "sftp"}, {})
    assert {"sftp_host", "sftp_username", "sftp_password"} <= set(problems)
    assert "folder" not in problems
    assert set(DmsFileConnector.validate({"source": "folder"}, {})) == {"folder"}
    host = DmsFileConnector.field("sftp_host")
    assert not host.visible({"source": "folder"}, {}) and host.visible({"source": "sftp"}, {})
    assert not DmsFileConnector.field("folder").visible({"source": "sftp"}, {})


# --- processed/ only after the commit -------------------------------------------------------
def test_files_move_to_processed_only_after_the_run_commits(
    store: Store,
    sftp: LocalSftpServer,
    memory_crm_flow: str,
    world: type[World],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drop(sftp, "CUSTOMERS_1.csv", HEADER + rows(1, 3))
    engine = SyncEngine(store)
    world.fail_batches = 100  # the destination is down: the run fails
    failed = engine.run(memory_crm_flow)
    assert failed.status == "failed"
    assert inbox(sftp) == ["CUSTOMERS_1.csv"] and processed(sftp) == []
    world.fail_batches = 0
    assert engine.run(memory_crm_flow, dry_run=True).status == "dry_run"
    assert inbox(sftp) == ["CUSTOMERS_1.csv"] and processed(sftp) == []

    seen: list[tuple[str, list[str]]] = []
    original = ExtractStream.after_commit

    def spy(stream: ExtractStream) -> None:
        with store.session() as s:
            run = s.scalars(select(Run).order_by(Run.id.desc())).first()
            assert run is not None
            seen.append((run.status, inbox(sftp)))
        original(stream)

    monkeypatch.setattr(ExtractStream, "after_commit", spy)
    done = engine.run(memory_crm_flow)
    assert done.status == "succeeded" and done.counts["created"] == 3
    assert seen == [("succeeded", ["CUSTOMERS_1.csv"])]  # committed first, then moved
    assert inbox(sftp) == [] and processed(sftp) == ["CUSTOMERS_1.csv"]
    assert len(world.sink) == 3
    assert engine.run(memory_crm_flow).counts["read"] == 0  # nothing new

    # a record the destination refuses is parked: its file still counts as taken
    drop(sftp, "CUSTOMERS_2.csv", HEADER + rows(4, 2))
    world.reject_if = {"p5@example.com": "the CRM refused this e-mail"}
    parked = engine.run(memory_crm_flow)
    assert parked.status == "completed_with_errors" and parked.counts["parked"] == 1
    assert inbox(sftp) == [] and processed(sftp) == ["CUSTOMERS_1.csv", "CUSTOMERS_2.csv"]
    with store.session() as s:
        assert [p.record_key for p in s.scalars(select(ParkedRecord))] == ["C5"]


def test_a_file_of_the_same_name_already_processed_is_kept(
    store: Store, sftp: LocalSftpServer, memory_crm_flow: str
) -> None:
    drop(sftp, "CUSTOMERS_1.csv", HEADER + rows(1, 1))
    assert SyncEngine(store).run(memory_crm_flow).status == "succeeded"
    drop(sftp, "CUSTOMERS_1.csv", HEADER + rows(2, 1))  # the DMS reuses the name
    assert SyncEngine(store).run(memory_crm_flow).counts["created"] == 1
    assert processed(sftp) == ["CUSTOMERS_1 (2).csv", "CUSTOMERS_1.csv"]


def test_a_malformed_row_is_rejected_with_its_reason_and_the_rest_goes_through(
    store: Store, sftp: LocalSftpServer, memory_crm_flow: str, world: type[World]
) -> None:
    bad = "C9,first9,last9,p9@example.com,(313) 555-0009,EXTRA\n"
    drop(sftp, "CUSTOMERS_7.csv", HEADER + rows(1, 1) + bad + rows(2, 2))
    summary = SyncEngine(store).run(memory_crm_flow)
    assert summary.status == "completed_with_errors"
    assert summary.counts["created"] == 3 and summary.counts["parked"] == 1
    assert sorted(r["external_id"] for r in world.sink.values()) == ["C1", "C2", "C3"]
    with store.session() as s:
        (parked,) = s.scalars(select(ParkedRecord)).all()
    assert parked.reason == ("CUSTOMERS_7.csv line 3: has 6 values but the header has 5 columns")
    assert processed(sftp) == ["CUSTOMERS_7.csv"]  # the reject is in the retry queue


def test_moving_fails_after_the_commit_the_run_stands_and_the_file_is_read_again(
    store: Store, sftp: LocalSftpServer, memory_crm_flow: str
) -> None:
    drop(sftp, "CUSTOMERS_1.csv", HEADER + rows(1, 2))
    (sftp.root / "out" / "processed").write_text("a file where the folder should be")
    first = SyncEngine(store).run(memory_crm_flow)
    assert first.status == "succeeded" and inbox(sftp) == ["CUSTOMERS_1.csv", "processed"]
    again = SyncEngine(store).run(memory_crm_flow)
    assert again.counts["read"] == 2 and again.counts["created"] == 0  # nothing sent twice


# --- killed before the commit -------------------------------------------------------------
def _run_child(paths: AppPaths, flow: str, hang_after: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.run_flow", str(paths.data_dir), flow],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, HANG_AFTER: str(hang_after)},
    )


def test_a_run_killed_before_its_commit_is_picked_up_again_once(
    store: Store, paths: AppPaths, sftp: LocalSftpServer, dms: ProfileInfo, tmp_path: Path
) -> None:
    sink = tmp_path / "crm.json"
    crm = ProfileService(store).create("File CRM", "test_file_sink", {"path": str(sink)})
    flow = make_flow(store, dms, crm)
    drop(sftp, "CUSTOMERS_20261101.csv", HEADER + rows(1, 7))

    # the child downloads the file, delivers one batch of two, then hangs on the next
    child = _run_child(paths, flow, hang_after=1)
    marker = Path(f"{sink}.hanging")
    deadline = time.monotonic() + 60
    while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marker.exists(), (child.poll(), child.stderr.read() if child.stderr else b"")
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    marker.unlink()

    with store.session() as s:
        (killed,) = s.scalars(select(Run)).all()
    assert killed.status == "running"  # it never committed
    assert inbox(sftp) == ["CUSTOMERS_20261101.csv"] and processed(sftp) == []
    assert sorted(load(sink)["records"]) == ["C1", "C2"]
    # the killed run had pinned the host key, through the service, in its own process
    assert ProfileService(store).get(dms.id).settings[HOST_KEY] == fingerprint(sftp.host_key)

    second = SyncEngine(store).run(flow)
    assert second.status == "succeeded", second.error
    assert second.counts["read"] == 7  # the same file, read once
    data = load(sink)
    assert sorted(data["records"]) == [f"C{n}" for n in range(1, 8)]
    assert set(data["created"].values()) == {1}  # nothing created twice
    assert inbox(sftp) == [] and processed(sftp) == ["CUSTOMERS_20261101.csv"]

    writes = data["writes"]
    third = SyncEngine(store).run(flow)
    assert third.status == "succeeded" and third.counts["read"] == 0
    assert load(sink)["writes"] == writes


def test_connector_errors_name_the_folder(store: Store, sftp: LocalSftpServer) -> None:
    profile = ProfileService(store).create(
        "Wrong folder",
        "dms_file",
        sftp_settings(sftp, sftp_folder="/nope"),
        {"sftp_password": PASSWORD},
    )
    _connector, stream = customers_stream(store, profile)
    with pytest.raises(ConnectorError, match="'/nope' cannot be listed"):
        read_all(stream)
    assert not ProfileService(store).test(profile.id).ok


def test_a_private_key_pasted_on_one_line_still_reads() -> None:
    key = paramiko.ECDSAKey.generate()
    text = io.StringIO()
    key.write_private_key(text)
    one_line = text.getvalue().replace("\n", " ")
    assert fingerprint(private_key(one_line)) == fingerprint(key)
    with pytest.raises(ConnectorError, match="not a key paramiko can read"):
        private_key(
            "-----BEGIN OPENSSH PRIVATE KEY----- nonsense -----END OPENSSH PRIVATE KEY-----"
        )
