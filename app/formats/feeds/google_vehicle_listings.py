"""Google vehicle listings feed (developers.google.com/vehicle-listings/reference/
feed-specification), delimited text.

Required on every row: vin, store_code, dealership_name, dealership_address, price
("10499 USD"), condition (``new`` | ``used``), make, model, year (YYYY), exterior_color;
mileage ("2333 miles") for used vehicles; trim when the vehicle has one. A certified
pre-owned unit is ``condition=used`` with ``certified_pre_owned=yes``. ``vehicle_msrp``
only applies to new vehicles. ``additional_image_link`` repeats: comma-separated URLs.
The price is the final sale price, so a special price below the list price wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.formats.errors import FormatError
from app.formats.feeds.common import (
    DealerInfo,
    FeedBuilder,
    FeedFile,
    Row,
    amount,
    clean_text,
    model_year,
    photo_list,
    price_text,
    whole_number,
)

CHANNEL = "google"
COLUMNS = (
    "vin", "id", "store_code", "dealership_name", "dealership_address",
    "tracking_phone_number", "image_link", "additional_image_link", "link",
    "date_in_stock", "price", "vehicle_msrp", "condition", "certified_pre_owned",
    "make", "model", "trim", "year", "mileage", "exterior_color",
)  # fmt: skip
REQUIRED = (
    "vin", "store_code", "dealership_name", "dealership_address", "price", "condition",
    "make", "model", "year", "exterior_color",
)  # fmt: skip
CONDITIONS = {"NEW": "new", "USED": "used", "CPO": "used"}
MAX_ADDITIONAL_IMAGES = 10
_PRICE = re.compile(r"^\d+(\.\d{2})? [A-Z]{3}$")
_MILEAGE = re.compile(r"^\d+ (miles|km)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_dealer(dealer: DealerInfo) -> None:
    missing = [
        label
        for label, value in (
            ("store code", dealer.store_code),
            ("dealership name", dealer.name),
            ("dealership address", dealer.address_line()),
        )
        if not value.strip()
    ]
    if missing:
        raise FormatError(
            f"The Google feed needs the dealership's {', '.join(missing)}.",
            hint="Fill them in on the feed's settings (Dealer details).",
        )


def _unit(row: Row, dealer: DealerInfo) -> tuple[dict[str, str], str, list[str]]:
    """The feed row for one unit, or a reason it cannot be listed, and notes."""
    condition = CONDITIONS.get(row.get("condition", "").strip().upper(), "")
    if not condition:
        return {}, f"condition '{row.get('condition', '')}' is not NEW, USED or CPO", []
    year = model_year(row.get("year", ""))
    if year is None:
        return {}, f"model year '{row.get('year', '')}' is not a year like 2024", []
    price, special = amount(row.get("price", "")), amount(row.get("special_price", ""))
    final = special if special is not None and (price is None or special < price) else price
    if final is None:
        return {}, "no price", []
    miles = whole_number(row.get("mileage", ""))
    if condition == "used" and miles is None:
        return {}, "no mileage (required for used vehicles)", []
    notes: list[str] = []
    texts: dict[str, str] = {}
    for name in ("make", "model", "trim", "exterior_color"):
        texts[name], changed = clean_text(row.get(name, ""), 100)
        notes += [f"{name}: {n}" for n in changed]
    missing = [n for n in ("make", "model", "exterior_color") if not texts[n]]
    if missing:
        return {}, f"missing {', '.join(m.replace('_', ' ') for m in missing)}", notes
    photos = photo_list(row.get("photo_urls", ""))
    msrp = amount(row.get("msrp", ""))
    stocked = row.get("date_in_stock", "").strip()[:10]
    out = {
        "vin": row.get("vin", "").strip().upper(),
        "id": row.get("stock_number", "").strip(),
        "store_code": dealer.store_code,
        "dealership_name": dealer.name,
        "dealership_address": dealer.address_line(),
        "tracking_phone_number": dealer.phone,
        "image_link": photos[0] if photos else "",
        "additional_image_link": ",".join(photos[1 : 1 + MAX_ADDITIONAL_IMAGES]),
        "link": dealer.vehicle_url(row),
        "date_in_stock": stocked if _DATE.match(stocked) else "",
        "price": price_text(final, dealer.currency),
        "vehicle_msrp": price_text(msrp, dealer.currency) if msrp and condition == "new" else "",
        "condition": condition,
        "certified_pre_owned": "yes" if row.get("condition", "").upper() == "CPO" else "no",
        "year": str(year),
        "mileage": f"{miles} {dealer.mileage_unit}" if miles is not None else "",
        **texts,
    }
    return out, "", notes


def build(rows: Iterable[Row], dealer: DealerInfo, file_format: str = "tsv") -> FeedFile:
    """The full-inventory feed; units it cannot carry are in ``excluded`` with a reason."""
    check_dealer(dealer)
    builder = FeedBuilder(CHANNEL, COLUMNS, file_format)
    for row in rows:
        out, reason, notes = _unit(row, dealer)
        if reason:
            builder.exclude(row, reason)
            continue
        if builder.add(row, out):
            builder.note(out["vin"], notes)
    return builder.finish()


def problems(row: Row) -> list[str]:
    """Everything in a parsed feed row that breaks the spec (used to check our output)."""
    out = [f"{c} is empty" for c in REQUIRED if not row.get(c, "").strip()]
    if row.get("condition") not in ("new", "used"):
        out.append(f"condition '{row.get('condition')}' is not new/used")
    if row.get("condition") == "used" and not row.get("mileage"):
        out.append("used vehicle without mileage")
    for name in ("price", "vehicle_msrp"):
        if row.get(name) and not _PRICE.match(row[name]):
            out.append(f"{name} '{row[name]}' is not like '10499 USD'")
    if row.get("vehicle_msrp") and row.get("condition") != "new":
        out.append("vehicle_msrp on a vehicle that is not new")
    if row.get("mileage") and not _MILEAGE.match(row["mileage"]):
        out.append(f"mileage '{row['mileage']}' is not like '2333 miles'")
    if row.get("certified_pre_owned") not in ("", "yes", "no"):
        out.append("certified_pre_owned is not yes/no")
    if not re.fullmatch(r"\d{4}", row.get("year", "")):
        out.append("year is not YYYY")
    if row.get("date_in_stock") and not _DATE.match(row["date_in_stock"]):
        out.append("date_in_stock is not ISO 8601")
    if len(row.get("vin", "")) != 17:
        out.append("vin is not 17 characters")
    return out
