"""Ground truth for matching, and person-level facts (marketing segments)."""

from __future__ import annotations

import numpy as np

from app.sandbox.generator.fmt import Obj, join_flags


def truth_table(person_id: Obj, systems: list[tuple[str, Obj, np.ndarray]]) -> dict[str, Obj]:
    """One row per record of every system: (record_id, system, person_id)."""
    return {
        "record_id": np.concatenate([ids for _, ids, _ in systems]),
        "system": np.concatenate(
            [np.full(len(ids), name, dtype=object) for name, ids, _ in systems]
        ),
        "person_id": np.concatenate([person_id[rows] for _, _, rows in systems]),
    }


def marketing_segments(
    rng: np.random.Generator,
    subscriber_person: np.ndarray,
    *,
    n_people: int,
    n_dms_people: int,
    person_of_customer: np.ndarray,
    ro_customer: np.ndarray,
    deal_customer: np.ndarray,
    deal_type: Obj,
    deal_day: np.ndarray,
    truck_customer: np.ndarray,
    now_day: int,
) -> Obj:
    """Semicolon-separated segments per subscriber, derived from what the person did."""

    def flag(customer_rows: np.ndarray) -> np.ndarray:
        out = np.zeros(n_people, dtype=bool)
        out[person_of_customer[customer_rows]] = True
        return out[subscriber_person]

    rules: list[tuple[str, np.ndarray]] = [
        ("Customers", subscriber_person < n_dms_people),
        ("Prospects", subscriber_person >= n_dms_people),
        ("Service Customers", flag(ro_customer)),
        ("Lease Customers", flag(deal_customer[deal_type == "LEASE"])),
        ("Recent Buyers", flag(deal_customer[deal_day >= now_day - 365])),
        ("Truck Owners", flag(truck_customer)),
        ("Newsletter", rng.random(len(subscriber_person)) < 0.3),
    ]
    return join_flags([name for name, _ in rules], [mask for _, mask in rules])
