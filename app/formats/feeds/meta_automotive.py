"""Meta (Facebook) automotive inventory catalog feed — vehicles, CSV (or TSV) with
flattened JSON-path columns (``mileage.value``, ``image[0].url``, ``address.city``).

Required per vehicle: vehicle_id, vin (exactly 17 characters), title, description
(at most 5,000 characters), url, make, model, year, body_style (CONVERTIBLE, COUPE,
HATCHBACK, MINIVAN, TRUCK, SUV, SEDAN, VAN, WAGON, CROSSOVER, OTHER), exterior_color,
image[0].url with image[0].tag[0], mileage.value (integer) with mileage.unit (MI | KM),
price ("18000 USD"), state_of_vehicle (NEW | USED | CPO) and the dealer's address.
``sale_price`` carries a special; ``availability`` is AVAILABLE or PENDING. We use the
VIN as vehicle_id, so one vehicle is one catalog item.
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

CHANNEL = "meta"
MAX_IMAGES = 10
MAX_DESCRIPTION = 5000
MAX_TITLE = 150
IMAGE_COLUMNS = tuple(f"image[{i}].url" for i in range(MAX_IMAGES))
ADDRESS_COLUMNS = (
    "address.addr1", "address.city", "address.region", "address.postal_code", "address.country",
)  # fmt: skip
COLUMNS = (
    "vehicle_id", "vin", "title", "description", "url", "make", "model", "year", "trim",
    "body_style", "exterior_color", "interior_color", "mileage.value", "mileage.unit",
    "price", "sale_price", "state_of_vehicle", "availability", "date_first_on_lot",
    "image[0].tag[0]", *IMAGE_COLUMNS, *ADDRESS_COLUMNS, "latitude", "longitude",
    "dealer_id", "dealer_name", "dealer_phone",
)  # fmt: skip
REQUIRED = (
    "vehicle_id", "vin", "title", "description", "url", "make", "model", "year",
    "body_style", "exterior_color", "image[0].url", "image[0].tag[0]", "mileage.value",
    "mileage.unit", "price", "state_of_vehicle", *ADDRESS_COLUMNS,
)  # fmt: skip
BODY_STYLES = (
    "CONVERTIBLE", "COUPE", "HATCHBACK", "MINIVAN", "TRUCK", "SUV", "SEDAN", "VAN", "WAGON",
    "CROSSOVER", "OTHER",
)  # fmt: skip
# DMS body styles that Meta names differently
BODY_ALIASES = {"PICKUP": "TRUCK", "CUV": "CROSSOVER", "CAB": "TRUCK", "ESTATE": "WAGON"}
STATES = {"NEW": "NEW", "USED": "USED", "CPO": "CPO"}
AVAILABILITY = {"AVAILABLE": "AVAILABLE", "PENDING": "PENDING"}
_PRICE = re.compile(r"^\d+(\.\d{2})? [A-Z]{3}$")


def check_dealer(dealer: DealerInfo) -> None:
    missing = [
        label
        for label, value in (
            ("street address", dealer.street),
            ("city", dealer.city),
            ("state", dealer.region),
            ("ZIP code", dealer.postal_code),
            ("vehicle page address (URL with {vin})", dealer.vdp_url),
        )
        if not value.strip()
    ]
    if missing:
        raise FormatError(
            f"The Meta catalog needs the dealership's {', '.join(missing)}.",
            hint="Fill them in on the feed's settings (Dealer details).",
        )


def body_style(value: str) -> str:
    key = value.strip().upper().replace(" ", "_").replace("-", "_")
    key = BODY_ALIASES.get(key, key)
    return key if key in BODY_STYLES else "OTHER"


def _unit(row: Row, dealer: DealerInfo) -> tuple[dict[str, str], str, list[str]]:
    state = STATES.get(row.get("condition", "").strip().upper(), "")
    if not state:
        return {}, f"condition '{row.get('condition', '')}' is not NEW, USED or CPO", []
    year = model_year(row.get("year", ""))
    if year is None:
        return {}, f"model year '{row.get('year', '')}' is not a year like 2024", []
    price = amount(row.get("price", ""))
    if price is None:
        return {}, "no price", []
    miles = whole_number(row.get("mileage", ""))
    if miles is None:
        return {}, "no mileage", []
    photos = photo_list(row.get("photo_urls", ""))
    if not photos:
        return {}, "no photo (Meta needs at least one image)", []
    notes: list[str] = []
    texts: dict[str, str] = {}
    for name in ("make", "model", "trim", "exterior_color", "interior_color"):
        texts[name], changed = clean_text(row.get(name, ""), 100)
        notes += [f"{name}: {n}" for n in changed]
    missing = [n for n in ("make", "model", "exterior_color") if not texts[n]]
    if missing:
        return {}, f"missing {', '.join(m.replace('_', ' ') for m in missing)}", notes
    title, _ = clean_text(
        " ".join(p for p in (str(year), texts["make"], texts["model"], texts["trim"]) if p),
        MAX_TITLE,
    )
    description, changed = clean_text(row.get("description", ""), MAX_DESCRIPTION)
    notes += [f"description: {n}" for n in changed]
    special = amount(row.get("special_price", ""))
    vin = row.get("vin", "").strip().upper()
    out = {
        "vehicle_id": vin,
        "vin": vin,
        "title": title,
        "description": description or title,
        "url": dealer.vehicle_url(row),
        "year": str(year),
        "body_style": body_style(row.get("body_style", "")),
        "mileage.value": str(miles),
        "mileage.unit": "KM" if dealer.mileage_unit == "km" else "MI",
        "price": price_text(price, dealer.currency),
        "sale_price": price_text(special, dealer.currency)
        if special is not None and special < price
        else "",
        "state_of_vehicle": state,
        "availability": AVAILABILITY.get(row.get("status", "").strip().upper(), "AVAILABLE"),
        "date_first_on_lot": row.get("date_in_stock", "").strip()[:10],
        "image[0].tag[0]": "Exterior",
        **{f"image[{i}].url": url for i, url in enumerate(photos[:MAX_IMAGES])},
        "address.addr1": dealer.street,
        "address.city": dealer.city,
        "address.region": dealer.region,
        "address.postal_code": dealer.postal_code,
        "address.country": dealer.country,
        "latitude": dealer.latitude,
        "longitude": dealer.longitude,
        "dealer_id": dealer.store_code,
        "dealer_name": dealer.name,
        "dealer_phone": dealer.phone,
        **texts,
    }
    return out, "", notes


def build(rows: Iterable[Row], dealer: DealerInfo, file_format: str = "csv") -> FeedFile:
    """The full catalog; units it cannot carry are in ``excluded`` with a reason."""
    check_dealer(dealer)
    builder = FeedBuilder(CHANNEL, COLUMNS, file_format)
    for row in rows:
        out, reason, notes = _unit(row, dealer)
        if reason:
            builder.exclude(row, reason)
            continue
        if builder.add(row, out, key="vehicle_id"):
            builder.note(out["vin"], notes)
    return builder.finish()


def problems(row: Row) -> list[str]:
    """Everything in a parsed catalog row that breaks the spec (used to check our output)."""
    out = [f"{c} is empty" for c in REQUIRED if not row.get(c, "").strip()]
    if len(row.get("vin", "")) != 17:
        out.append("vin is not exactly 17 characters")
    if row.get("body_style") not in BODY_STYLES:
        out.append(f"body_style '{row.get('body_style')}' is not a Meta body style")
    if row.get("state_of_vehicle") not in STATES.values():
        out.append("state_of_vehicle is not NEW/USED/CPO")
    if row.get("mileage.unit") not in ("MI", "KM"):
        out.append("mileage.unit is not MI/KM")
    if not row.get("mileage.value", "").isdigit():
        out.append("mileage.value is not a whole number")
    for name in ("price", "sale_price"):
        if row.get(name) and not _PRICE.match(row[name]):
            out.append(f"{name} '{row[name]}' is not like '18000 USD'")
    if len(row.get("description", "")) > MAX_DESCRIPTION:
        out.append("description is longer than 5000 characters")
    if row.get("availability") not in ("", *AVAILABILITY.values()):
        out.append("availability is not AVAILABLE/PENDING")
    if not re.fullmatch(r"\d{4}", row.get("year", "")):
        out.append("year is not YYYY")
    if not row.get("url", "").startswith(("http://", "https://")):
        out.append("url is not a web address")
    return out
