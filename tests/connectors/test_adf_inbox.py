"""The ``adf_inbox`` connector against the sandbox lead mailbox (real SMTP in, real IMAPS
out on 127.0.0.1): reading marks nothing, resends are one record, hostile mail becomes a
reject with its reason, a dropped connection loses and doubles nothing, and only
``after_commit`` files messages away."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from app.connectors.adf_inbox import RECONNECTS, AdfInboxConnector, InboxStream
from app.connectors.errors import ConnectorError
from app.sandbox.servers.credentials import demo_credentials
from app.sandbox.servers.lead_mailbox import LeadMailbox
from tests.formats.test_adf_safety import BILLION_LAUGHS, XXE
from tests.support.lead_mail import adf_lead, inbox, send_mail


@pytest.fixture
def mailbox() -> Iterator[LeadMailbox]:
    box = LeadMailbox(demo_credentials(5)["lead_mailbox"])
    box.start()
    yield box
    box.stop()


@pytest.fixture
def entry(mailbox: LeadMailbox) -> dict[str, Any]:
    return mailbox.port_entry()


def read(connector: AdfInboxConnector) -> tuple[InboxStream, pd.DataFrame]:
    stream = connector.streams()["leads"]
    assert isinstance(stream, InboxStream)
    frames = list(stream.read())
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return stream, rows


def test_leads_are_read_newest_first_and_reading_marks_nothing(
    mailbox: LeadMailbox, entry: dict[str, Any]
) -> None:
    for n in (1, 2, 3):
        send_mail(entry, adf_lead(n, trade_in=n == 2))
    stream, rows = read(inbox(entry))
    assert list(rows["first_name"]) == ["Pat3", "Pat2", "Pat1"]
    traded = rows[rows["first_name"] == "Pat2"].iloc[0]
    assert traded["vehicle_description"] == "2021 Honda CR-V"
    assert traded["vehicle_vin"] == "1FADP5AU6DL536022"
    assert (
        traded["trade_in_description"]
        == "Trade-in: 2015 Ford Focus, VIN 1G4AH59H45G118341, 88000 miles"
    )
    assert (traded["provider_id"], traded["channel"]) == ("cars.example:CE-2", "e-mail")
    assert traded["message_id"].startswith("<") and traded["subject"] == "New lead"
    again = read(inbox(entry))[1]
    assert list(again["lead_key"]) == list(rows["lead_key"])
    messages = mailbox.mailbox.messages("INBOX")
    assert len(messages) == 3 and all(not m.flags for m in messages)  # nothing \Seen
    assert stream.take_rejects() == []


def test_a_lead_sent_twice_is_one_record_and_both_messages_are_filed(
    mailbox: LeadMailbox, entry: dict[str, Any]
) -> None:
    send_mail(entry, adf_lead(7))
    send_mail(entry, adf_lead(7, status="resend").encode(), subject="Lead (resent)")
    send_mail(entry, adf_lead(8))
    stream, rows = read(inbox(entry))
    assert sorted(rows["first_name"]) == ["Pat7", "Pat8"] and stream.resends == 1
    stream.after_commit()
    assert mailbox.mailbox.messages("INBOX") == []
    assert len(mailbox.mailbox.messages("Processed")) == 3


def test_hostile_and_unusable_mail_is_rejected_with_its_reason_and_the_rest_goes_on(
    mailbox: LeadMailbox, entry: dict[str, Any]
) -> None:
    send_mail(entry, adf_lead(1))
    send_mail(entry, XXE, subject="XXE")
    send_mail(entry, BILLION_LAUGHS.encode(), subject="Laughs")
    send_mail(entry, "Cheap watches!", subject="Spam")
    send_mail(entry, adf_lead(2, vehicles=10_000), subject="Ten thousand vehicles")
    send_mail(entry, adf_lead(3))
    stream, rows = read(inbox(entry, max_bytes=2_000_000))
    assert sorted(rows["first_name"]) == ["Pat1", "Pat3"]
    reasons = {r["payload"]["subject"]: r["reason"] for r in stream.take_rejects()}
    assert "external entity (XXE)" in reasons["XXE"]
    assert "billion laughs" in reasons["Laughs"]
    assert reasons["Spam"].startswith("No ADF lead in this e-mail (from leads@cars.example")
    assert "lists 10,000 vehicles; a lead carries at most 20" in reasons["Ten thousand vehicles"]
    parked = next(r for r in stream.rejects if r["payload"]["subject"] == "XXE")
    assert parked["key"].startswith("e-mail <") and parked["payload"]["lead_key"] == parked["key"]
    assert "ENTITY" in parked["payload"]["excerpt"]  # kept as text, never parsed again
    assert len(stream.taken.uids) == 6  # every message is filed after the commit


def test_mail_over_the_size_limit_is_not_downloaded(
    mailbox: LeadMailbox, entry: dict[str, Any]
) -> None:
    send_mail(entry, adf_lead(1).replace("still available", "x" * 100_000), subject="Huge")
    send_mail(entry, adf_lead(2).replace("still available", "x" * 40_000), subject="Big")
    send_mail(entry, adf_lead(3))
    stream, rows = read(inbox(entry, max_bytes=10_000))
    assert list(rows["first_name"]) == ["Pat3"]
    big, huge = stream.take_rejects()  # newest first
    assert (
        "over the limit for a lead (10,000 bytes of ADF); it was not downloaded" in (huge["reason"])
    )
    assert huge["payload"]["subject"] == ""  # its headers were never fetched either
    assert big["payload"]["subject"] == "Big"
    assert "bytes, over the limit of 10,000; it was not read" in big["reason"]


def test_a_connection_dropped_mid_fetch_is_opened_again_and_loses_nothing(
    mailbox: LeadMailbox, entry: dict[str, Any]
) -> None:
    for n in range(1, 6):
        send_mail(entry, adf_lead(n))
    mailbox.drop_mid_fetch(2)
    stream, rows = read(inbox(entry))
    assert sorted(rows["first_name"]) == [f"Pat{n}" for n in range(1, 6)]
    assert sorted(stream.taken.uids) == [1, 2, 3, 4, 5]
    assert mailbox.imap.sessions_opened >= 3


def test_a_connection_that_keeps_dropping_stops_the_read_and_files_nothing(
    mailbox: LeadMailbox, entry: dict[str, Any]
) -> None:
    send_mail(entry, adf_lead(1))
    mailbox.drop_mid_fetch(RECONNECTS + 1)
    stream = inbox(entry).streams()["leads"]
    with pytest.raises(ConnectorError, match="dropped the connection 4 times"):
        list(stream.read())
    assert len(mailbox.mailbox.messages("INBOX")) == 1


def test_only_what_the_run_read_is_filed_after_the_commit(
    mailbox: LeadMailbox, entry: dict[str, Any]
) -> None:
    send_mail(entry, adf_lead(1))
    stream, _rows = read(inbox(entry))
    send_mail(entry, adf_lead(2))  # arrives after the read
    stream.after_commit()
    (left,) = mailbox.mailbox.messages("INBOX")
    assert b"Pat2" in left.raw
    stream.after_commit()  # a second call files nothing more
    assert len(mailbox.mailbox.messages("INBOX")) == 1


def test_check_signs_in_and_says_what_waits(entry: dict[str, Any], tmp_path: Path) -> None:
    send_mail(entry, adf_lead(1))
    result = inbox(entry).check()
    assert result.ok and "'INBOX' holds 1 message(s)" in result.message
    wrong = inbox(entry, cert_fingerprint="00" * 32).check()
    assert not wrong.ok and "not the pinned 0000" in wrong.message
    denied = inbox(entry, secrets={"password": "nope"}).check()
    assert not denied.ok and "refused the user name / password" in denied.message
    ca = tmp_path / "ca.pem"
    ca.write_text(entry["credentials"]["ca_pem"])
    assert inbox(entry, cert_fingerprint="", ca_file=str(ca)).check().ok
    untrusted = inbox(entry, cert_fingerprint="").check()
    assert not untrusted.ok and "certificate this computer does not trust" in untrusted.message


def test_settings_are_validated() -> None:
    base = {"imap_host": "imap.example.com", "username": "leads@example.com"}
    assert AdfInboxConnector.validate(base, {"password": "x"}) == {}
    problems = AdfInboxConnector.validate(
        {**base, "listen": True, "processed_folder": "inbox"}, {"password": "x"}
    )
    assert set(problems) == {"processed_folder", "spool_folder", "shared_secret"}
    listen = AdfInboxConnector.field("listen_port")
    assert listen.visible({"listen": True}, {}) and not listen.visible({}, {"listen": False})


def test_an_erasure_deletes_their_lead_mails_and_only_theirs(
    mailbox: LeadMailbox, entry: dict[str, Any]
) -> None:
    """Filed (processed) and still-waiting lead e-mails of an erased person are deleted on
    the IMAP server -- found by e-mail address, or by phone digits in an attached ADF --
    and everyone else's stay; the answer counts, it names no one."""
    from app.connectors.erasure import ErasureSubject

    send_mail(entry, adf_lead(1, email="erin.q@example.org"))
    send_mail(entry, adf_lead(2))
    send_mail(entry, adf_lead(3).encode())  # an attachment: phone 313-555-1003 inside base64
    stream, _rows = read(inbox(entry))
    stream.after_commit()  # all three filed in Processed
    send_mail(entry, adf_lead(4, email="Erin.Q@example.org"))  # one of hers still waiting
    subject = ErasureSubject(("x",), ("erin.q@example.org",), ("+13135551003",))
    result = inbox(entry).erase_person(subject)
    assert (result.status, result.message) == (
        "deleted",
        "3 lead e-mail(s) deleted from the mailbox",
    )
    kept = mailbox.mailbox.messages("Processed")
    assert [b"Pat2" in m.raw for m in kept] == [True]
    assert mailbox.mailbox.messages("INBOX") == []
    again = inbox(entry).erase_person(subject)
    assert again.status == "not_found" and "erin" not in again.message.lower()
