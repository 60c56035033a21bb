"""Each built-in segment computed a second way, straight from the demo dealership's CSVs
with the csv module and datetime (no pandas, none of app.segments): the reference the
vectorised evaluation must equal."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

LIVE = {"DELIVERED", "BOOKED"}


def rows(folder: Path, table: str) -> list[dict[str, str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def months_back(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 - months, 12)
    m += 1
    for dd in range(d.day, 0, -1):
        try:
            return date(y, m, dd)
        except ValueError:
            continue
    raise AssertionError


def money(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


class Truth:
    def __init__(self, folder: Path, today: date) -> None:
        self.today = today
        self.customers = rows(folder, "dms_customers")
        self.vehicles = rows(folder, "dms_vehicles")
        self.deals = rows(folder, "dms_deals")
        self.ros = rows(folder, "dms_repair_orders")
        self.warranties = rows(folder, "dms_warranties")
        self.guide = {
            (r["year"], r["make"].upper(), r["model"].upper(), r["trim"].upper()): float(
                r["trade_in_value"]
            )
            for r in rows(folder, "valuation_guide")
        }
        self.owned: dict[tuple[str, str], dict[str, str]] = {}
        for v in self.vehicles:
            self.owned.setdefault((v["customer_id"], v["vin"].upper()), v)
        self.known = {c["customer_id"] for c in self.customers}
        self.last_ro: dict[str, date] = {}
        for r in self.ros:
            d = day(r["open_date"])
            vin = r["vin"].upper()
            if d and (vin not in self.last_ro or d > self.last_ro[vin]):
                self.last_ro[vin] = d

    def equity_mining(self, minimum: float = 3000) -> set[str]:
        out = set()
        for d in self.deals:
            payoff = money(d["payoff_amount"])
            v = self.owned.get((d["customer_id"], d["vin"].upper()))
            if d["status"] not in LIVE or not payoff or payoff <= 0 or v is None:
                continue
            value = self.guide.get(
                (v["year"], v["make"].upper(), v["model"].upper(), v["trim"].upper())
            )
            if value is not None and value - payoff >= minimum:
                out.add(d["customer_id"])
        return out

    def lease_maturity(self, days: int = 90) -> set[str]:
        end = self.today + timedelta(days=days)
        return {
            d["customer_id"]
            for d in self.deals
            if d["deal_type"] == "LEASE"
            and d["status"] in LIVE
            and (m := day(d["lease_maturity_date"]))
            and self.today <= m <= end
            and (d["customer_id"], d["vin"].upper()) in self.owned
        }

    def service_retention(self, months: int = 12) -> set[str]:
        cutoff = months_back(self.today, months)
        return {
            v["customer_id"]
            for v in self.vehicles
            if v["customer_id"] in self.known
            and (last := self.last_ro.get(v["vin"].upper()))
            and last < cutoff
        }

    def declined_work(self, days: int = 90) -> dict[str, set[str]]:
        since = self.today - timedelta(days=days)
        out: dict[str, set[str]] = defaultdict(set)
        for r in self.ros:
            d = day(r["open_date"])
            if r["declined_recommendations"].strip() and d and since <= d <= self.today:
                out[r["customer_id"]] |= {
                    x.strip() for x in r["declined_recommendations"].split(";") if x.strip()
                }
        return dict(out)

    def warranty_ending(self, days: int = 90) -> set[str]:
        end = self.today + timedelta(days=days)
        return {
            w["customer_id"]
            for w in self.warranties
            if (e := day(w["end_date"]))
            and self.today <= e <= end
            and (w["customer_id"], w["vin"].upper()) in self.owned
        }

    def birthday_month(self) -> set[str]:
        return {
            c["customer_id"]
            for c in self.customers
            if (b := day(c["birth_date"]))
            and b.month == self.today.month
            and c["customer_type"] != "BUSINESS"
        }

    def first_service_due(self, months: int = 6, miles: int = 5000) -> set[str]:
        since = months_back(self.today, 24)
        due_by = months_back(self.today, months)
        out = set()
        for d in self.deals:
            sold = day(d["delivery_date"])
            v = self.owned.get((d["customer_id"], d["vin"].upper()))
            if d["status"] != "DELIVERED" or not sold or not (since <= sold <= self.today):
                continue
            if v is None:
                continue
            last = self.last_ro.get(d["vin"].upper())
            if last is not None and last >= sold:
                continue
            odometer = money(v["mileage"]) or 0
            new = d["stock_number"].upper().startswith("N")
            if sold <= due_by or (new and miles > 0 and odometer >= miles):  # 0 miles: off
                out.add(d["customer_id"])
        return out
