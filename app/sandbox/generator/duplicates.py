"""The error injector: noisy copies of people, the way duplicates look in real systems.

A copy starts as an exact clone of the person's true row; each error type then hits a
share of the copies (``NoiseProfile``). The shares below follow what dealership data
clean-ups report: name typos and formatting dominate, then missing/changed contact
details, moves and married names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.sandbox.generator import typos
from app.sandbox.generator.fmt import Obj, objects
from app.sandbox.generator.names import LAST_NAMES, MIDDLE_INITIALS
from app.sandbox.generator.people import (
    People,
    ascii_slug,
    make_addresses,
    make_emails,
    make_phones,
)

ERROR_TYPES: tuple[str, ...] = (
    "typo",
    "nickname",
    "accent",
    "case",
    "middle",
    "married",
    "phone_transposed",
    "phone_changed",
    "email_missing",
    "email_changed",
    "moved",
    "zip_format",
    "address_format",
)


@dataclass(frozen=True)
class NoiseProfile:
    """Probability that a copy gets each error type (where it applies to the person)."""

    typo: float
    nickname: float
    accent: float
    case: float
    middle: float
    married: float
    phone_transposed: float
    phone_changed: float
    email_missing: float
    email_changed: float
    moved: float
    zip_format: float
    address_format: float
    at_least_one: bool = False


# A second DMS record for someone always differs somehow, otherwise the DMS would have
# found it at the counter.
DMS_DUPLICATE = NoiseProfile(
    typo=0.22, nickname=0.18, accent=0.4, case=0.2, middle=0.3, married=0.3,
    phone_transposed=0.1, phone_changed=0.12, email_missing=0.22, email_changed=0.12,
    moved=0.18, zip_format=0.3, address_format=0.2, at_least_one=True,
)  # fmt: skip
# The CRM copy was typed by a salesperson or came from a web form.
CRM_COPY = NoiseProfile(
    typo=0.05, nickname=0.12, accent=0.35, case=0.1, middle=0.1, married=0.04,
    phone_transposed=0.03, phone_changed=0.06, email_missing=0.08, email_changed=0.07,
    moved=0.07, zip_format=0.0, address_format=0.15,
)  # fmt: skip
CRM_DUPLICATE = NoiseProfile(
    typo=0.3, nickname=0.2, accent=0.3, case=0.3, middle=0.0, married=0.05,
    phone_transposed=0.1, phone_changed=0.2, email_missing=0.2, email_changed=0.3,
    moved=0.05, zip_format=0.0, address_format=0.2, at_least_one=True,
)  # fmt: skip
# Marketing lists are keyed on email; names come from sign-up forms.
MARKETING_COPY = NoiseProfile(
    typo=0.03, nickname=0.1, accent=0.5, case=0.15, middle=0.0, married=0.03,
    phone_transposed=0.02, phone_changed=0.05, email_missing=0.0, email_changed=0.06,
    moved=0.05, zip_format=0.0, address_format=0.0,
)  # fmt: skip


def new_emails(
    rng: np.random.Generator, first_slug: Obj, last_slug: Obj, birth: np.ndarray, person_id: Obj
) -> Obj:
    """Addresses a person switched to: built the usual ways, plus a number of their own
    ("jsmith_4821@..."). A new address is a new mailbox, never another person's: the
    number is a bijection of the person id, and no generated original has "_<digits>"."""
    if not len(person_id):
        return objects([])
    base = make_emails(rng, first_slug, last_slug, birth)
    parts = pd.Series(base, dtype=object).str.split("@", n=1, expand=True)
    pid = pd.Series(person_id, dtype=object).str[1:].astype(np.int64).to_numpy()
    width = max(7, len(str(int(pid.max()))))
    tag = (pid * 7_654_321 + 1_234_567) % 10**width  # odd, not a multiple of 5: a bijection
    out: Obj = (parts[0] + "_" + pd.Series(tag).astype(str) + "@" + parts[1]).to_numpy(dtype=object)
    return out


def apply_noise(
    rng: np.random.Generator, copy: People, profile: NoiseProfile
) -> dict[str, np.ndarray]:
    """Inject errors into ``copy`` in place; returns error type -> mask of changed rows."""
    n = len(copy)
    draw = {name: rng.random(n) < getattr(profile, name) for name in ERROR_TYPES}
    applied = {name: np.zeros(n, dtype=bool) for name in ERROR_TYPES}
    if profile.at_least_one:
        # Rows the draw left clean get a typo (half) or a case change (half).
        clean = ~np.logical_or.reduce(list(draw.values()))
        coin = rng.random(n) < 0.5
        draw["typo"] |= clean & coin
        draw["case"] |= clean & ~coin
    has_name = copy.first != ""

    rows = np.flatnonzero(draw["nickname"] & has_name)
    copy.first[rows], changed = typos.nicknames(copy.first[rows], rng)
    applied["nickname"][rows[changed]] = True

    rows = np.flatnonzero(draw["married"] & copy.female & ~copy.business)
    new_last = LAST_NAMES[rng.integers(0, len(LAST_NAMES), len(rows))]
    hyphen = rng.random(len(rows)) < 0.3
    old_last = copy.last[rows].copy()
    copy.last[rows] = np.where(hyphen, old_last + "-" + new_last, new_last)
    applied["married"][rows[copy.last[rows] != old_last]] = True

    rows = np.flatnonzero(draw["typo"])
    on_company = copy.business[rows] & ((copy.first[rows] == "") | (rng.random(len(rows)) < 0.5))
    on_last = ~on_company & (rng.random(len(rows)) < 0.55)
    for field, sel in (
        ("company", on_company),
        ("last", on_last),
        ("first", ~on_company & ~on_last),
    ):
        r = rows[sel]
        arr = getattr(copy, field)
        before = arr[r].copy()
        arr[r] = typos.typos(arr[r], rng)
        applied["typo"][r[arr[r] != before]] = True

    rows = np.flatnonzero(draw["accent"])
    for field in ("first", "last"):
        arr = getattr(copy, field)
        arr[rows], changed = typos.fold_accents(arr[rows])
        applied["accent"][rows[changed]] = True

    rows = np.flatnonzero(draw["middle"] & has_name & ~copy.business)
    had = copy.middle[rows] != ""
    letters = objects(list(MIDDLE_INITIALS))
    copy.middle[rows] = np.where(had, "", letters[rng.integers(0, len(letters), len(rows))])
    applied["middle"][rows] = True

    rows = np.flatnonzero(draw["phone_transposed"])
    for field in ("mobile", "home", "work"):
        arr = getattr(copy, field)
        r = rows[(arr[rows] > 0) & ~applied["phone_transposed"][rows]]
        arr[r] = typos.transpose_digits(arr[r], rng)
        applied["phone_transposed"][r[arr[r] != 0]] = True

    rows = np.flatnonzero(draw["phone_changed"] & (copy.mobile > 0))
    copy.mobile[rows] = make_phones(rng, copy.mobile[rows] // 10_000_000)
    applied["phone_changed"][rows] = True

    rows = np.flatnonzero(draw["email_missing"] & (copy.email != ""))
    copy.email[rows] = ""
    applied["email_missing"][rows] = True

    rows = np.flatnonzero(draw["email_changed"] & has_name & ~applied["email_missing"])
    if len(rows):
        first_slug = objects([ascii_slug(f) or "me" for f in copy.first[rows]])
        last_slug = objects([ascii_slug(x) or "mail" for x in copy.last[rows]])
        fresh = new_emails(rng, first_slug, last_slug, copy.birth[rows], copy.person_id[rows])
        changed = fresh != copy.email[rows]
        copy.email[rows] = fresh
        applied["email_changed"][rows[changed]] = True

    rows = np.flatnonzero(draw["moved"])
    if len(rows):
        addr = make_addresses(rng, len(rows), copy.business[rows])
        for key in ("addr1", "addr2", "city", "state", "zip5", "plus4"):
            getattr(copy, key)[rows] = addr[key]
        had_home = copy.home[rows] > 0
        copy.home[rows[had_home]] = make_phones(rng, addr["area"][had_home])
        applied["moved"][rows] = True

    rows = np.flatnonzero(draw["zip_format"])
    had4 = copy.plus4[rows] >= 0
    copy.plus4[rows] = np.where(had4, -1, rng.integers(1, 9999, len(rows)))
    applied["zip_format"][rows] = True

    rows = np.flatnonzero(draw["address_format"])
    rs = rng.random(len(rows)).tolist()
    pairs = [
        typos.address_variant(a, b, r)
        for a, b, r in zip(copy.addr1[rows], copy.addr2[rows], rs, strict=True)
    ]
    if pairs:
        copy.addr1[rows] = [p[0] for p in pairs]
        copy.addr2[rows] = [p[1] for p in pairs]
    applied["address_format"][rows] = True

    # Case last, so it also hits names changed above.
    rows = np.flatnonzero(draw["case"] & has_name)
    style = rng.integers(0, 4, len(rows))
    copy.first[rows] = typos.case_noise(copy.first[rows], style)
    copy.last[rows] = typos.case_noise(copy.last[rows], style)
    applied["case"][rows] = True
    return applied
