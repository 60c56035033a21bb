"""Deals a shopper builds on the demo dealership's website, as the digital-retailing tool
sends them: deal jackets (``app.formats.star.jacket``) made from the demo data set.

A shopper is someone new (a made-up name) or, now and then, a customer the DMS already
has (same name, e-mail and phone: the pre-entry check must find them). The vehicle is an
AVAILABLE stock unit; the structure is cash, finance or lease; most deals carry a
trade-in (for a known customer, a car they own), and finance and lease deals a credit
application. Like real tools, jackets carry what the dealership must not keep: the
applicant's social security number and the credit bureau's report. The receiver has to
throw them away.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.formats import star
from app.sandbox.servers.dataset import Record

FIRST = ("Avery", "Jordan", "Camila", "Mateo", "Priya", "Noah", "Imani", "Lucas", "Sofia",
         "Ethan", "Hana", "Diego", "Grace", "Omar", "Zoe", "Marcus", "Leila", "Tomás")  # fmt: skip
LAST = ("Whitfield", "Okafor", "Lindqvist", "Ramírez", "Nakamura", "Brennan", "Haddad",
        "Kowalski", "Delacroix", "Osei", "Park", "Moreau", "Castellano", "Reyes")  # fmt: skip
TRADES = (("Honda", "Civic"), ("Toyota", "Camry"), ("Ford", "Escape"), ("Chevrolet", "Malibu"),
          ("Nissan", "Rogue"), ("Hyundai", "Elantra"), ("Subaru", "Outback"))  # fmt: skip
CONDITIONS = ("EXCELLENT", "GOOD", "GOOD", "FAIR", "POOR")
LENDERS = ("Ally Financial", "Capital One Auto", "Chase Auto", "Wells Fargo Auto")
PRODUCTS = (("Service Contract", "1995.00"), ("GAP", "695.00"), ("Tire & Wheel", "549.00"))
_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_VIN_VALUE = {**{str(d): d for d in range(10)},
              **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
              **dict(zip("JKLMN", range(1, 6), strict=True)), "P": 7, "R": 9,
              **dict(zip("STUVWXYZ", range(2, 10), strict=True))}  # fmt: skip
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def make_vin(rng: random.Random) -> str:
    """A North American VIN with a right check digit (position 9) and a model-year code
    (position 10) that VIN decoders accept (never 0, U or Z)."""
    chars = [rng.choice(_VIN_CHARS) for _ in range(17)]
    chars[0] = rng.choice("12345")
    chars[9] = rng.choice(_YEAR_CODES)
    chars[8] = "0"
    total = sum(_VIN_VALUE[c] * w for c, w in zip(chars, _VIN_WEIGHTS, strict=True))
    chars[8] = "X" if total % 11 == 10 else str(total % 11)
    return "".join(chars)


def fake_ssn(rng: random.Random) -> str:
    return f"{rng.randint(100, 665):03d}-{rng.randint(10, 99):02d}-{rng.randint(1000, 9999):04d}"


def credit_report(rng: random.Random, name: str, ssn: str) -> str:
    """A bureau's full report, as tools attach it: long, and full of things to never keep."""
    lines = [f"TRI-MERGE CREDIT REPORT  SUBJECT: {name.upper()}  SSN: {ssn}"]
    for n in range(40):
        lines.append(
            f"TRADELINE {n + 1:02d}  CREDITOR {rng.choice(LENDERS).upper()}  ACCT "
            f"****{rng.randint(1000, 9999)}  BAL {rng.randint(0, 40000):>6}  "
            f"PAY HIST {''.join(rng.choice('C1C2CCC') for _ in range(24))}"
        )
    return "\n".join(lines)


