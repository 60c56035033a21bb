"""The real people (and businesses) behind every record: one row per person, no noise.

System records (DMS customers, CRM contacts, marketing subscribers) are rendered from
these rows, with the error injector in ``duplicates`` adding the noise real data has.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from app.sandbox.generator import businesses as biz
from app.sandbox.generator import places
from app.sandbox.generator.fmt import Obj, code, int_str, objects, where, zpad
from app.sandbox.generator.names import (
    FIRST_NAMES,
    GROUPS,
    LAST_NAMES,
    MIDDLE_INITIALS,
    first_index,
    last_index,
)
from app.sandbox.generator.rng import weighted

DAY = 86_400
EMAIL_DOMAINS: Obj = objects(
    ["gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "aol.com", "icloud.com",
     "comcast.net", "att.net", "sbcglobal.net", "msn.com", "live.com", "wowway.net",
     "ameritech.net", "protonmail.com", "me.com"]
)  # fmt: skip
DOMAIN_WEIGHTS = np.array([38, 16, 8, 7, 5, 6, 6, 3, 3, 2, 2, 1, 1, 1, 1], dtype=np.float64)


def ascii_slug(name: str) -> str:
    """Lower-case ASCII letters/digits of a name: "O'Brien" -> "obrien", "José" -> "jose"."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


FIRST_SLUGS: Obj = objects([ascii_slug(n) for n in FIRST_NAMES])
LAST_SLUGS: Obj = objects([ascii_slug(n) for n in LAST_NAMES])


@dataclass
class People:
    """Column arrays, one row per person; phones are 10-digit ints (0 = none)."""

    person_id: Obj
    business: np.ndarray
    female: np.ndarray
    first: Obj
    middle: Obj
    last: Obj
    company: Obj
    addr1: Obj
    addr2: Obj
    city: Obj
    state: Obj
    zip5: np.ndarray
    plus4: np.ndarray
    home: np.ndarray
    work: np.ndarray
    mobile: np.ndarray
    email: Obj
    birth: np.ndarray  # days since epoch, -1 unknown
    opt_email: np.ndarray
    opt_sms: np.ndarray
    opt_phone: np.ndarray
    household: np.ndarray  # row of the household head this person lives with, -1 none

    def __len__(self) -> int:
        return len(self.person_id)

    def take(self, rows: np.ndarray) -> People:
        """A copy restricted to ``rows`` (copies, so noise never leaks into the truth)."""
        return People(**{f.name: getattr(self, f.name)[rows].copy() for f in fields(self)})


