"""An erasure in the lead mailbox: the e-mails of an erased person that the ADF inbox
filed away (its processed folder, and the folder read, where one may still wait) are
deleted on the IMAP server. A message is theirs when its text -- every part, decoded, so
an ADF attached as XML counts -- holds one of their e-mail addresses or phone numbers
(by digits). The answer counts messages; it names no one."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Sequence

from app.connectors.erasure import ErasureResult, ErasureSubject
from app.connectors.errors import ConnectorError
from app.connectors.imap_client import ImapMailbox, ImapSettings, MailboxDropped
from app.formats.adf_mail import decoded_parts

_NOT_DIGITS = re.compile(r"\D+")


def message_text(raw: bytes) -> str:
    """Every part of an e-mail, decoded, as one lower-case text."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    texts = [raw.decode("utf-8", "replace")]
    for payload, charset in decoded_parts(message):
        try:
            texts.append(payload.decode(charset or "utf-8", "replace"))
        except LookupError:  # a charset Python does not know
            texts.append(payload.decode("utf-8", "replace"))
    return "\n".join(texts).lower()


def is_theirs(text: str, subject: ErasureSubject) -> bool:
    if any(e and e.lower() in text for e in subject.emails):
        return True
    digits = _NOT_DIGITS.sub("", text)
    # national numbers: a lead writes 313-555-0199, the subject holds +13135550199
    return any(len(p) >= 7 and _NOT_DIGITS.sub("", p)[-10:] in digits for p in subject.phones)


def erase_from_mailbox(
    settings: ImapSettings, folders: Sequence[str], subject: ErasureSubject
) -> ErasureResult:
    """Delete the person's lead e-mails from ``folders``; how many, in words."""
    if not subject.emails and not subject.phones:
        return ErasureResult("not_found", "no e-mail address or phone to find their leads by")
    deleted = 0
    with ImapMailbox(settings) as box:
        for folder in folders:
            try:
                validity = box.examine(folder)
            except MailboxDropped:
                raise
            except ConnectorError:  # a folder not made yet (nothing was ever filed there)
                continue
            theirs = [
                uid
                for uid in box.uids()
                if (raw := box.fetch(uid)) is not None and is_theirs(message_text(raw), subject)
            ]
            deleted += box.delete(folder, theirs, validity)
    if not deleted:
        return ErasureResult("not_found", "no lead e-mail of theirs in the mailbox")
    return ErasureResult("deleted", f"{deleted} lead e-mail(s) deleted from the mailbox")