@dataclass
class Deal:
    """One deal the tool knows, and the versions of its jacket."""

    key: str
    shopper_id: str
    row: dict[str, str]  # the vehicle invoice, flat
    shopper: dict[str, str]  # given_name, family_name, email, mobile, address...
    credit: dict[str, str] | None  # the credit authorization, flat
    ssn: str = ""
    report: str = ""
    version: int = 0
    status: str = "PENDING_APPROVAL"  # what the DMS last told the tool
    payment_status: str = ""
    history: list[dict[str, str]] = field(default_factory=list)  # status patches received

    def summary(self) -> dict[str, Any]:
        return {
            "deal_key": self.key,
            "shopper_id": self.shopper_id,
            "version": self.version,
            "status": self.status,
            "payment_status": self.payment_status,
            "vin": self.row.get("vin", ""),
            "trade_vin": self.row.get("trade_vin", ""),
            "payment_method": self.row.get("payment_method", ""),
            "email": self.shopper.get("email", ""),
            "status_history": list(self.history),
        }


def _party(deal: Deal) -> dict[str, Any]:
    s = deal.shopper
    party: dict[str, Any] = {
        "party_type": "CUSTOMER",
        "party_key": deal.shopper_id,
        "party_name": f"{s['given_name']} {s['family_name']}",
        "individual_name": {"given_name": s["given_name"], "family_name": s["family_name"]},
        "communication_channels": [
            {"communication_channel_type": "EMAIL", "value": s["email"]},
            {"communication_channel_type": "CELL", "value": s["mobile"]},
        ],
        "address_references": [
            {
                "address_types": ["HOME"],
                "address_line1": s["street"],
                "city": s["city"],
                "state_province": s["state"],
                "postal_code": s["zip"],
            }
        ],
    }
    if deal.ssn:  # what a credit application form collects, and the tool forwards
        party["snapshot_detail"] = {
            "identifier_type": "SOCIAL_SECURITY_NUMBER",
            "value": deal.ssn,
        }
    return party


def jacket_body(deal: Deal, event_id: str, sent_at: str) -> dict[str, Any]:
    """The webhook body of the deal's current version."""
    invoice = star.unflatten("vehicle_invoices", deal.row, star.RECORD)
    invoice.setdefault("party_references", []).insert(0, _party(deal))
    body: dict[str, Any] = {
        "event_id": event_id,
        "event_type": "deal.created" if deal.version == 1 else "deal.updated",
        "sent_at": sent_at,
        "vehicle_invoice": invoice,
    }
    if deal.credit is not None:
        credit = star.unflatten("credit_authorizations", deal.credit, star.RECORD)
        applicant = _party(deal)
        credit.setdefault("party_references", []).insert(0, applicant)
        if deal.report:
            credit["event_message"] = {
                **credit.get("event_message", {}),
                "event_content": [deal.report],
            }
            credit["credit_report"] = {"bureau": "TRI-MERGE", "score": 712, "text": deal.report}
            credit["applicant_ssn"] = deal.ssn
        body["credit_authorization"] = credit
    return body


