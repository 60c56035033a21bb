"""The ADF inbox's HTTP side: signed POSTs are spooled (202), unsigned ones refused (401),
oversized ones refused before they are read (413); the next read parses the spool like
mail (hostile XML rejected with its reason) and ``after_commit`` moves what it read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from app.connectors.adf_http import SIGNATURE_HEADER, AdfHttpListener, sign
from app.connectors.adf_inbox import AdfInboxConnector, InboxStream
from app.connectors.errors import ConnectorError
from app.sandbox.servers.credentials import demo_credentials
from app.sandbox.servers.lead_mailbox import LeadMailbox
from tests.formats.test_adf_safety import XXE
from tests.support.lead_mail import adf_lead, inbox

SECRET = "s3cret-shared"


@pytest.fixture
def connector(tmp_path: Path) -> Iterator[AdfInboxConnector]:
    box = LeadMailbox(demo_credentials(6)["lead_mailbox"])
    box.start()
    yield inbox(
        box.port_entry(),
        {"shared_secret": SECRET},
        listen=True,
        listen_port=0,  # the OS picks one
        spool_folder=str(tmp_path / "spool"),
        max_bytes=20_000,
    )
    box.stop()


@pytest.fixture
def listener(connector: AdfInboxConnector) -> Iterator[AdfHttpListener]:
    running = connector.listener()
    running.start()
    yield running
    running.stop()


def post(listener: AdfHttpListener, body: bytes, **headers: Any) -> httpx.Response:
    return httpx.post(
        listener.url, content=body, headers={"Content-Type": "application/xml", **headers}
    )


def test_signed_posts_are_spooled_and_read_as_leads(
    connector: AdfInboxConnector, listener: AdfHttpListener
) -> None:
    body = adf_lead(1).encode()
    answer = post(listener, body, **{SIGNATURE_HEADER: sign(SECRET, body)})
    assert answer.status_code == 202 and answer.json()["status"] == "accepted"
    hostile = XXE.encode()
    assert post(listener, hostile, **{SIGNATURE_HEADER: sign(SECRET, hostile)}).status_code == 202
    stream = connector.streams()["leads"]
    assert isinstance(stream, InboxStream)
    rows = pd.concat(list(stream.read()), ignore_index=True)
    assert list(rows["first_name"]) == ["Pat1"] and rows["channel"][0] == "http"
    (reject,) = stream.take_rejects()
    assert reject["key"].startswith("http ") and "external entity (XXE)" in reject["reason"]
    spool = connector.spool()
    assert len(spool.pending()) == 2
    connector.settings = {**connector.settings, "listen": False}  # turned off meanwhile
    assert [len(f) for f in connector.streams()["leads"].read()] == [1]  # still read
    stream.after_commit()
    assert spool.pending() == [] and len(list(spool.processed.glob("*.xml"))) == 2


def test_unsigned_wrongly_signed_and_oversized_posts_are_refused(
    connector: AdfInboxConnector, listener: AdfHttpListener
) -> None:
    body = adf_lead(2).encode()
    assert post(listener, body).status_code == 401
    assert post(listener, body, **{SIGNATURE_HEADER: sign("guess", body)}).status_code == 401
    big = b"<adf>" + b" " * 30_000 + b"</adf>"
    refused = post(listener, big, **{SIGNATURE_HEADER: sign(SECRET, big)})
    assert refused.status_code == 413 and "over the limit of 20,000" in refused.json()["error"]
    assert connector.spool().pending() == [] and listener.refused == 3
    assert httpx.get(listener.url + "health").status_code == 200


def test_listening_needs_a_secret(tmp_path: Path) -> None:
    connector = AdfInboxConnector(
        {"imap_host": "x", "username": "y", "listen": True, "spool_folder": str(tmp_path)}, {}
    )
    with pytest.raises(ConnectorError, match="only with a shared secret"):
        connector.listener()
