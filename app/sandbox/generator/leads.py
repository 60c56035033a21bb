"""CRM leads: web/phone/third-party inquiries, some of which became DMS deals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.sandbox.generator import vehicles as cat
from app.sandbox.generator.clock import DAY
from app.sandbox.generator.contacts import Contacts
from app.sandbox.generator.fmt import Obj, code, int_str, objects, ts_str, where
from app.sandbox.generator.names import SALESPEOPLE
from app.sandbox.generator.rng import group_offsets, weighted
from app.sandbox.ids import LEAD_PREFIX, LEAD_WIDTH, sequence_uuids

SOURCES: Obj = objects(
    ["Website", "Cars.com", "AutoTrader", "Walk-in", "Phone", "Facebook", "Referral"]
)
SOURCE_WEIGHTS = np.array([30, 15, 12, 8, 15, 12, 8], dtype=np.float64)
COMMENTS: Obj = objects(
    ["Is this vehicle still available?",
     "What's my trade worth? 2015 Honda Civic, 98k miles",
     "Looking for a lease under $400/mo",
     "Please call after 5pm",
     'Interested in the "certified" ones, do you deliver?',
     "Trade: 2016 Ford Escape\nPayoff about $4,000",
     "Need third-row seating, 7 passengers",
     "Can I get pre-approved online?",
     "Wants to test drive Saturday",
     "",
     "",
     ""]
)  # fmt: skip


@dataclass(frozen=True)
class Leads:
    """The crm_leads table plus, for leads that became deals, the deal rows they link to."""

    columns: dict[str, Obj]
    sold_deal_rows: np.ndarray
    sold_lead_ids: Obj
    sold_sources: Obj


def first_contact_of_person(crm: Contacts, n_people: int) -> np.ndarray:
    """Row of each person's earliest CRM contact (-1 when the CRM does not know them)."""
    out = np.full(n_people, -1, dtype=np.int64)
    rows = np.arange(len(crm.person_row))
    out[crm.person_row[::-1]] = rows[::-1]
    return out


def build_leads(
    rng: np.random.Generator,
    crm: Contacts,
    n_people: int,
    n_dms_people: int,
    deal_person: np.ndarray,
    deal_day: np.ndarray,
    deal_vin: Obj,
    deal_title: Obj,
    deal_salesperson: Obj,
    lot_vin: Obj,
    lot_title: Obj,
    now_sec: int,
) -> Leads:
    """Sold leads for ~75% of the deals of people the CRM knew at the time, plus open and
    lost leads (every CRM-only prospect has at least one)."""
    now_day = now_sec // DAY
    contact_of = first_contact_of_person(crm, n_people)
    c_of_deal = contact_of[deal_person]
    lead_day = deal_day - rng.integers(1, 31, len(deal_day))
    ok = c_of_deal >= 0
    ok[ok] &= lead_day[ok] * DAY >= crm.created_sec[c_of_deal[ok]]
    sold = np.flatnonzero(ok & (rng.random(len(deal_day)) < 0.75))
    sold_contact = c_of_deal[sold]
    sold_created = lead_day[sold] * DAY + 13 * 3600 + rng.integers(0, 11 * 3600, len(sold))

    n_contacts = len(crm.person_row)
    prospect = crm.person_row >= n_dms_people
    counts = np.where(prospect, 1 + rng.poisson(0.5, n_contacts), rng.poisson(0.4, n_contacts))
    contact, pos = group_offsets(counts)
    c_created = crm.created_sec[contact]
    span = np.maximum(now_sec - c_created, 1)
    created = np.where(
        pos == 0, c_created, c_created + (span * rng.random(len(contact))).astype(np.int64)
    )
    age_days = (now_sec - created) // DAY
    u = rng.random(len(contact))
    status = where(
        age_days <= 3,
        where(u < 0.6, "New", "Contacted"),
        where(
            age_days <= 30,
            objects(["Contacted", "Appointment", "New", "Lost"])[
                weighted(rng, np.array([50, 25, 10, 15.0]), len(contact))
            ],
            where(u < 0.75, "Lost", "Contacted"),
        ),
    )
    on_lot = (age_days <= 60) & (rng.random(len(contact)) < 0.7) & (len(lot_vin) > 0)
    pick = rng.integers(0, max(len(lot_vin), 1), len(contact))
    years = now_day // 365 + 1970 - rng.integers(0, 6, len(contact))
    model = cat.pick_models(rng, years)
    generic = int_str(years) + " " + cat.MAKES[model] + " " + cat.MODELS[model]
    voi_vin = where(on_lot, lot_vin[pick] if len(lot_vin) else "", "")
    voi = where(on_lot, lot_title[pick] if len(lot_vin) else "", generic)
    staff = objects(list(SALESPEOPLE))[rng.integers(0, len(SALESPEOPLE), len(contact))]
    staff = where((status == "New") & (rng.random(len(contact)) < 0.5), "", staff)
    upd = created + ((now_sec - created) * rng.random(len(contact)) ** 2).astype(np.int64)

    all_contact = np.concatenate([sold_contact, contact])
    all_created = np.concatenate([sold_created, created])
    n = len(all_contact)
    source = SOURCES[weighted(rng, SOURCE_WEIGHTS, n)]
    columns_unsorted: dict[str, Obj] = {
        "contact_id": crm.columns["contact_id"][all_contact],
        "source": source,
        "status": np.concatenate([np.full(len(sold), "Sold", dtype=object), status]),
        "salesperson": np.concatenate([deal_salesperson[sold], staff]),
        "vehicle_of_interest_vin": np.concatenate([deal_vin[sold], voi_vin]),
        "vehicle_of_interest": np.concatenate([deal_title[sold], voi]),
        "comments": COMMENTS[rng.integers(0, len(COMMENTS), n)],
        "created_at": ts_str(all_created),
        "updated_at": ts_str(
            np.concatenate([deal_day[sold] * DAY + 20 * 3600, upd]).clip(max=now_sec)
        ),
    }
    order = np.argsort(all_created, kind="stable")
    ids_sorted = sequence_uuids(code(LEAD_PREFIX, np.arange(1, n + 1), LEAD_WIDTH))
    lead_id = np.empty(n, dtype=object)
    lead_id[order] = ids_sorted
    columns = {"lead_id": ids_sorted}
    columns.update({k: v[order] for k, v in columns_unsorted.items()})
    return Leads(columns, sold, lead_id[: len(sold)], source[: len(sold)])
