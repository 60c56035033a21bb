"""Business customers: fleet and trade accounts with plausible company names."""

from __future__ import annotations

import numpy as np

from app.sandbox.generator.fmt import Obj, objects

TRADES: Obj = objects(
    """Plumbing|Landscaping|Construction|Electric|Roofing|Heating & Cooling|Auto Body|Dental Group|
    Realty|Catering|Flooring|Painting|Logistics|Transport|Farms|Pest Control|Cleaning Services|
    Consulting|Fencing|Lawn Care|Home Health|Pizza|Towing|Excavating|Insurance Agency|
    Veterinary Clinic|Florist|Machine & Tool|Snow Removal|Pool & Spa""".replace("\n", "").split("|")
)
TRADES[:] = [t.strip() for t in TRADES]
# Slug used in a business's email domain, e.g. "millerplumbing".
TRADE_SLUGS: Obj = objects([t.lower().replace(" & ", "").replace(" ", "") for t in TRADES])
PLACE_WORDS: Obj = objects(
    ["Great Lakes", "Motor City", "Oakland", "Macomb", "Metro", "Lakeside", "Woodward",
     "Northern", "Heartland", "Wolverine", "Riverbend", "Huron Valley", "Clinton River"]
)  # fmt: skip
PLACE_SLUGS: Obj = objects([p.lower().replace(" ", "") for p in PLACE_WORDS])
LEGAL: Obj = objects([" LLC", " Inc", " Inc.", " Co.", ", LLC", ", Inc.", " Corp", ""])
LEGAL_WEIGHTS = np.array([30, 20, 8, 8, 10, 8, 6, 10], dtype=np.float64)
