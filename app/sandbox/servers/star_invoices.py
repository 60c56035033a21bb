"""The STAR vehicle invoices domain over the DMS's deals: deal status and deal type mapped
both ways, and what the DMS's deal columns do not hold (the structure and the appraised
trade-in, ``DealExtras``); a booked deal's structure no longer changes from outside.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from app.sandbox.servers import validation as v
from app.sandbox.servers.dataset import Record
from app.sandbox.servers.dms_store import DmsStore
from app.sandbox.servers.errors import ApiError
from app.sandbox.servers.records import IdAllocator
from app.sandbox.servers.star_adapter import Adapter, copy_fields, mapped, whole_number
from app.sandbox.servers.star_vehicles import vehicle_by_vin

DEAL_STATUS = {
    "PENDING": "PENDING_APPROVAL",
    "BOOKED": "ISSUED",
    "DELIVERED": "CLOSED",
    "UNWOUND": "VOIDED",
}
DEAL_STATUS_IN = {
    "DRAFT": "PENDING",
    "PENDING_APPROVAL": "PENDING",
    "ISSUED": "BOOKED",
    "ACKNOWLEDGED": "BOOKED",
    "CLOSED": "DELIVERED",
    "VOIDED": "UNWOUND",
    "CANCELLED": "UNWOUND",
}
# A deal's structure and trade-in beyond the DMS's deal columns: kept beside the deal.
DEAL_TERMS = ("version", "down_payment", "monthly_payment", "money_factor", "residual",
              "products")  # fmt: skip
TRADE_FIELDS = ("trade_vin", "trade_year", "trade_make", "trade_model", "trade_mileage",
                "trade_condition", "trade_value", "trade_payoff", "trade_lienholder")  # fmt: skip
# what may still change on a booked (or delivered) deal
AFTER_BOOKING = frozenset({"status", "payment_status", "salesperson", "delivery_date"})
BOOKED = ("BOOKED", "DELIVERED")
DEAL_SAME = ("customer_id", "vin", "stock_number", "salesperson", "lender", "deal_date",
             "delivery_date", "sale_price", "amount_financed", "term_months", "apr")  # fmt: skip
STRUCTURE = (
    (frozenset(DEAL_SAME) | frozenset(DEAL_TERMS) | frozenset(TRADE_FIELDS) | {"payment_method"})
    - AFTER_BOOKING
    - {"version"}
)


class DealExtras:
    """A deal's structure (``DEAL_TERMS``) and its appraised trade-in, kept beside the DMS's
    deal by its number until the sandbox reloads."""

    def __init__(self, store: DmsStore) -> None:
        self.store = store
        self.reset()

    def reset(self) -> None:
        self.deal_terms: dict[str, Record] = {}  # deal number -> DEAL_TERMS
        self.appraisals: dict[str, Record] = {}  # deal number -> the trade-in appraised
        self._appraisal_ids = IdAllocator((), "AP", 6)

    def check_deal_change(
        self,
        current: Record,
        flat: Mapping[str, str],
        invoices: Adapter,
        customer_id: Callable[[str], str],
    ) -> None:
        """A booked deal's structure is the DMS's now; an older version never wins."""
        number = current["deal_number"]
        known = self.deal_terms.get(number, {}).get("version", "")
        given = flat.get("version", "").strip()
        if given.isdigit() and known.isdigit() and int(given) < int(known):
            raise ApiError(
                409,
                f"version {given} of deal {number} is older than version {known}, which "
                "the DMS has",
                field="vehicle_invoice_version",
            )
        if current["status"] not in BOOKED:
            return
        rendered = invoices.to_flat(current)
        given_flat = dict(flat)
        if given_flat.get("customer_id"):  # the customer's number, or the key it was made under
            given_flat["customer_id"] = customer_id(given_flat["customer_id"])
        changed = sorted(
            k for k, value in given_flat.items()
            if k in STRUCTURE and value != rendered.get(k, "")
            and not (k == "payment_method" and not value)  # the DMS keeps its deal type
        )  # fmt: skip
        if changed:
            raise ApiError(
                409,
                f"deal {number} is {current['status'].lower()} in the DMS: its structure can "
                f"no longer change from outside ({', '.join(changed[:6])}); make the change "
                "in the DMS",
                field="invoice_status_type",
            )

    def keep_deal_extras(self, number: str, flat: Mapping[str, str]) -> None:
        terms = self.deal_terms.setdefault(number, {})
        terms.update({n: flat[n] for n in DEAL_TERMS if n in flat})
        given = {n: flat[n] for n in TRADE_FIELDS if n in flat}
        if not given:
            return
        appraisal = self.appraisals.get(number)
        if appraisal is None:
            appraisal = {"appraisal_id": self._appraisal_ids.next(), "deal_number": number,
                         **dict.fromkeys(TRADE_FIELDS, "")}  # fmt: skip
            self.appraisals[number] = appraisal
        appraisal.update(given)
        appraisal["updated_at"] = self.store.clock.now()

    def export_appraisals(self) -> list[dict[str, Any]]:
        """Trade-ins appraised on deals, and whether each is in stock yet."""
        with self.store.lock:
            out: list[dict[str, Any]] = []
            for number, appraisal in self.appraisals.items():
                deal = self.store.tables["deals"].get(number, {})
                unit = self.store.tables["inventory"].get(appraisal.get("trade_vin", ""))
                out.append(
                    {
                        **appraisal,
                        "deal_status": deal.get("status", ""),
                        "in_inventory": unit is not None,
                        "inventory_status": unit.get("status", "") if unit else "",
                    }
                )
            return out

    def export_deal_terms(self) -> list[Record]:
        with self.store.lock:
            return [{"deal_number": n, **t} for n, t in self.deal_terms.items()]


def vehicle_invoices_adapter(
    store: DmsStore, deals: DealExtras, customer_id: Callable[[str], str]
) -> Adapter:
    """Vehicle invoices over the DMS's deals (with their structure and trade-in)."""
    same = {n: n for n in DEAL_SAME}

    def to_flat(r: Record) -> dict[str, str]:
        unit = store.tables["inventory"].get(r["vin"]) or vehicle_by_vin(store, r["vin"])
        flat = {n: r.get(c, "") for n, c in same.items()}
        terms = deals.deal_terms.get(r["deal_number"], {})
        trade = deals.appraisals.get(r["deal_number"], {})
        flat.update(
            vehicle_invoice_key=adapter.key_of(r["deal_number"]),
            vehicle_invoice_id=r["deal_number"],
            deal_number=r["deal_number"],
            invoice_type="LEASE" if r["deal_type"] == "LEASE" else "VEHICLE_SALE",
            status=DEAL_STATUS.get(r["status"], ""),
            payment_status="",
            year=unit.get("year", ""),
            make=unit.get("make", ""),
            model=unit.get("model", ""),
            currency_code="USD",
            payment_method=r["deal_type"],
            updated_at=r["updated_at"],
        )
        flat.update({n: terms.get(n, "") for n in DEAL_TERMS})
        if not flat["products"] and r.get("fi_products"):
            flat["products"] = "; ".join(p for p in r["fi_products"].split(";") if p)
        flat.update({n: trade.get(n, "") for n in TRADE_FIELDS})
        if not flat["trade_payoff"]:
            flat["trade_payoff"] = r.get("payoff_amount", "")
        return flat

    def to_dms(flat: Mapping[str, str], current: Record | None) -> dict[str, str]:
        out = copy_fields(flat, same)
        if out.get("customer_id"):  # the customer's number, or the key it was made under
            out["customer_id"] = customer_id(out["customer_id"])
        out.update(mapped(flat, current, "status", "status", DEAL_STATUS, DEAL_STATUS_IN))
        if "products" in flat:  # the DMS keeps the products' names
            names = [p.partition("=")[0].strip() for p in flat["products"].split(";")]
            out["fi_products"] = ";".join(n for n in names if n)
        if "trade_payoff" in flat:
            out["payoff_amount"] = flat["trade_payoff"]
        method = flat.get("payment_method", "").strip().upper()
        if method:
            if method not in ("CASH", "FINANCE", "LEASE"):
                raise ApiError(422, f"payment_method: '{method}' is not CASH, FINANCE or "
                               "LEASE", field="financial_events")  # fmt: skip
            if current is None or current["deal_type"] != method:
                out["deal_type"] = method
            return out
        kind = flat.get("invoice_type", "").strip().upper()
        if kind:
            now = "LEASE" if current is not None and current["deal_type"] == "LEASE" else ""
            if kind == "LEASE" and now != "LEASE":
                out["deal_type"] = "LEASE"
            elif kind != "LEASE" and (current is None or current["deal_type"] == "LEASE"):
                lender = out.get("lender", current.get("lender", "") if current else "")
                out["deal_type"] = "FINANCE" if lender else "CASH"
        return out

    checks = {"sale_price": v.money, "deal_date": v.date, "delivery_date": v.date,
              "vin": v.vin, "amount_financed": v.money, "term_months": whole_number,
              "payoff_amount": v.money}  # fmt: skip
    adapter = Adapter("vehicle_invoices", "deals", to_flat, to_dms, checks)
    return adapter


def check_trade(flat: Mapping[str, str]) -> None:
    vin = flat.get("trade_vin", "")
    reason = v.vin(vin) if vin else ""
    if reason:
        raise ApiError(422, f"trade_vin: {reason}", field="vehicle_references")
