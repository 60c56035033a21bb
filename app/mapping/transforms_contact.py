"""Contact and vehicle transforms: phone, e-mail, ZIP, VIN."""

from __future__ import annotations

import numpy as np
import pandas as pd

from app.domain import fastpaths, normalise
from app.mapping import emails_fast, phones_fast, zips_fast
from app.mapping.transforms_base import Transformed, checked, checked_fast


def phone_e164(s: pd.Series, region: str = "US") -> Transformed:
    return checked_fast(
        s,
        lambda values: phones_fast.e164(values, region),
        lambda v: fastpaths.phone_e164(v, region),
        "not a valid phone number",
    )


def _emails(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Plainly written valid addresses all at once (emails_fast), then the batch regex on
    the rest; what neither decides goes to ``fastpaths.email`` per value."""
    out, decided = emails_fast.decide(values)
    rest = np.flatnonzero(~decided)
    blank = values[rest] == ""  # an empty cell is no address to check
    out[rest[blank]], decided[rest[blank]] = "", True
    rest = rest[~blank]
    if len(rest):
        found = fastpaths.emails(values[rest].tolist())
        out[rest] = found
        decided[rest] = [r is not None for r in found]
    return out, decided


def email(s: pd.Series) -> Transformed:
    return checked_fast(s, _emails, fastpaths.email, "not a valid e-mail address")


def zip5(s: pd.Series) -> Transformed:
    return checked_fast(s, zips_fast.zip5, normalise.zip5, "not a US ZIP code")


def zip_plus4(s: pd.Series) -> Transformed:
    return checked_fast(s, zips_fast.zip_plus4, normalise.zip_plus4, "not a US ZIP code")


def vin(s: pd.Series) -> Transformed:
    return checked(s, normalise.vin, "not a valid VIN (length, characters or check digit)")
