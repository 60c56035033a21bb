"""DMS customer records: each person once, ~6% of people two or three times."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.sandbox.generator.clock import DAY, business_seconds
from app.sandbox.generator.duplicates import DMS_DUPLICATE, apply_noise
from app.sandbox.generator.fmt import Obj, code, date_str, phone_str, ts_str, where, zip_str
from app.sandbox.generator.people import People, concat_people, upper_all
from app.sandbox.generator.rng import weighted

DUPLICATE_SHARE = 0.06  # of people with more than one DMS customer number
TRIPLE_SHARE = 0.15  # of those, the ones with three
HISTORY_DAYS = 3_650  # customers created over the last ten years


@dataclass(frozen=True)
class DmsCustomers:
    """The rendered table plus what later steps need (aligned with the table's rows)."""

    columns: dict[str, Obj]
    person_row: np.ndarray  # row into People
    created_sec: np.ndarray
    is_duplicate: np.ndarray  # a second/third record for the person
    business: np.ndarray
    female: np.ndarray


def plan_people(customers: int) -> tuple[int, int, int]:
    """(distinct people, people with duplicates, people with triplicates) for ``customers``."""
    est = round(customers / (1 + DUPLICATE_SHARE * (1 + TRIPLE_SHARE)))
    n_dup = round(DUPLICATE_SHARE * est)
    n_triple = round(TRIPLE_SHARE * n_dup)
    return customers - n_dup - n_triple, n_dup, n_triple


def build_dms_customers(
    rng: np.random.Generator, people: People, customers: int, now_sec: int
) -> DmsCustomers:
    """Render ``customers`` DMS rows from the first people (their duplicates included)."""
    n_people, n_dup, n_triple = plan_people(customers)
    dup_people = rng.choice(n_people, size=n_dup, replace=False) if n_dup else np.zeros(0, int)
    extra_rows = np.concatenate([dup_people, dup_people[:n_triple]]).astype(np.int64)
    primary = people.take(np.arange(n_people))
    extra = people.take(extra_rows)
    apply_noise(rng, extra, DMS_DUPLICATE)
    rec = concat_people([primary, extra])
    person_row = np.concatenate([np.arange(n_people), extra_rows])
    is_dup = np.arange(customers) >= n_people

    now_day = now_sec // DAY
    # Skewed to recent years: the customer base grows.
    first_day = now_day - (HISTORY_DAYS * rng.random(n_people) ** 1.3).astype(np.int64)
    created_day = first_day[person_row]
    gap = (now_day - created_day) * rng.random(customers)
    created_day = np.where(is_dup, created_day + 1 + gap.astype(np.int64), created_day)
    created_day = np.minimum(created_day, now_day - 1)
    created = business_seconds(rng, created_day)
    touched = rng.random(customers) < 0.8
    updated = created + (touched * (now_sec - created) * rng.random(customers) ** 0.5).astype(
        np.int64
    )
    order = np.argsort(created, kind="stable")
    rec = rec.take(order)
    person_row, created, updated, is_dup = (
        person_row[order],
        created[order],
        updated[order],
        is_dup[order],
    )

    n = customers
    first, middle, last, company = rec.first, rec.middle, rec.last, rec.company
    addr1, addr2, city = rec.addr1, rec.addr2, rec.city
    # A slice of records keyed in by an old all-caps DMS screen.
    legacy = np.flatnonzero(rng.random(n) < 0.12)
    for arr in (first, middle, last, company, addr1, addr2, city):
        arr[legacy] = upper_all(arr[legacy])
    style = weighted(rng, np.array([0.5, 0.3, 0.2]), n)
    birth = where((rec.birth >= 0) & (rng.random(n) < 0.85), date_str(np.maximum(rec.birth, 0)), "")
    yn = np.array(["N", "Y"], dtype=object)
    columns: dict[str, Obj] = {
        "customer_id": code("C", np.arange(100_001, 100_001 + n), 6),
        "customer_type": where(rec.business, "BUSINESS", "INDIVIDUAL"),
        "first_name": first,
        "middle_name": middle,
        "last_name": last,
        "company_name": company,
        "address_line1": addr1,
        "address_line2": addr2,
        "city": city,
        "state": rec.state,
        "zip": zip_str(rec.zip5, rec.plus4),
        "home_phone": phone_str(rec.home, style),
        "work_phone": phone_str(rec.work, style),
        "mobile_phone": phone_str(rec.mobile, style),
        "email": rec.email,
        "birth_date": birth,
        "opt_in_email": yn[rec.opt_email.astype(np.int64)],
        "opt_in_sms": yn[rec.opt_sms.astype(np.int64)],
        "opt_in_phone": yn[rec.opt_phone.astype(np.int64)],
        "created_at": ts_str(created),
        "updated_at": ts_str(updated),
    }
    return DmsCustomers(columns, person_row, created, is_dup, rec.business, rec.female)
