"""Consent first: who of a segment may be put on a list, per channel, and why the others
may not. Opted out anywhere wins:

- the DMS: the channel's opt-in is not Y (on any DMS record with the same address);
- the CRM: the contact's e-mail / SMS opt-out is true (by DMS number or address);
- the app's own do-not-contact list, and privacy erasures (never exported again);
- the marketing platform: unsubscribed or suppressed (checked at sync time,
  ``platform_opt_outs``);
- and no address for the channel at all.

E-mail and SMS are judged apart: an SMS opt-out does not keep someone off an e-mail list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.segments.data import SegmentData

REASONS = {
    "erased": "under a privacy erasure",
    "do_not_contact": "on the app's do-not-contact list",
    "no_address": "no address for the channel",
    "dms_opt_out": "not opted in at the DMS",
    "crm_opt_out": "opted out in the CRM",
    "platform_opt_out": "unsubscribed or suppressed at the marketing platform",
}
_TRUE = ("TRUE", "Y", "YES", "1")


@dataclass(frozen=True)
class Block:
    kind: str  # do_not_contact | erasure
    customer_id: str = ""
    email: str = ""
    phone: str = ""


def digits(values: pd.Series) -> pd.Series:
    """Phone numbers as their last ten digits (US/Canada), '' when shorter."""
    d = values.astype(str).str.replace(r"\D", "", regex=True).str[-10:]
    return d.where(d.str.len() == 10, "")


def _email(values: pd.Series) -> pd.Series:
    return values.astype(str).str.strip().str.lower()


def address_column(channel: str) -> str:
    return "email" if channel == "email" else "phone"


def screen(
    members: pd.DataFrame, data: SegmentData, channel: str, blocks: Iterable[Block]
) -> tuple[pd.DataFrame, pd.Series]:
    """(members who may be listed, reason key per member left out — indexed like
    ``members``). The first reason in ``REASONS`` order is the one recorded."""
    email, phone = _email(members["email"]), digits(members["phone"])
    address = email if channel == "email" else phone
    blocks = list(blocks)
    reason = pd.Series("", index=members.index, dtype=object)

    def mark(mask: np.ndarray | pd.Series, key: str) -> None:
        m = np.asarray(mask, dtype=bool) & (reason == "").to_numpy()
        reason[m] = key

    for kind, key in (("erasure", "erased"), ("do_not_contact", "do_not_contact")):
        ids = {b.customer_id for b in blocks if b.kind == kind and b.customer_id}
        mails = {b.email.strip().lower() for b in blocks if b.kind == kind and b.email.strip()}
        phones = set(digits(pd.Series([b.phone for b in blocks if b.kind == kind and b.phone])))
        phones.discard("")
        mark(members["customer_id"].isin(ids) | email.isin(mails) | phone.isin(phones), key)
    mark(address == "", "no_address")
    # the DMS: this record's opt-in, and any other DMS record with the same address
    opt = "opt_in_email" if channel == "email" else "opt_in_sms"
    c = data.customers
    dms_out = c[opt].str.strip().str.upper() != "Y"
    their = _email(c["email"]) if channel == "email" else digits(c["mobile_phone"])
    out_addresses = set(their[dms_out & (their != "")])
    mark((members[opt].str.strip().str.upper() != "Y") | address.isin(out_addresses), "dms_opt_out")
    crm = data.crm
    if not crm.empty:
        flag = "email_opt_out" if channel == "email" else "sms_opt_out"
        out = crm[crm[flag].str.strip().str.upper().isin(_TRUE)]
        ids = set(out["external_id"][out["external_id"] != ""])
        crm_addr = _email(out["email"]) if channel == "email" else digits(out["mobile"])
        mark(
            members["customer_id"].isin(ids) | address.isin(set(crm_addr[crm_addr != ""])),
            "crm_opt_out",
        )
    return members[reason == ""], reason[reason != ""]


def erased(members: pd.DataFrame, blocks: Iterable[Block]) -> pd.Series:
    """True for members under a privacy erasure (never exported, whatever the channel)."""
    blocks = [b for b in blocks if b.kind == "erasure"]
    ids = {b.customer_id for b in blocks if b.customer_id}
    mails = {b.email.strip().lower() for b in blocks if b.email.strip()}
    return members["customer_id"].isin(ids) | _email(members["email"]).isin(mails)


def counts(reasons: pd.Series) -> dict[str, int]:
    """Left-out counts by reason key, in ``REASONS`` order."""
    got = reasons.value_counts()
    return {k: int(got[k]) for k in REASONS if k in got.index}
