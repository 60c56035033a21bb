"""Flow options that shape what a run writes (``FlowInfo.options``), read by ``chunk``:

- ``references``: target field -> ``{"from", "entity", "hint", "required"}``: a source
  value becomes the destination's id of the record it points to (through the links of
  the destination's identity system);
- ``pre_entry_check``: ``{"email_field", "phone_field", "set_field"}``: a new record is
  matched by exact e-mail or phone to a customer the destination already has;
- ``omit_blank``: target fields left out of a record when the mapping gives them an
  empty value, so the destination keeps its own (a blank is never sent to clear it). A
  record with nothing left to send is not sent; that is remembered as what was last
  delivered, so a value that comes later is sent even if it was sent before;
- ``update_only``: records the destination does not have yet (no link to it) are
  skipped, never created.

Together the last two make a flow that only ever lowers a value, e.g. consent going
back from the marketing platform: its mapping gives the opt-out for an opt-out and a
blank otherwise (``app.formats.klaviyo.opt_out_step``), so an opt-in collected at the
desk is never overwritten, and nobody is created from a marketing list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from app.domain import fastpaths as fast
from app.sync import identity
from app.sync.run_context import RunContext

NOT_IN_DESTINATION = "not in the destination: this flow only updates records it has"
NOTHING_TO_SEND = "nothing to send: every field this flow writes was blank (left as it is)"


def drop_blanks(payload: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """``payload`` without the ``names`` whose value is blank (``omit_blank``)."""
    if not names:
        return payload
    return {k: v for k, v in payload.items() if not (k in names and v == "")}


def pre_entry_match(
    session: Session, ctx: RunContext, options: dict[str, Any], payload: dict[str, Any]
) -> str | None:
    """Exact e-mail or phone match against customers already known in the destination,
    so a lead from an existing customer is linked to them instead of creating a new one.
    A customer of the source this flow already sent there (same e-mail or phone, another
    source id) counts too: the destination has them even before the app reads it back."""
    raw_email = str(payload.get(options.get("email_field", "email")) or "")
    raw_phone = str(payload.get(options.get("phone_field", "phone")) or "")
    email = fast.email(raw_email) if raw_email else None
    phone = fast.phone_e164(raw_phone) if raw_phone else None
    found = identity.find_contact(session, ctx.dest_system, email=email, phone=phone)
    if found or ctx.source.spec.entity != "customer" or ctx.dest.spec.entity != "customer":
        return found
    sent = identity.find_contact(session, ctx.source_system, email=email, phone=phone)
    if not sent:
        return None
    gold = identity.golden_ids(session, "customer", ctx.source_system, [sent], create=False)
    there = identity.dest_ids(session, "customer", ctx.dest_system, list(gold.values()))
    return next(iter(there.values()), None)


def resolve_references(
    session: Session, ctx: RunContext, df: pd.DataFrame
) -> dict[str, dict[str, str]]:
    """For each reference target field, source value -> the destination's id of the
    record it points to (e.g. an RO's DMS customer number -> that customer's CRM id)."""
    resolved: dict[str, dict[str, str]] = {}
    for target, ref in ctx.flow.options.get("references", {}).items():
        values = [v for v in df[ref["from"]].unique().tolist() if v]
        golden = identity.golden_ids(
            session, ref["entity"], ctx.source_system, values, create=False
        )
        dest = identity.dest_ids(session, ref["entity"], ctx.dest_system, list(golden.values()))
        resolved[target] = {v: dest[g] for v, g in golden.items() if g in dest}
    return resolved


def apply_references(
    ctx: RunContext,
    resolved: dict[str, dict[str, str]],
    source: dict[str, Any],
    payload: dict[str, Any],
) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    refs = ctx.flow.options.get("references", {})
    for target, table in resolved.items():
        ref = refs[target]
        value = source.get(ref["from"], "")
        if value in table:
            payload = {**payload, target: table[value]}
        elif ref.get("required", True):
            problems.append(
                f"{ref['entity']} {value or '(none)'} is not in the destination yet"
                + (f" (run {ref['hint']} first)" if ref.get("hint") else "")
            )
    return payload, problems
