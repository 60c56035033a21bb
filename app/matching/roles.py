"""Which input columns play which person role (first name, e-mail, phone...).

Admins feed us exports they did not design: DMS extracts (``CUST_NO``, ``LAST_NAME``,
``HOME_PH``), CRM exports (``firstName``, ``postalCode``), marketing lists. Columns are
recognised by name; ``--map ROLE=COL [COL...]`` overrides. A role may take several columns:
their texts are joined with a space, except phones, which stay separate numbers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from app.matching.errors import MatchingError

ROLES: tuple[str, ...] = (
    "first_name",
    "last_name",
    "full_name",
    "company",
    "suffix",
    "email",
    "phone",
    "street",
    "city",
    "state",
    "zip",
    "dob",
    "id",
)
# Roles whose columns stay separate values instead of being joined.
MULTI_VALUE = frozenset({"phone", "id"})

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": (
        "firstname", "fname", "first", "givenname", "forename", "firstnm", "given",
    ),
    "last_name": ("lastname", "lname", "last", "surname", "familyname", "lastnm"),
    "full_name": ("name", "fullname", "customername", "contactname", "custname", "person"),
    "company": ("companyname", "company", "businessname", "organization", "organisation"),
    # A generation suffix (Jr., Sr., III) kept apart from the name, as DMS exports do.
    "suffix": ("suffix", "namesuffix", "suffixname", "sfx", "generation", "namegeneration"),
    "email": ("email", "emailaddr", "emailaddress", "mail", "email1", "primaryemail"),
    "phone": (
        "phone", "homeph", "busph", "cellph", "workph", "homephone", "workphone",
        "mobilephone", "mobile", "cell", "cellphone", "telephone", "tel", "phonenumber",
        "dayphone", "eveningphone", "businessphone", "phone1", "phone2", "primaryphone",
    ),
    "street": (
        "housenumber", "houseno", "housenum", "streetnumber", "streetno", "streetnum",
        "address", "address1", "address2", "addressline1", "addressline2", "addr1",
        "addr2", "street", "streetaddress", "street1", "street2", "mailingaddress",
        "streetname",
    ),
    "city": ("city", "town", "cityname", "suburb", "locality"),
    "state": ("state", "st", "province", "region", "statecode"),
    "zip": ("zip", "zipcode", "postalcode", "postcode", "zip5", "postal"),
    "dob": ("dob", "birthdate", "birthdt", "dateofbirth", "birthday", "bdate"),
    # Identifiers of a person (not of a record): compared like e-mails, with typos.
    "id": (
        "ssn", "socialsecurity", "socialsecuritynumber", "socsecid", "socsecno",
        "socialsecurityno", "taxid", "nationalid", "driverslicense", "driverslicence",
        "dlnumber", "dlno", "licenseno", "licenceno", "licensenumber", "passport",
        "passportno", "passportnumber",
    ),
}  # fmt: skip
_ID_NAMES = (
    "custno", "customerid", "customerno", "customernumber", "contactid", "subscriberid",
    "recordid", "id", "custid", "accountid", "clientid",
)  # fmt: skip


def header_key(name: str) -> str:
    """'HOME_PH' -> 'homeph', 'firstName' -> 'firstname', 'E-mail' -> 'email'."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


# Flag columns about a value are not the value ("opt_in_email", "phone_type").
_NOT_VALUES = ("opt", "consent", "flag", "verified", "type", "status", "valid", "ok", "pref")
_LOOKUP = {syn: role for role, syns in _SYNONYMS.items() for syn in syns}


def recognise(columns: Sequence[str]) -> dict[str, list[str]]:
    """Role -> columns, from the column names alone (in file order)."""
    out: dict[str, list[str]] = {}
    for col in columns:
        key = header_key(col)
        role = _LOOKUP.get(key)
        if role is None and not any(w in key for w in _NOT_VALUES):
            if key.endswith(("phone", "ph")) or "phone" in key:
                role = "phone"
            elif "email" in key:
                role = "email"
            elif key.startswith(("zip", "postal")):
                role = "zip"
        if role is not None:
            out.setdefault(role, []).append(col)
    # A bare "name" column next to first/last names is not a full name.
    if "full_name" in out and ("first_name" in out or "last_name" in out):
        del out["full_name"]
    return out