def new_deal(
    rng: random.Random,
    key: str,
    number: int,
    units: Sequence[Record],
    customers: Sequence[Record],
    vehicles_of: Mapping[str, list[Record]],
    *,
    existing_share: float,
    stamp: str,
) -> Deal:
    """A new deal (version 0: ``bump`` makes version 1)."""
    unit = rng.choice(list(units))
    known = rng.random() < existing_share and bool(customers)
    if known:
        c = rng.choice(list(customers))
        shopper = {
            "given_name": c.get("first_name", "") or "Pat",
            "family_name": c.get("last_name", "") or c.get("company_name", "") or "Doe",
            "email": c.get("email", ""),
            "mobile": c.get("mobile_phone", "") or c.get("home_phone", ""),
            "street": c.get("address_line1", ""),
            "city": c.get("city", ""),
            "state": c.get("state", ""),
            "zip": c.get("zip", ""),
        }
        owned = vehicles_of.get(c.get("customer_id", ""), [])
    else:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        local = f"{first}.{last}{rng.randint(10, 9999)}".lower()
        shopper = {
            "given_name": first,
            "family_name": last,
            "email": f"{local.replace('á', 'a').replace('í', 'i')}@shopper.example.com",
            "mobile": f"+1313555{rng.randint(0, 9999):04d}",
            "street": f"{rng.randint(10, 9999)} Woodward Ave",
            "city": "Detroit",
            "state": "MI",
            "zip": "48226",
        }
        owned = []
    method = rng.choice(("CASH", "FINANCE", "FINANCE", "LEASE"))
    price = float(unit.get("special_price") or unit.get("price") or 25000) or 25000.0
    row: dict[str, str] = {
        "vehicle_invoice_key": key,
        "deal_number": f"W{number:06d}",
        "invoice_type": "LEASE" if method == "LEASE" else "VEHICLE_SALE",
        "status": "PENDING_APPROVAL",
        "vin": unit.get("vin", ""),
        "stock_number": unit.get("stock_number", ""),
        "year": unit.get("year", ""),
        "make": unit.get("make", ""),
        "model": unit.get("model", ""),
        "sale_price": f"{price:.2f}",
        "currency_code": "USD",
        "payment_method": method,
        "deal_date": stamp[:10],
    }
    down = rng.choice((0, 1000, 2500, 5000))
    if down:
        row["down_payment"] = f"{down:.2f}"
    if method != "CASH":
        lender = rng.choice(LENDERS)
        term = rng.choice((36, 39) if method == "LEASE" else (48, 60, 72))
        financed = max(price - down, 1000.0)
        row.update(lender=lender, term_months=str(term), amount_financed=f"{financed:.2f}")
        if method == "LEASE":
            residual = price * rng.uniform(0.5, 0.62)
            row.update(money_factor=f"{rng.uniform(0.0010, 0.0030):.5f}",
                       residual=f"{residual:.2f}",
                       monthly_payment=f"{(financed - residual) / term * 1.1:.2f}")  # fmt: skip
        else:
            apr = rng.choice((3.9, 5.49, 6.99, 8.25))
            row.update(apr=f"{apr:.2f}", monthly_payment=f"{financed * 1.08 / term:.2f}")
        chosen = [p for p in PRODUCTS if rng.random() < 0.5]
        if chosen:
            row["products"] = "; ".join(f"{n}={p}" for n, p in chosen)
    if rng.random() < 0.7:
        if owned:
            car = rng.choice(owned)
            trade = {
                "trade_vin": car.get("vin", ""),
                "trade_year": car.get("year", ""),
                "trade_make": car.get("make", ""),
                "trade_model": car.get("model", ""),
            }
        else:
            make, model = rng.choice(TRADES)
            trade = {"trade_vin": make_vin(rng), "trade_year": str(rng.randint(2012, 2021)),
                     "trade_make": make, "trade_model": model}  # fmt: skip
        trade.update(
            trade_mileage=str(rng.randint(18, 140) * 1000 + rng.randint(0, 999)),
            trade_condition=rng.choice(CONDITIONS),
            trade_value=f"{rng.randint(30, 220) * 100:.2f}",
        )
        if rng.random() < 0.5:
            trade.update(trade_payoff=f"{rng.randint(5, 120) * 100:.2f}",
                         trade_lienholder=rng.choice(LENDERS))  # fmt: skip
        row.update(trade)
    credit: dict[str, str] | None = None
    ssn = report = ""
    if method != "CASH":
        ssn = fake_ssn(rng)
        report = credit_report(rng, f"{shopper['given_name']} {shopper['family_name']}", ssn)
        credit = {
            "credit_authorization_key": f"{key}-CA",
            "status": "PENDING_EXTERNAL",
            "auth_type": "STANDARD_AUTH",
            "lender": row["lender"],
            "deal_number": key,
            "amount": row.get("amount_financed", ""),
            "currency_code": "USD",
        }
    shopper_id = f"SH-{rng.randint(0, 16**8 - 1):08X}"
    return Deal(key, shopper_id, row, shopper, credit, ssn, report)


def bump(deal: Deal, stamp: str, changes: Mapping[str, str] | None = None) -> None:
    """A new version of the deal (the shopper changed something, or the lender decided)."""
    deal.version += 1
    deal.row.update(changes or {})
    deal.row["version"] = str(deal.version)
    deal.row["updated_at"] = stamp
    if deal.credit is not None:
        deal.credit["updated_at"] = stamp
    deal.row["customer_id"] = deal.shopper_id
