"""The demo dealership's lead mailbox: where lead providers e-mail ADF leads.

Mail sent to its SMTP port (plain SMTP on 127.0.0.1) is filed in ``INBOX``; the app reads
it over IMAPS (``imap``) with the demo user name and password. The TLS certificate comes
from a throw-away certificate authority (trustme) made at each start: a client trusts
the CA (``ca_pem``) or pins the certificate's SHA-256 ``fingerprint``.
"""

from __future__ import annotations

import hashlib
import ssl
import time
from typing import Any

import trustme
from aiosmtpd.smtp import SMTP, Envelope, Session

from app.sandbox.servers.imap import HOST, ImapServer
from app.sandbox.servers.mailbox import INBOX, Mailbox
from app.sandbox.servers.smtp_sink import SmtpSink


class MailboxDelivery:
    """aiosmtpd handler: every message received is filed in the mailbox's INBOX."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox
        self.received = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        now = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
        stamp = f"Received: from sandbox by lead-mailbox; {now}\r\n".encode("ascii")
        uid = self.mailbox.deliver(stamp + raw, INBOX)
        self.received += 1
        return f"250 2.0.0 Filed in {INBOX} as UID {uid}"


class LeadMailbox:
    """SMTP in, IMAPS out, one mailbox between them."""

    def __init__(self, credentials: dict[str, str]) -> None:
        self.credentials = dict(credentials)
        self.mailbox = Mailbox()
        self.ca = trustme.CA(organization_name="Rooftop Sync sandbox")
        self._leaf = self.ca.issue_cert(HOST, "localhost")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._leaf.configure_cert(context)
        self.imap = ImapServer(
            self.mailbox,
            context,
            username=credentials["username"],
            password=credentials["password"],
        )
        self.delivery = MailboxDelivery(self.mailbox)
        self.smtp = SmtpSink(
            self.delivery,
            name="lead-mailbox",
            hostname="mail.demo-motors.sandbox.test",
            label="The sandbox lead mailbox's SMTP server",
        )

    @property
    def ca_pem(self) -> str:
        return self.ca.cert_pem.bytes().decode("ascii")

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the IMAPS certificate (DER), as hex: what a client may pin."""
        pem = self._leaf.cert_chain_pems[0].bytes().decode("ascii")
        return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()

    def start(self) -> None:
        self.imap.start()
        try:
            self.smtp.start()
        except BaseException:
            self.imap.stop()
            raise

    def stop(self) -> None:
        self.smtp.stop()
        self.imap.stop()

    def drop_mid_fetch(self, times: int = 1) -> None:
        """Fault switch: the next ``times`` body fetches lose the connection halfway."""
        self.imap.drop_mid_fetch(times)

    def port_entry(self) -> dict[str, Any]:
        """What the port file says about the mailbox."""
        return {
            "url": self.smtp.url,
            "imap_url": self.imap.url,
            "credentials": {
                **self.credentials,
                "folder": INBOX,
                "fingerprint": self.fingerprint,
                "ca_pem": self.ca_pem,
            },
        }
