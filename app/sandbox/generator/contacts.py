"""CRM contacts and marketing subscribers: other systems' copies of the same people."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.sandbox.generator.clock import DAY, business_seconds
from app.sandbox.generator.duplicates import CRM_COPY, CRM_DUPLICATE, MARKETING_COPY, apply_noise
from app.sandbox.generator.fmt import Obj, code, phone_str, ts_str, where, zip_str, zpad
from app.sandbox.generator.people import People, concat_people
from app.sandbox.generator.rng import weighted
from app.sandbox.ids import CONTACT_PREFIX, CONTACT_WIDTH, sequence_uuids

CRM_SHARE = 0.60  # of DMS people the CRM knows
CRM_ONLY_SHARE = 0.25  # CRM-only prospects, relative to DMS people
CRM_DUP_SHARE = 0.02  # web forms submitted twice
EXTERNAL_ID_SHARE = 0.25  # CRM contacts that already carry their DMS customer number
CRM_YEARS = 6  # the CRM went live six years ago
MARKETING_SHARE = 0.40  # of people with an email


@dataclass(frozen=True)
class Contacts:
    """A rendered contact table and, per row, the person behind it and its creation time."""

    columns: dict[str, Obj]
    person_row: np.ndarray
    created_sec: np.ndarray


def build_crm_contacts(
    rng: np.random.Generator,
    people: People,
    n_dms_people: int,
    dms_ids_by_person: Obj,
    dms_created_by_person: np.ndarray,
    now_sec: int,
) -> Contacts:
    """CRM contacts: most DMS people's CRM copies plus CRM-only prospects (rows after
    ``n_dms_people`` in ``people``) and a few duplicates from double submissions."""
    linked_p = np.where(people.business[:n_dms_people], 0.3, CRM_SHARE * 1.02)
    linked = np.flatnonzero(rng.random(n_dms_people) < linked_p)
    only = np.arange(n_dms_people, len(people))
    base_rows = np.concatenate([linked, only])
    dup_rows = base_rows[rng.random(len(base_rows)) < CRM_DUP_SHARE]
    base = people.take(base_rows)
    apply_noise(rng, base, CRM_COPY)
    dups = people.take(dup_rows)
    apply_noise(rng, dups, CRM_DUPLICATE)
    rec = concat_people([base, dups])
    person_row = np.concatenate([base_rows, dup_rows])
    n = len(person_row)

    now_day = now_sec // DAY
    crm_start = now_day - CRM_YEARS * 365
    # Customers since the CRM went live usually started as a lead a few days before their
    # first deal; older customers were imported or added later.
    first_seen = np.full(n, crm_start, dtype=np.int64)
    in_dms = person_row < n_dms_people
    first_seen[in_dms] = dms_created_by_person[person_row[in_dms]] // DAY
    as_lead = (first_seen >= crm_start) & (rng.random(n) < 0.7)
    start = np.maximum(first_seen, crm_start)
    created_day = np.where(
        as_lead,
        first_seen - rng.integers(1, 31, n),
        start + ((now_day - start) * rng.random(n) ** 1.5).astype(np.int64),
    )
    created = business_seconds(rng, np.minimum(created_day, now_day - 1))
    updated = created + ((now_sec - created) * rng.random(n) ** 2).astype(np.int64)
    order = np.argsort(created, kind="stable")
    rec = rec.take(order)
    person_row, created, updated = person_row[order], created[order], updated[order]
    in_dms = person_row < n_dms_people
    is_dup_copy = np.concatenate([np.zeros(len(base_rows), bool), np.ones(len(dup_rows), bool)])[
        order
    ]

    external = np.full(n, "", dtype=object)
    filled = in_dms & ~is_dup_copy & (rng.random(n) < EXTERNAL_ID_SHARE)
    external[filled] = dms_ids_by_person[person_row[filled]]
    # Salespeople type "John A" when the customer gives a middle initial.
    first = rec.first.copy()
    with_mi = np.flatnonzero((rec.middle != "") & (rng.random(n) < 0.06))
    first[with_mi] = first[with_mi] + " " + rec.middle[with_mi].astype("U1").astype(object)
    # CRM phone styles (see fmt.phone_str): (313) 555-0142, 313-555-0142, dots, +1 ...
    style = np.array([0, 1, 3, 4])[weighted(rng, np.array([0.45, 0.3, 0.1, 0.15]), n)]
    landline = np.where(rec.home > 0, rec.home, rec.work)
    postal = where(
        rng.random(n) < 0.8, zip_str(rec.zip5, np.full(n, -1)), zip_str(rec.zip5, rec.plus4)
    )
    street = where(rec.addr2 != "", rec.addr1 + " " + rec.addr2, rec.addr1)
    tf = np.array(["false", "true"], dtype=object)
    columns: dict[str, Obj] = {
        # UUIDs, as the CRM's every API shows them (app.sandbox.ids)
        "contact_id": sequence_uuids(code(CONTACT_PREFIX, np.arange(1, n + 1), CONTACT_WIDTH)),
        "external_id": external,
        "first_name": first,
        "last_name": where(rec.business & (rec.last == ""), rec.company, rec.last),
        "email": rec.email,
        "phone": phone_str(landline, style),
        "mobile": phone_str(rec.mobile, style),
        "street": street,
        "city": rec.city,
        "state": rec.state,
        "postal_code": postal,
        "email_opt_out": tf[(~rec.opt_email).astype(np.int64)],
        "sms_opt_out": tf[(~rec.opt_sms).astype(np.int64)],
        "created_at": ts_str(created),
        "updated_at": ts_str(updated),
    }
    return Contacts(columns, person_row, created)


def build_marketing_contacts(
    rng: np.random.Generator, people: People, person_pool: np.ndarray, now_sec: int
) -> Contacts:
    """Marketing subscribers: ~40% of the people (from ``person_pool``) who have an email."""
    pool = person_pool[people.email[person_pool] != ""]
    rows = np.sort(pool[rng.random(len(pool)) < MARKETING_SHARE])
    rec = people.take(rows)
    apply_noise(rng, rec, MARKETING_COPY)
    n = len(rows)
    now_day = now_sec // DAY
    created = business_seconds(rng, now_day - (rng.random(n) ** 1.2 * 5 * 365).astype(np.int64) - 1)
    updated = created + ((now_sec - created) * rng.random(n)).astype(np.int64)
    order = rng.permutation(n)
    rec, rows, created, updated = rec.take(order), rows[order], created[order], updated[order]
    nameless = rng.random(n) < 0.12  # signed up with just an email
    has_mobile = (rec.mobile > 0) & (rng.random(n) < 0.45)
    sub = np.array(["unsubscribed", "subscribed"], dtype=object)
    email_ok = rec.opt_email ^ (rng.random(n) < 0.05)
    # Opaque platform ids, like the hex ids real marketing tools hand out.
    sid = "sub_" + zpad(rng.integers(0, 100_000, n), 5) + code("", np.arange(n), 7)
    columns: dict[str, Obj] = {
        "subscriber_id": sid,
        "email": rec.email,
        "first_name": where(nameless, "", rec.first),
        "last_name": where(nameless, "", rec.last),
        "phone": phone_str(np.where(has_mobile, rec.mobile, 0), 5),
        "zip": where(rng.random(n) < 0.75, zip_str(rec.zip5, np.full(n, -1)), ""),
        "email_consent": sub[email_ok.astype(np.int64)],
        "sms_consent": where(has_mobile, sub[rec.opt_sms.astype(np.int64)], ""),
        "segments": np.full(n, "", dtype=object),  # filled once deals and ROs exist
        "updated_at": ts_str(updated),
    }
    return Contacts(columns, rows, created)
