"""Delivery to a folder, to a local SFTP server and by HTTP upload — always atomic."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.connectors.errors import AuthError, ConnectorError
from app.connectors.feed_delivery import FeedTargetConnector
from app.connectors.feed_files import CHUNK, temp_name
from app.connectors.feed_sftp import fingerprint
from app.sandbox.servers import SandboxServers
from tests.support.feeds import listings
from tests.support.sftp_server import PASSWORD, USER, LocalSftpServer

OLD = b"vin,price\n" + b"1G4AH59H45G118341,1\n"
NEW = b"vin,price\n" + b"1FADP5AU6DL536022,2\n" * (3 * CHUNK // 20)  # several chunks


def _folder_target(folder: Path) -> FeedTargetConnector:
    return FeedTargetConnector({"delivery": "folder", "folder": str(folder)}, {})


def test_folder_write_is_atomic(tmp_path: Path) -> None:
    target = _folder_target(tmp_path)
    final = tmp_path / "website.csv"
    final.write_bytes(OLD)
    seen: list[tuple[bytes, list[str]]] = []

    def during(_written: int) -> None:  # runs while the new feed is half written
        seen.append((final.read_bytes(), sorted(p.name for p in tmp_path.iterdir())))

    receipt = target.deliver("website.csv", NEW, "text/csv", on_chunk=during)
    assert len(seen) >= 3
    for content, names in seen:
        assert content == OLD  # a reader only ever sees the old complete file...
        temps = [n for n in names if n != "website.csv"]
        assert (
            len(temps) == 1 and temps[0].startswith(".website.csv.") and temps[0].endswith(".part")
        )
    assert final.read_bytes() == NEW  # ...then the new complete file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["website.csv"]  # no leftovers
    assert receipt.location == str(final) and receipt.size == len(NEW)


def test_folder_write_that_fails_midway_keeps_the_old_feed(tmp_path: Path) -> None:
    final = tmp_path / "meta.csv"
    final.write_bytes(OLD)

    def crash(written: int) -> None:
        if written > CHUNK:
            raise OSError(28, "No space left on device")

    with pytest.raises(ConnectorError, match="No space left"):
        _folder_target(tmp_path).deliver("meta.csv", NEW, "text/csv", on_chunk=crash)
    assert final.read_bytes() == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["meta.csv"]


def test_folder_that_does_not_exist_is_a_plain_error(tmp_path: Path) -> None:
    target = _folder_target(tmp_path / "missing")
    with pytest.raises(ConnectorError, match="does not exist"):
        target.deliver("x.csv", NEW, "text/csv")
    assert not target.check().ok


def test_temp_names_never_equal_the_final_name() -> None:
    names = {temp_name("google.tsv") for _ in range(50)}
    assert len(names) == 50 and "google.tsv" not in names
    assert all(n.startswith(".") for n in names)


def test_settings_are_validated_per_delivery_mode() -> None:
    problems = FeedTargetConnector.validate({"delivery": "sftp"}, {})
    assert {"sftp_host", "sftp_username", "sftp_password"} <= set(problems)
    assert "folder" in FeedTargetConnector.validate({"delivery": "folder"}, {})
    assert "api_key" in FeedTargetConnector.validate(
        {"delivery": "http", "http_url": "https://x.example/feeds/website"}, {}
    )


@pytest.fixture
def sftp(tmp_path: Path) -> Iterator[LocalSftpServer]:
    root = tmp_path / "sftp-root"
    (root / "in").mkdir(parents=True)
    server = LocalSftpServer(root).start()
    yield server
    server.stop()


def _sftp_target(server: LocalSftpServer, host_key: str) -> FeedTargetConnector:
    settings = {
        "delivery": "sftp",
        "sftp_host": "127.0.0.1",
        "sftp_port": server.port,
        "sftp_username": USER,
        "sftp_folder": "/in",
        "sftp_host_key": host_key,
        "file_name": "google_vehicles.tsv",
    }
    return FeedTargetConnector(settings, {"sftp_password": PASSWORD})


def test_sftp_upload_is_atomic(sftp: LocalSftpServer) -> None:
    target = _sftp_target(sftp, fingerprint(sftp.host_key))
    final = sftp.root / "in" / "google_vehicles.tsv"
    final.write_bytes(OLD)
    seen: list[bytes] = []
    name = target.file_name("google", "tsv")
    receipt = target.deliver(
        name, NEW, "text/tab-separated-values", on_chunk=lambda _n: seen.append(final.read_bytes())
    )
    assert seen and all(content == OLD for content in seen)
    assert final.read_bytes() == NEW
    assert [p.name for p in (sftp.root / "in").iterdir()] == ["google_vehicles.tsv"]
    ((old, new),) = sftp.renames
    assert new == "/in/google_vehicles.tsv" and old != new and "/." in old  # rename came last
    assert receipt.location.endswith("/in/google_vehicles.tsv")
    assert target.check().ok


def test_sftp_refuses_an_unknown_host_key(sftp: LocalSftpServer) -> None:
    shown = _sftp_target(sftp, "").check()
    assert not shown.ok and fingerprint(sftp.host_key) in shown.message
    wrong = _sftp_target(sftp, "SHA256:" + "A" * 43)
    with pytest.raises(ConnectorError, match="not the saved one"):
        wrong.deliver("g.tsv", NEW, "text/tab-separated-values")
    assert not (sftp.root / "in" / "g.tsv").exists()


def test_sftp_wrong_password_is_an_auth_error(sftp: LocalSftpServer) -> None:
    target = FeedTargetConnector(
        {**_sftp_target(sftp, fingerprint(sftp.host_key)).settings},
        {"sftp_password": "wrong"},
    )
    with pytest.raises(AuthError):
        target.deliver("g.tsv", NEW, "text/tab-separated-values")


def _http_target(sandbox: SandboxServers, channel: str, key: str = "") -> FeedTargetConnector:
    web = sandbox.servers["website"]
    return FeedTargetConnector(
        {"delivery": "http", "http_url": f"{web.url}/feeds/{channel}"},
        {"api_key": key or web.credentials["api_key"]},
    )


def test_http_upload_to_the_feed_receiver(feeds_sandbox: SandboxServers) -> None:
    data = (
        b"vin,price,make,model,year\n"
        b"1G4AH59H45G118341,4999,Buick,LaCrosse,2005\n"
        b"1G4AH59H45G118341,4999,Buick,LaCrosse,2005\n"  # the receiver refuses the repeat
    )
    target = _http_target(feeds_sandbox, "website")
    receipt = target.deliver("website.csv", data, "text/csv")
    assert receipt.accepted == 1
    assert receipt.rejected and receipt.rejected[0]["row"] == 2
    assert [r["vin"] for r in listings(feeds_sandbox, "website")] == ["1G4AH59H45G118341"]
    assert target.check().ok


def test_http_upload_with_a_wrong_key_is_an_auth_error(feeds_sandbox: SandboxServers) -> None:
    target = _http_target(feeds_sandbox, "meta", key="wrong")
    with pytest.raises(AuthError):
        target.deliver("meta.csv", b"vehicle_id\n", "text/csv")
    assert not target.check().ok
