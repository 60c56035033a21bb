"""Contact and vehicle transforms: phone, e-mail, ZIP, VIN."""

from __future__ import annotations

import pandas as pd

from app.domain import fastpaths, normalise
from app.domain.columns import emails, phones, zips
from app.mapping.transforms_base import Transformed, checked, checked_fast


def phone_e164(s: pd.Series, region: str = "US") -> Transformed:
    return checked_fast(
        s,
        lambda values: phones.e164(values, region),
        lambda v: fastpaths.phone_e164(v, region),
        "not a valid phone number",
    )


def email(s: pd.Series) -> Transformed:
    return checked_fast(s, emails.fast, fastpaths.email, "not a valid e-mail address")


def zip5(s: pd.Series) -> Transformed:
    return checked_fast(s, zips.zip5, normalise.zip5, "not a US ZIP code")


def zip_plus4(s: pd.Series) -> Transformed:
    return checked_fast(s, zips.zip_plus4, normalise.zip_plus4, "not a US ZIP code")


def vin(s: pd.Series) -> Transformed:
    return checked(s, normalise.vin, "not a valid VIN (length, characters or check digit)")
