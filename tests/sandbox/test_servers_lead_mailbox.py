"""The sandbox lead mailbox: its port-file entry, SMTP in, and the IMAPS subset out
(spoken to with the stdlib's imaplib, the way any mail client would)."""

from __future__ import annotations

import contextlib
import imaplib
import ssl
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from app.sandbox.servers import SandboxServers
from app.sandbox.servers.lead_mailbox import LeadMailbox
from tests.support.lead_mail import adf_lead, send_mail


def test_the_port_file_names_smtp_imaps_and_the_demo_credentials(
    servers: SandboxServers,
) -> None:
    entry = servers.port_file_payload()["servers"]["lead_mailbox"]
    assert entry["url"].startswith("smtp://127.0.0.1:")
    assert entry["imap_url"].startswith("imaps://127.0.0.1:")
    credentials = entry["credentials"]
    assert credentials["username"] == credentials["address"] == "leads@demo-motors.sandbox.test"
    assert credentials["password"].startswith("mbx_") and len(credentials["fingerprint"]) == 64
    assert "BEGIN CERTIFICATE" in credentials["ca_pem"]
    box = servers.app("lead_mailbox")
    assert isinstance(box, LeadMailbox)
    send_mail(entry, adf_lead(1))
    (message,) = box.mailbox.messages("INBOX")
    assert b"<adf>" in message.raw and message.raw.startswith(b"Received: ")


@pytest.fixture
def imap(servers: SandboxServers) -> Iterator[tuple[imaplib.IMAP4_SSL, dict[str, Any]]]:
    entry = servers.port_file_payload()["servers"]["lead_mailbox"]
    where = urlsplit(entry["imap_url"])
    context = ssl.create_default_context(cadata=entry["credentials"]["ca_pem"])
    client = imaplib.IMAP4_SSL(where.hostname, where.port, ssl_context=context, timeout=10)
    client.login(entry["credentials"]["username"], entry["credentials"]["password"])
    yield client, entry
    with contextlib.suppress(imaplib.IMAP4.error, OSError):
        client.logout()


def test_examine_and_peek_mark_nothing_while_a_plain_fetch_in_select_marks_seen(
    servers: SandboxServers, imap: tuple[imaplib.IMAP4_SSL, dict[str, Any]]
) -> None:
    client, entry = imap
    send_mail(entry, adf_lead(1))
    box = servers.app("lead_mailbox")
    client.select("INBOX", readonly=True)
    typ, data = client.uid("FETCH", "1", "(BODY[])")
    assert typ == "OK" and b"<adf>" in data[0][1]
    assert box.mailbox.messages()[0].flags == set()
    client.select("INBOX")
    client.uid("FETCH", "1", "(BODY.PEEK[])")
    assert box.mailbox.messages()[0].flags == set()
    client.uid("FETCH", "1", "(BODY[])")
    assert box.mailbox.messages()[0].flags == {"\\Seen"}


def test_move_copy_store_expunge_and_trycreate(
    servers: SandboxServers, imap: tuple[imaplib.IMAP4_SSL, dict[str, Any]]
) -> None:
    client, entry = imap
    for n in (1, 2, 3):
        send_mail(entry, adf_lead(n))
    box = servers.app("lead_mailbox")
    client.select("INBOX")
    assert client.uid("SEARCH", "UNDELETED") == ("OK", [b"1 2 3"])
    typ, data = client.uid("COPY", "1", "Processed")
    assert typ == "NO" and b"TRYCREATE" in data[0]
    assert client.create("Processed")[0] == "OK"
    assert client.uid("MOVE", "1", "Processed")[0] == "OK"
    client.uid("COPY", "2", "Processed")
    client.uid("STORE", "2", "+FLAGS.SILENT", r"(\Deleted)")
    client.uid("EXPUNGE", "2")
    assert [m.uid for m in box.mailbox.messages("INBOX")] == [3]
    assert [m.uid for m in box.mailbox.messages("Processed")] == [1, 2]
    assert client.select("INBOX", readonly=True)[0] == "OK"
    assert client.uid("STORE", "3", "+FLAGS", r"(\Deleted)")[0] == "NO"  # read-only


def test_wrong_password_is_refused_and_the_drop_switch_cuts_a_fetch(
    servers: SandboxServers, imap: tuple[imaplib.IMAP4_SSL, dict[str, Any]]
) -> None:
    client, entry = imap
    where = urlsplit(entry["imap_url"])
    context = ssl.create_default_context(cadata=entry["credentials"]["ca_pem"])
    other = imaplib.IMAP4_SSL(where.hostname, where.port, ssl_context=context, timeout=10)
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        other.login(entry["credentials"]["username"], "wrong")
    other.shutdown()
    send_mail(entry, adf_lead(1))
    send_mail(entry, adf_lead(2))
    servers.app("lead_mailbox").drop_mid_fetch(1)
    client.select("INBOX", readonly=True)
    with pytest.raises(imaplib.IMAP4.abort):
        client.uid("FETCH", "1:*", "(BODY.PEEK[])")
    client.shutdown()
    again = imaplib.IMAP4_SSL(where.hostname, where.port, ssl_context=context, timeout=10)
    again.login(entry["credentials"]["username"], entry["credentials"]["password"])
    again.select("INBOX", readonly=True)
    typ, data = again.uid("FETCH", "1:*", "(BODY.PEEK[])")  # the switch fired once
    assert typ == "OK" and len([d for d in data if isinstance(d, tuple)]) == 2
    again.logout()
