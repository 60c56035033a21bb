"""Service history: repair orders with op codes, labor/parts lines and declined work."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.sandbox.generator.clock import DAY, business_seconds
from app.sandbox.generator.fleet import Fleet
from app.sandbox.generator.fmt import (
    Obj,
    date_str,
    int_str,
    join_codes,
    money,
    objects,
    ts_str,
    where,
)
from app.sandbox.generator.names import ADVISORS
from app.sandbox.generator.rng import weighted

RO_PER_VEHICLE = 2.5


@dataclass(frozen=True)
class OpCode:
    """A service operation: code, description, labor and parts price (cents), weights by
    pay type (customer, warranty, internal)."""

    code: str
    description: str
    labor: int
    parts: int
    weights: tuple[float, float, float]


OPS: tuple[OpCode, ...] = (
    OpCode("LOF", "Lube, oil and filter change", 2995, 3800, (40, 0, 6)),
    OpCode("ROT", "Rotate tires", 2495, 0, (18, 0, 2)),
    OpCode("MPI", "Multi-point inspection", 0, 0, (20, 4, 6)),
    OpCode("BRK", "Replace front brake pads and rotors", 18900, 24000, (8, 0, 2)),
    OpCode("ALN", "Four-wheel alignment", 11995, 0, (6, 0, 1)),
    OpCode("BAT", "Test and replace battery", 3900, 18900, (5, 1, 0)),
    OpCode("CAB", "Replace cabin air filter", 1995, 3900, (6, 0, 0)),
    OpCode("EAF", "Replace engine air filter", 1995, 3400, (5, 0, 0)),
    OpCode("WIP", "Replace wiper blades", 995, 4200, (4, 0, 1)),
    OpCode("TRN", "Transmission fluid service", 14900, 8900, (3, 0, 0)),
    OpCode("CLN", "Coolant flush", 9900, 4900, (3, 0, 0)),
    OpCode("TIR", "Mount and balance four tires", 9900, 72000, (4, 0, 1)),
    OpCode("DIAG", "Diagnose check engine light", 15995, 0, (5, 3, 0)),
    OpCode("ACS", "A/C performance check and recharge", 12900, 6500, (2, 0, 0)),
    OpCode("SPK", "Replace spark plugs", 18000, 9600, (2, 0, 0)),
    OpCode("RCL23V456", "Safety recall 23V-456: rear view camera software", 8400, 0, (0, 30, 0)),
    OpCode("RCL24V112", "Safety recall 24V-112: fuel pump replacement", 26400, 31500, (0, 25, 0)),
    OpCode("RCL25V078", "Safety recall 25V-078: seat belt buckle inspection", 4200, 0, (0, 15, 0)),
    OpCode("WTY", "Warranty repair per factory bulletin", 21000, 26000, (0, 25, 0)),
    OpCode("PDI", "Pre-delivery inspection", 9000, 0, (0, 0, 20)),
    OpCode("RCN", "Used vehicle reconditioning", 36000, 22000, (0, 0, 15)),
)
OP_CODES: Obj = objects([o.code for o in OPS])
OP_DESC: Obj = objects([o.description for o in OPS])
_LABOR = np.array([o.labor for o in OPS], dtype=np.int64)
_PARTS = np.array([o.parts for o in OPS], dtype=np.int64)
_W = np.array([o.weights for o in OPS], dtype=np.float64).T  # (3 pay types, ops)
PAY_TYPES: Obj = objects(["CUSTOMER", "WARRANTY", "INTERNAL"])
DECLINED: Obj = objects(
    ["Front brake pads at 3mm", "Replace cabin air filter", "Tires at 3/32 tread",
     "Coolant flush due", "Wiper blades streaking", "Battery tested weak",
     "Rear brake rotors scored", "Serpentine belt cracked", "Engine air filter dirty",
     "Alignment out of spec"]
)  # fmt: skip
MAX_OPS = 4


@dataclass(frozen=True)
class Service:
    """The repair-order and line tables, plus per-RO arrays appointments reuse."""

    orders: dict[str, Obj]
    lines: dict[str, Obj]
    vehicle_row: np.ndarray
    open_day: np.ndarray


def build_service(rng: np.random.Generator, fleet: Fleet, now_sec: int) -> Service:
    """~2.5 ROs per vehicle over its ownership, odometer rising visit by visit."""
    now_day = now_sec // DAY
    owned_days = np.maximum(now_day - fleet.purchase_day - 14, 0)
    lam = RO_PER_VEHICLE * owned_days / max(float(owned_days.mean()), 1.0)
    counts = rng.poisson(np.minimum(lam, 12))
    veh = np.repeat(np.arange(len(fleet)), counts)
    day = fleet.purchase_day[veh] + 14 + (rng.random(len(veh)) * owned_days[veh]).astype(np.int64)
    opened = business_seconds(rng, day, hours=9)
    order = np.lexsort((opened, veh))
    veh, day, opened = veh[order], day[order], opened[order]
    n = len(veh)
    starts = np.cumsum(counts) - counts
    visit = np.arange(n) - starts[veh]
    # + visit number: two visits on one day still show a rising odometer.
    mileage = fleet.miles_at(veh, day) + visit

    pay = weighted(rng, np.array([0.85, 0.10, 0.05]), n)
    k = 1 + weighted(rng, np.array([0.35, 0.35, 0.2, 0.1]), n)
    ops = np.full((n, MAX_OPS), -1, dtype=np.int64)
    by_pay = [np.flatnonzero(pay == p) for p in range(len(PAY_TYPES))]
    for j in range(MAX_OPS):
        pick = np.empty(n, dtype=np.int64)
        for p, rows in enumerate(by_pay):
            pick[rows] = weighted(rng, _W[p], len(rows))
        pick = np.where(j < k, pick, -1)
        for prev in range(j):  # no op twice on one RO
            pick = np.where(pick == ops[:, prev], -1, pick)
        ops[:, j] = pick
    valid = ops >= 0
    labor = np.where(valid, _LABOR[ops] * rng.uniform(0.95, 1.3, (n, MAX_OPS)), 0).astype(np.int64)
    has_parts = valid & (_PARTS[ops] > 0) & (rng.random((n, MAX_OPS)) < 0.85)
    parts = np.where(has_parts, _PARTS[ops] * rng.uniform(0.8, 1.4, (n, MAX_OPS)), 0).astype(
        np.int64
    )
    labor_total, parts_total = labor.sum(axis=1), parts.sum(axis=1)

    # RO numbers run in opening order: reorder the numeric arrays once, before any text.
    o = np.argsort(opened, kind="stable")
    veh, day, mileage, pay, opened = veh[o], day[o], mileage[o], pay[o], opened[o]
    ops, labor, parts, has_parts = ops[o], labor[o], parts[o], has_parts[o]
    labor_total, parts_total = labor_total[o], parts_total[o]
    valid = ops >= 0

    is_open = day >= now_day - 2
    close_day = np.minimum(day + weighted(rng, np.array([60, 20, 8, 5, 4, 3.0]), n), now_day)
    closed_at = business_seconds(rng, close_day, hours=10)
    updated = np.minimum(np.where(is_open, opened, np.maximum(closed_at, opened)), now_sec)
    op_codes = join_codes(OP_CODES, ops)
    declined = np.full(n, "", dtype=object)
    rows = np.flatnonzero((rng.random(n) < 0.3) & (pay == 0))
    declined[rows] = DECLINED[rng.integers(0, len(DECLINED), len(rows))]
    rows = rows[rng.random(len(rows)) < 0.3]
    declined[rows] = declined[rows] + ";" + DECLINED[rng.integers(0, len(DECLINED), len(rows))]
    ro_number = int_str(600_001 + np.arange(n))
    orders: dict[str, Obj] = {
        "ro_number": ro_number,
        "customer_id": np.full(n, "", dtype=object),  # set by the caller
        "vin": fleet.vin[veh],
        "open_date": date_str(day),
        "close_date": where(is_open, "", date_str(close_day)),
        "mileage_in": int_str(mileage),
        "status": where(is_open, "OPEN", "CLOSED"),
        "advisor": objects(list(ADVISORS))[rng.integers(0, len(ADVISORS), n)],
        "pay_type": PAY_TYPES[pay],
        "op_codes": op_codes,
        "labor_total": money(labor_total),
        "parts_total": money(parts_total),
        "total": money(labor_total + parts_total),
        "declined_recommendations": declined,
        "updated_at": ts_str(updated),
    }
    lines = _lines(ops, labor, parts, has_parts, pay, ro_number)
    return Service(orders, lines, veh, day)


def _lines(
    ops: np.ndarray,
    labor: np.ndarray,
    parts: np.ndarray,
    has_parts: np.ndarray,
    pay: np.ndarray,
    ro_number: Obj,
) -> dict[str, Obj]:
    """One LABOR line per op and a PARTS line when parts were used, numbered per RO."""
    n = len(ops)
    # Interleave per op: labor then parts -> (n, 2*MAX_OPS) slots, row-major = RO order.
    present = np.empty((n, 2 * MAX_OPS), dtype=bool)
    present[:, 0::2] = ops >= 0
    present[:, 1::2] = has_parts
    amount = np.empty((n, 2 * MAX_OPS), dtype=np.int64)
    amount[:, 0::2], amount[:, 1::2] = labor, parts
    op_slot = np.repeat(ops, 2, axis=1)
    kind = np.tile(np.array([0, 1]), (n, MAX_OPS))
    line_no = np.cumsum(present, axis=1)
    ro_idx = np.repeat(np.arange(n)[:, None], 2 * MAX_OPS, axis=1)
    m = present.ravel()
    ro_flat = ro_idx.ravel()[m]
    op_flat = op_slot.ravel()[m]
    return {
        "ro_number": ro_number[ro_flat],
        "line_number": int_str(line_no.ravel()[m]),
        "op_code": OP_CODES[op_flat],
        "description": OP_DESC[op_flat],
        "line_type": objects(["LABOR", "PARTS"])[kind.ravel()[m]],
        "pay_type": PAY_TYPES[pay[ro_flat]],
        "amount": money(amount.ravel()[m]),
    }