def guess_id_column(columns: Sequence[str]) -> str | None:
    keys = {header_key(c): c for c in columns}
    for name in _ID_NAMES:
        if name in keys:
            return keys[name]
    return None


def parse_map(items: Sequence[str]) -> dict[str, list[str]]:
    """``["street=HOUSE_NO STREET", "email=E"]`` -> role -> columns. Raises on bad roles."""
    out: dict[str, list[str]] = {}
    for item in items:
        role, sep, cols = item.partition("=")
        role = role.strip().lower()
        if not sep or not cols.strip():
            raise MatchingError(f"'{item}' is not ROLE=COLUMN.", hint=f"Roles: {', '.join(ROLES)}.")
        if role not in ROLES:
            raise MatchingError(f"Unknown role '{role}'.", hint=f"Roles: {', '.join(ROLES)}.")
        out[role] = cols.split()
    return out


def resolve(columns: Sequence[str], overrides: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Recognised roles with ``overrides`` on top; every named column must exist."""
    roles = recognise(columns)
    present = set(columns)
    by_key = {header_key(c): c for c in columns}
    for role, cols in overrides.items():
        real = []
        for c in cols:
            if c in present:
                real.append(c)
            elif header_key(c) in by_key:
                real.append(by_key[header_key(c)])
            else:
                raise MatchingError(
                    f"Column '{c}' (for {role}) is not in the file.",
                    hint=f"Columns: {', '.join(map(str, columns))}.",
                )
        roles[role] = real
        for other, other_cols in list(roles.items()):
            if other != role:
                roles[other] = [c for c in other_cols if c not in real]
                if not roles[other]:
                    del roles[other]
    if "full_name" not in overrides and ("first_name" in roles or "last_name" in roles):
        roles.pop("full_name", None)
    usable = {"first_name", "last_name", "full_name", "company", "email", "phone", "id"}
    if not usable & set(roles):
        raise MatchingError(
            "No name, e-mail or phone column was recognised.",
            hint="Name the columns with --map, e.g. --map last_name=SURNAME email=MAIL.",
        )
    return roles


def _text(s: pd.Series) -> pd.Series:
    """Strings with '' for missing, whatever the column held (numbers, NaN, None)."""
    if s.dtype == object and pd.api.types.infer_dtype(s.to_numpy(), skipna=False) == "string":
        return s  # already all str: one C pass, no copy
    if isinstance(s.dtype, pd.StringDtype):  # the CSV reader's columns: str or missing
        values = s.to_numpy(dtype=object, na_value="")
        return pd.Series(values, index=s.index, name=s.name, dtype=object)
    if s.dtype != object:
        return s.astype(object).where(s.notna(), "").astype(str).astype(object)
    return s.where(s.notna(), "").astype(str).astype(object)


def role_frame(df: pd.DataFrame, roles: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """A frame of role columns (strings, '' for unknown): phones as phone, phone_2, ..."""
    out: dict[str, pd.Series] = {}
    n = len(df)
    for role in ROLES:
        cols = list(roles.get(role, ()))
        texts = [_text(df[c]) for c in cols]
        if role in MULTI_VALUE:
            for i, s in enumerate(texts[:4]):
                out[role if i == 0 else f"{role}_{i + 1}"] = s.reset_index(drop=True)
            continue
        if not texts:
            out[role] = pd.Series([""] * n, dtype=object)
        elif len(texts) == 1:
            out[role] = texts[0].reset_index(drop=True)
        else:
            others: Any = texts[1:]
            joined = texts[0].str.cat(others, sep=" ").str.replace(r"\s+", " ", regex=True)
            out[role] = joined.str.strip().reset_index(drop=True)
    for role in MULTI_VALUE:
        if role not in out:
            out[role] = pd.Series([""] * n, dtype=object)
    return pd.DataFrame(out)