def make_addresses(
    rng: np.random.Generator, n: int, business: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Street address, unit, city/state/ZIP(+4) and the city's area code for ``n`` homes."""
    city = weighted(rng, places.CITY_WEIGHTS, n)
    zips = places.ZIP_TABLE[
        places.ZIP_OFFSETS[city] + (rng.random(n) * places.ZIP_COUNTS[city]).astype(np.int64)
    ]
    area = places.AREA_TABLE[
        places.AREA_OFFSETS[city] + (rng.random(n) * places.AREA_COUNTS[city]).astype(np.int64)
    ]
    house = np.where(rng.random(n) < 0.7, rng.integers(100, 9999, n), rng.integers(10, 39999, n))
    street = places.STREETS[rng.integers(0, len(places.STREETS), n)]
    suffix = places.SUFFIXES[weighted(rng, places.SUFFIX_WEIGHTS, n)]
    line1 = int_str(house) + " " + street + " " + suffix
    directional = rng.random(n) < 0.08
    line1[directional] = (
        int_str(house[directional])
        + " "
        + places.DIRECTIONS[rng.integers(0, 4, int(directional.sum()))]
        + " "
        + street[directional]
        + " "
        + suffix[directional]
    )
    is_biz = np.zeros(n, dtype=bool) if business is None else business
    unit_p = np.where(is_biz, 0.30, 0.12)
    has_unit = rng.random(n) < unit_p
    u = np.flatnonzero(has_unit)
    unit_no = where(
        rng.random(len(u)) < 0.7,
        int_str(rng.integers(1, 400, len(u))),
        int_str(rng.integers(1, 30, len(u))) + objects(list("ABCD"))[rng.integers(0, 4, len(u))],
    )
    prefix = places.UNIT_PREFIXES[rng.integers(0, len(places.UNIT_PREFIXES), len(u))]
    prefix[is_biz[u]] = "Ste "
    line2 = np.full(n, "", dtype=object)
    line2[u] = prefix + unit_no
    plus4 = np.where(rng.random(n) < 0.30, rng.integers(1, 9999, n), -1)
    return {
        "addr1": line1,
        "addr2": line2,
        "city": places.CITY_NAMES[city],
        "state": places.CITY_STATES[city],
        "zip5": zips,
        "plus4": plus4,
        "area": area,
    }


def make_phones(rng: np.random.Generator, area: np.ndarray) -> np.ndarray:
    """NANP-valid 10-digit numbers: exchange 200-999, never N11 or 555."""
    n = len(area)
    exch = rng.integers(200, 1000, n)
    bad = (exch % 100 == 11) | (exch == 555)
    exch[bad] = exch[bad] + 1 + (exch[bad] % 100 == 10)
    line = rng.integers(0, 10_000, n)
    return np.asarray(area, dtype=np.int64) * 10_000_000 + exch * 10_000 + line


def _names(rng: np.random.Generator, female: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vocabulary indices (first, last) drawn within one naming tradition per person."""
    n = len(female)
    group = weighted(rng, np.array([g.share for g in GROUPS]), n)
    first = np.zeros(n, dtype=np.int64)
    last = np.zeros(n, dtype=np.int64)
    for gi, g in enumerate(GROUPS):
        for sex, spec in ((False, g.male), (True, g.female)):
            m = (group == gi) & (female == sex)
            first[m] = first_index(spec[0])[weighted(rng, np.array(spec[1]), int(m.sum()))]
        m = group == gi
        last[m] = last_index(g.last[0])[weighted(rng, np.array(g.last[1]), int(m.sum()))]
    return first, last


def make_emails(
    rng: np.random.Generator, first_slug: Obj, last_slug: Obj, birth: np.ndarray
) -> Obj:
    """Personal emails built the ways people really pick them, on common domains."""
    n = len(first_slug)
    pattern = weighted(rng, np.array([30, 12, 15, 10, 10, 5, 5, 8, 5], dtype=np.float64), n)
    local = np.empty(n, dtype=object)
    for k in range(9):
        rows = np.flatnonzero(pattern == k)
        f, la = first_slug[rows], last_slug[rows]
        if k in (2, 6, 8):
            ini = f.astype("U1").astype(object)
        if k in (3, 8):
            yy = zpad((birth[rows] // 365.25 + 1970).astype(np.int64) % 100, 2)
        if k == 0:
            local[rows] = f + "." + la
        elif k == 1:
            local[rows] = f + la
        elif k == 2:
            local[rows] = ini + la
        elif k == 3:
            local[rows] = f + "." + la + yy
        elif k == 4:
            local[rows] = f + la + int_str(rng.integers(1, 100, len(rows)))
        elif k == 5:
            local[rows] = f + "_" + la
        elif k == 6:
            local[rows] = la + ini
        elif k == 7:
            local[rows] = f + int_str(rng.integers(10, 1000, len(rows)))
        else:
            local[rows] = ini + la + yy
    domain = EMAIL_DOMAINS[weighted(rng, DOMAIN_WEIGHTS, n)]
    out: Obj = local + "@" + domain
    return out


def dedupe_emails(emails: Obj) -> Obj:
    """Make non-empty emails unique by adding digits to later repeats (two people never
    share a generated address; shared family inboxes are not modelled)."""
    out = emails.copy()
    dup = pd.Series(out, dtype=object).duplicated(keep="first").to_numpy() & (out != "")
    taken = set(out.tolist())
    for i in np.flatnonzero(dup).tolist():
        local, domain = out[i].split("@", 1)
        k = i
        while (candidate := f"{local}{k * 7 % 900 + 100}@{domain}") in taken:
            k += 1
        taken.add(candidate)
        out[i] = candidate
    return out


def build_people(
    rng: np.random.Generator, n: int, now_sec: int, business_share: float = 0.08
) -> People:
    """``n`` distinct people/businesses, ~8% households sharing home phone and address."""
    business = rng.random(n) < business_share
    female = rng.random(n) < 0.49
    fi, li = _names(rng, female)
    first, last = FIRST_NAMES[fi], LAST_NAMES[li]
    first_slug, last_slug = FIRST_SLUGS[fi], LAST_SLUGS[li]
    # Hyphenated married names ("Smith-Jones") on a few women.
    hyph = female & (rng.random(n) < 0.02)
    other = rng.integers(0, len(LAST_NAMES), n)
    last[hyph] = last[hyph] + "-" + LAST_NAMES[other[hyph]]
    last_slug[hyph] = last_slug[hyph] + LAST_SLUGS[other[hyph]]
    middle_kind = rng.random(n)
    letters = objects(list(MIDDLE_INITIALS))
    initial = letters[rng.integers(0, len(letters), n)]
    middle = where(middle_kind < 0.40, initial, "")
    full = middle_kind > 0.88
    # A full middle name is another given name of the same sex.
    for sex in (False, True):
        pool = np.flatnonzero(female == sex)
        rows = np.flatnonzero(full & (female == sex))
        middle[rows] = FIRST_NAMES[fi[pool[rng.integers(0, len(pool), len(rows))]]]

    now_day = now_sec // DAY
    age_days = ((18 + rng.beta(2.0, 3.0, n) * 70) * 365.25).astype(np.int64)
    birth = now_day - age_days
    addr = make_addresses(rng, n, business)
    home = np.where(rng.random(n) < 0.45, make_phones(rng, addr["area"]), 0)
    mobile_area = np.where(rng.random(n) < 0.8, addr["area"], rng.choice(places.ALL_AREA_CODES, n))
    mobile = np.where(rng.random(n) < 0.55, make_phones(rng, mobile_area), 0)
    work = np.where(
        rng.random(n) < np.where(business, 0.95, 0.12), make_phones(rng, addr["area"]), 0
    )
    none = (home == 0) & (mobile == 0) & (work == 0)
    mobile[none] = make_phones(rng, addr["area"][none])
    email = make_emails(rng, first_slug, last_slug, birth)

    # Households: a spouse or adult child at the same address and home phone.
    household = np.full(n, -1, dtype=np.int64)
    indiv = np.flatnonzero(~business)
    members = indiv[rng.random(len(indiv)) < 0.08]
    is_member = np.zeros(n, dtype=bool)
    is_member[members] = True
    heads_pool = indiv[~is_member[indiv]]
    if len(members) and len(heads_pool):
        heads = heads_pool[rng.integers(0, len(heads_pool), len(members))]
        household[members] = heads
        need_home = home[heads] == 0
        home[heads[need_home]] = make_phones(rng, addr["area"][heads[need_home]])
        home[members] = home[heads]
        for key in ("addr1", "addr2", "city", "state", "zip5", "plus4"):
            addr[key][members] = addr[key][heads]
        same_last = rng.random(len(members)) < 0.85
        last[members[same_last]] = last[heads[same_last]]
        child = rng.random(len(members)) < 0.35
        child &= age_days[heads] - 22 * 365 > 17 * 365
        spouse_birth = birth[heads] + rng.normal(0, 4 * 365, len(members)).astype(np.int64)
        child_birth = birth[heads] + rng.integers(22 * 365, 36 * 365, len(members))
        birth[members] = np.minimum(np.where(child, child_birth, spouse_birth), now_day - 17 * 365)
        female[members] = np.where(child, female[members], ~female[heads])
        # A household member never shares the head's given name or exact birth date.
        same = first[members] == first[heads]
        fi_new = (fi[members] + np.where(same, 1, 0)) % len(FIRST_NAMES)
        first[members] = FIRST_NAMES[fi_new]
        clash = first[members] == first[heads]
        first[members[clash]] = FIRST_NAMES[(fi_new[clash] + 7) % len(FIRST_NAMES)]
        birth[members] = np.where(
            birth[members] == birth[heads], birth[members] - 41, birth[members]
        )
        email[members] = make_emails(
            rng, FIRST_SLUGS[fi_new], LAST_SLUGS[li[members]], birth[members]
        )

    company = np.full(n, "", dtype=object)
    nb = int(business.sum())
    if nb:
        b = np.flatnonzero(business)
        trade = rng.integers(0, len(biz.TRADES), nb)
        place = rng.integers(0, len(biz.PLACE_WORDS), nb)
        legal = biz.LEGAL[weighted(rng, biz.LEGAL_WEIGHTS, nb)]
        style = rng.random(nb)
        company[b] = where(
            style < 0.5,
            last[b] + " " + biz.TRADES[trade] + legal,
            where(
                style < 0.8,
                biz.PLACE_WORDS[place] + " " + biz.TRADES[trade] + legal,
                last[b] + " & Sons " + biz.TRADES[trade],
            ),
        )
        slug = where(style < 0.5, last_slug[b], biz.PLACE_SLUGS[place]) + biz.TRADE_SLUGS[trade]
        box = objects(["info", "office", "fleet", "accounts"])[rng.integers(0, 4, nb)]
        email[b] = where(rng.random(nb) < 0.5, first_slug[b], box) + "@" + slug + ".com"
        # Four in ten business accounts have no named contact person.
        anon = b[rng.random(nb) < 0.4]
        first[anon], last[anon], middle[anon] = "", "", ""
        middle[b] = ""
        birth[b] = -1
    email = where(rng.random(n) < 0.80, email, "")
    email = dedupe_emails(email)

    return People(
        person_id=code("P", np.arange(1, n + 1), 7),
        business=business,
        female=female & ~business,
        first=first,
        middle=middle,
        last=last,
        company=company,
        addr1=addr["addr1"],
        addr2=addr["addr2"],
        city=addr["city"],
        state=addr["state"],
        zip5=addr["zip5"],
        plus4=addr["plus4"],
        home=home,
        work=work,
        mobile=mobile,
        email=email,
        birth=birth,
        opt_email=rng.random(n) >= 0.15,
        opt_sms=rng.random(n) >= 0.20,
        opt_phone=rng.random(n) >= 0.15,
        household=household,
    )


def concat_people(parts: list[People]) -> People:
    """Rows of several ``People`` tables, in order."""
    return People(
        **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(People)}
    )


def upper_all(values: Obj) -> Obj:
    """Upper-case every string (old DMS screens store everything in capitals)."""
    out = np.empty(len(values), dtype=object)
    out[:] = [v.upper() for v in values]
    return out
