"""How an ADF document reaches its receiver: an HTTP POST or an e-mail.

Both senders answer per document with a ``WriteResult`` (created, or rejected with the
receiver's reason) and raise ``AuthError`` / ``DeliveryError`` for problems that concern
every document (bad credentials, receiver unreachable after retries).
"""

from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import make_msgid
from types import TracebackType
from urllib.parse import urlsplit

import httpx

from app.connectors.errors import AuthError, ConnectorError, DeliveryError
from app.connectors.rest.auth import ApiKeyAuth
from app.connectors.rest.client import ResilientClient, RetryPolicy
from app.connectors.rest_helpers import error_text
from app.connectors.streams import WriteAction, WriteResult

SMTP_ATTEMPTS = 3


class HttpSender:
    """POST ``application/xml`` to one URL, with an optional API-key header."""

    def __init__(
        self,
        url: str,
        *,
        api_key: str = "",
        api_key_header: str = "X-API-Key",
        timeout_s: float = 30.0,
        max_attempts: int = 6,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConnectorError(f"The lead intake URL '{url}' is not a web address.")
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.client = ResilientClient(
            f"{parts.scheme}://{parts.netloc}",
            ApiKeyAuth(api_key, api_key_header) if api_key else None,
            timeout_s=timeout_s,
            retry=RetryPolicy(max_attempts=max_attempts),
        )

    def post(self, document: str) -> httpx.Response:
        return self.client.request(
            "POST",
            self.path,
            content=document.encode("utf-8"),
            headers={"Content-Type": "application/xml; charset=utf-8"},
        )

    def send(self, document: str, subject: str) -> WriteResult:
        response = self.post(document)
        if response.status_code in (401, 403):
            raise AuthError(
                f"The lead intake refused our credentials: {error_text(response)}.",
                hint="Check the API key in the connection profile.",
            )
        if response.status_code >= 300:
            return WriteResult(
                WriteAction.REJECTED, error=f"The receiver refused the lead: {error_text(response)}"
            )
        dest_id = None
        body: dict[str, object] | None = None
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            body = parsed
            leads = parsed.get("leads")
            if isinstance(leads, list) and leads and isinstance(leads[0], dict):
                dest_id = str(leads[0].get("lead_id") or "") or None
        return WriteResult(WriteAction.CREATED, dest_id=dest_id, response=body)

    def close(self) -> None:
        self.client.close()


class SmtpSender:
    """One SMTP session per batch; each lead is one message whose body is the ADF XML."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        mail_from: str,
        mail_to: str,
        starttls: bool = True,
        username: str = "",
        password: str = "",
        timeout_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not host or not mail_from or not mail_to:
            raise ConnectorError("E-mail delivery needs the SMTP server, a From and a To address.")
        self.host, self.port = host, port
        self.mail_from, self.mail_to = mail_from, mail_to
        self.starttls, self.username, self.password = starttls, username, password
        self.timeout_s = timeout_s
        self.sleep = sleep
        self._smtp: smtplib.SMTP | None = None

    def connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.port == 465:  # implicit TLS
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        try:
            smtp.ehlo()
            if self.starttls and self.port != 465:
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password)
        except smtplib.SMTPAuthenticationError as exc:
            smtp.close()
            raise AuthError(
                f"The mail server refused the user name / password ({exc.smtp_code}).",
                hint="Check the SMTP user and password in the connection profile.",
            ) from None
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _session(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = self.connect()
        return self._smtp

    def message(self, document: str, subject: str) -> EmailMessage:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.mail_from, self.mail_to, subject
        message["Message-ID"] = make_msgid(domain="rooftop-sync.local")
        message.set_content(document, subtype="plain", charset="utf-8")
        return message

    def send(self, document: str, subject: str) -> WriteResult:
        message = self.message(document, subject)
        problem = ""
        for attempt in range(SMTP_ATTEMPTS):
            try:
                refused = self._session().send_message(message)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
                code, reason = _smtp_reason(exc)
                if code >= 500:  # permanent: this lead is refused, the next may pass
                    return WriteResult(
                        WriteAction.REJECTED, error=f"The mail server refused the lead: {reason}"
                    )
                problem = reason
            except (smtplib.SMTPException, OSError) as exc:
                problem = str(exc) or type(exc).__name__
                self.close()
            else:
                if refused:
                    return WriteResult(
                        WriteAction.REJECTED, error=f"Recipient refused: {', '.join(refused)}"
                    )
                return WriteResult(WriteAction.CREATED, dest_id=str(message["Message-ID"]))
            if attempt + 1 < SMTP_ATTEMPTS:
                self.sleep(2.0**attempt)
        raise DeliveryError(
            f"Could not hand the lead to {self.host}:{self.port} after {SMTP_ATTEMPTS} "
            f"attempts ({problem})."
        )

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
        self._smtp = None

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _smtp_reason(exc: smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError) -> tuple[int, str]:
    if isinstance(exc, smtplib.SMTPDataError):
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return exc.smtp_code, f"{exc.smtp_code} {text}"
    code, raw = next(iter(exc.recipients.values()), (550, b"refused"))
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return code, f"{code} {text}"


Sender = HttpSender | SmtpSender
