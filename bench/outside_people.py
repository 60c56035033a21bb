"""A second, labelled customer-file generator for the matching bench: "data we did not make".

It shares no code and no word lists with ``app/sandbox/generator`` (nor with the matcher's
nickname table): names, streets and towns come from Faker's locale providers (US, Mexican,
British, German, Italian, French, Polish, Brazilian and Vietnamese name pools), the nickname
list below is its own, and so is the error model:

- households: couples (most share the surname, some keep their own), families with adult
  children, a father and son with the same first name (Jr.; half the son's records and
  a fifth of the father's carry the written "Jr." / "Sr.", as DMS records do), twins
  (same birth date, same address, different first names, often with the same initial);
- half the people have no e-mail and half no phone; 10 % of birth dates are unknown;
- per record: OCR-like typos (rn/m, cl/d, l/1, O/0, e/c, h/b...), keyboard slips, swapped
  first and last name, nicknames, initials, a middle initial stuck to the first name,
  maiden names, moved house (an older address in the same or another town), an old phone
  or e-mail, day/month swapped or mistyped birth dates, ZIP+4, street suffixes spelt out
  or abbreviated, units written four ways, upper-case DMS records, missing fields.

    python bench/outside_people.py --rows 1000 --seed 7 --out people.csv

``generate(rows, seed)`` returns the file (``CustomerID`` first) and each row's person id.
"""

from __future__ import annotations

import argparse
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

LOCALES = {  # share of people by the pool their names come from
    "en_US": 0.55,
    "es_MX": 0.17,
    "en_GB": 0.05,
    "de_DE": 0.04,
    "it_IT": 0.05,
    "fr_FR": 0.03,
    "pl_PL": 0.03,
    "pt_BR": 0.03,
    "vi_VN": 0.05,
}
AREA_CODES = [
    "201",
    "205",
    "206",
    "210",
    "212",
    "213",
    "214",
    "215",
    "216",
    "224",
    "248",
    "267",
    "281",
    "303",
    "305",
    "312",
    "313",
    "314",
    "317",
    "323",
    "404",
    "407",
    "410",
    "415",
    "469",
    "480",
    "502",
    "503",
    "512",
    "586",
    "602",
    "614",
    "615",
    "617",
    "619",
    "646",
    "702",
    "704",
    "713",
    "718",
    "720",
    "734",
    "773",
    "786",
    "801",
    "810",
    "813",
    "818",
    "832",
    "847",
    "904",
    "916",
    "917",
    "919",
    "937",
    "945",
    "972",
]
DOMAINS = [
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "yahoo.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "aol.com",
    "icloud.com",
    "comcast.net",
    "att.net",
    "msn.com",
    "live.com",
    "verizon.net",
    "sbcglobal.net",
]
NICKNAMES = {  # formal name -> what a salesperson might type instead
    "william": ("bill", "will", "billy", "liam"), "robert": ("bob", "rob", "bobby", "robbie"),
    "richard": ("rick", "rich", "dick", "ricky"), "james": ("jim", "jimmy", "jamie"),
    "john": ("jack", "johnny"), "joseph": ("joe", "joey"), "michael": ("mike", "mikey"),
    "thomas": ("tom", "tommy"), "charles": ("chuck", "charlie"), "christopher": ("chris",),
    "daniel": ("dan", "danny"), "matthew": ("matt",), "anthony": ("tony",),
    "edward": ("ed", "eddie", "ted"), "elizabeth": ("liz", "beth", "betty", "libby"),
    "margaret": ("maggie", "peggy", "meg"), "katherine": ("kate", "kathy", "katie"),
    "catherine": ("cathy", "cat"), "jennifer": ("jen", "jenny"), "patricia": ("pat", "patty"),
    "susan": ("sue", "suzy"), "deborah": ("deb", "debbie"), "rebecca": ("becky", "becca"),
    "alexander": ("alex", "xander"), "alejandro": ("alex", "ale"), "francisco": ("paco", "pancho"),
    "jose": ("pepe", "chepe"), "guadalupe": ("lupe",), "jesus": ("chuy",), "eduardo": ("lalo",),
    "enrique": ("kike",), "ignacio": ("nacho",), "dolores": ("lola",), "rosario": ("chayo",),
    "giuseppe": ("beppe", "peppe"), "johannes": ("hans",), "nicholas": ("nick", "nicky"),
    "benjamin": ("ben", "benny"), "samuel": ("sam", "sammy"), "jonathan": ("jon",),
    "timothy": ("tim", "timmy"), "stephen": ("steve",), "steven": ("steve",),
    "kenneth": ("ken", "kenny"), "ronald": ("ron", "ronnie"), "donald": ("don", "donnie"),
    "gregory": ("greg",), "jeffrey": ("jeff",), "andrew": ("andy", "drew"),
    "joshua": ("josh",), "zachary": ("zach", "zack"), "victoria": ("vicky", "tori"),
    "jessica": ("jess", "jessie"), "samantha": ("sam", "sammie"), "abigail": ("abby",),
    "kimberly": ("kim",), "christina": ("tina", "chris"), "alexandra": ("alex", "sandra"),
    "cynthia": ("cindy",), "pamela": ("pam",), "stephanie": ("steph",), "theresa": ("terry",),
    "frederick": ("fred", "freddy"), "lawrence": ("larry",), "raymond": ("ray",),
    "gerald": ("jerry",), "walter": ("walt",), "harold": ("harry", "hal"), "henry": ("hank",),
}  # fmt: skip
OCR = (
    ("rn", "m"), ("m", "rn"), ("cl", "d"), ("d", "cl"), ("l", "1"), ("i", "l"), ("o", "0"),
    ("e", "c"), ("c", "e"), ("h", "b"), ("b", "h"), ("u", "v"), ("w", "vv"), ("s", "5"),
    ("g", "q"), ("a", "o"), ("n", "ri"), ("f", "t"), ("t", "f"), ("y", "v"),
)  # fmt: skip
KEYS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
SUFFIX_FORMS = {
    "Street": ("Street", "St", "St."), "Avenue": ("Avenue", "Ave", "Av"), "Road": ("Road", "Rd"),
    "Drive": ("Drive", "Dr"), "Lane": ("Lane", "Ln"), "Court": ("Court", "Ct"),
    "Boulevard": ("Boulevard", "Blvd"), "Place": ("Place", "Pl"), "Circle": ("Circle", "Cir"),
    "Parkway": ("Parkway", "Pkwy"), "Terrace": ("Terrace", "Ter"), "Highway": ("Highway", "Hwy"),
}  # fmt: skip


def fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


@dataclass
class Pools:
    male: dict[str, list[str]]
    female: dict[str, list[str]]
    last: dict[str, list[str]]
    towns: list[tuple[str, str, list[str], str]]  # city, state, ZIPs, area code
    streets: list[str]


def pools(seed: int) -> Pools:
    """Weighted name pools per locale (empirical draws from Faker), towns and streets."""
    from faker import Faker

    male, female, last = {}, {}, {}
    for i, loc in enumerate(LOCALES):
        fk = Faker(loc)
        fk.seed_instance(seed * 100 + i)
        male[loc] = [fk.first_name_male() for _ in range(3000)]
        female[loc] = [fk.first_name_female() for _ in range(3000)]
        last[loc] = [fk.last_name() for _ in range(6000)]
    us = Faker("en_US")
    us.seed_instance(seed)
    rng = np.random.default_rng(seed)
    towns = []
    for _ in range(2500):
        zips = [f"{int(z):05d}" for z in rng.integers(1001, 99950, rng.integers(1, 5))]
        towns.append((us.city(), us.state_abbr(), zips, str(rng.choice(AREA_CODES))))
    streets = sorted({us.street_name() for _ in range(40_000)})
    return Pools(male, female, last, towns, streets)


class People:
    """The true people (one row each) in households."""

    def __init__(self, n_people: int, seed: int, p: Pools) -> None:
        rng = self.rng = np.random.default_rng(seed + 1)
        self.p = p
        self.family_mails: set[str] = set()
        cols: dict[str, list] = {k: [] for k in PERSON_COLS}
        hh = 0
        while len(cols["first"]) < n_people:
            self._household(hh, cols)
            hh += 1
        self.df = pd.DataFrame({k: v[:n_people] for k, v in cols.items()})
        n = len(self.df)
        self.df["has_email"] = rng.random(n) < 0.5
        self.df["has_phone"] = rng.random(n) < 0.5
        self.df.loc[rng.random(n) < 0.10, "dob"] = ""

    def _name(self, loc: str, female: bool) -> str:
        pool = (self.p.female if female else self.p.male)[loc]
        return pool[int(self.rng.integers(len(pool)))]

    def _surname(self, loc: str) -> str:
        pool = self.p.last[loc]
        return pool[int(self.rng.integers(len(pool)))]

    def _address(self) -> tuple[str, str, str, str, str]:
        rng, p = self.rng, self.p
        city, state, zips, area = p.towns[int(rng.integers(len(p.towns)))]
        house = int(
            rng.choice(
                [rng.integers(1, 200), rng.integers(100, 10_000), rng.integers(1000, 99_999)]
            )
        )
        street = f"{house} {p.streets[int(rng.integers(len(p.streets)))]}"
        if rng.random() < 0.15:
            street += f" Apt {int(rng.integers(1, 400))}"
        return street, city, state, zips[int(rng.integers(len(zips)))], area

    def _phone(self, area: str) -> str:
        return f"{area}{int(self.rng.integers(2, 10))}{int(self.rng.integers(0, 1_000_000)):06d}"

    def _household(self, hh: int, cols: dict[str, list]) -> None:
        rng = self.rng
        loc = str(rng.choice(list(LOCALES), p=np.array(list(LOCALES.values()))))
        street, city, state, zip5, area = self._address()
        landline = self._phone(area) if rng.random() < 0.35 else ""
        family_mail = rng.random() < 0.08
        kind = rng.choice(["single", "couple", "family"], p=[0.5, 0.3, 0.2])
        family = self._surname(loc)
        base = int(rng.integers(-12_800, 7_000))  # days since 1970 of the eldest (1935-1989)
        members: list[tuple[str, str, bool, int, str]] = []  # first, last, female, dob, maiden
        gens = ["", "", "", "", "", ""]  # per member: "jr", "sr" or ""
        female = bool(rng.random() < 0.5)
        members.append((self._name(loc, female), family, female, base, ""))
        if kind != "single":
            partner_last = family if rng.random() < 0.75 else self._surname(loc)
            maiden = self._surname(loc) if partner_last == family and rng.random() < 0.6 else ""
            dob = base + int(rng.integers(-3650, 3650))
            members.append((self._name(loc, not female), partner_last, not female, dob, maiden))
        if kind == "family":
            kid_dob = base + int(rng.integers(18 * 365, 35 * 365))
            for k in range(int(rng.integers(1, 4))):
                fem = bool(rng.random() < 0.5)
                first = self._name(loc, fem)
                if k == 0 and not female and not fem and rng.random() < 0.15:
                    first = members[0][0]  # Jr.
                    gens[0], gens[len(members)] = "sr", "jr"
                members.append((first, family, fem, kid_dob + 700 * k, ""))
                if k == 0 and rng.random() < 0.12:  # twins: same day, often the same initial
                    twin_fem = bool(rng.random() < 0.5)
                    twin = self._name(loc, twin_fem)
                    for _ in range(20):
                        if twin[0] == first[0] and twin != first:
                            break
                        twin = self._name(loc, twin_fem)
                    members.append((twin, family, twin_fem, kid_dob, ""))
        mail = ""
        if family_mail:  # one inbox for the family, nobody else's
            mail = f"the{fold(family)}s".replace(" ", "").replace("'", "")
            while mail in self.family_mails:
                mail += str(int(rng.integers(10)))
            self.family_mails.add(mail)
        today = 20_400  # 2025-11
        for (first, last, fem, dob, maiden), gen in zip(members, gens, strict=False):
            if dob > today - 16 * 365:
                continue
            cols["generation"].append(gen)
            cols["first"].append(first)
            cols["last"].append(last)
            cols["maiden"].append(maiden)
            cols["female"].append(fem)
            cols["dob"].append(str(np.datetime64(dob, "D")))
            cols["street"].append(street)
            cols["city"].append(city)
            cols["state"].append(state)
            cols["zip"].append(zip5)
            cols["area"].append(area)
            cols["landline"].append(landline)
            cols["mobile"].append(self._phone(area) if rng.random() < 0.8 else "")
            cols["family_mail"].append(mail)
            cols["household"].append(hh)


PERSON_COLS = [
    "first",
    "last",
    "maiden",
    "female",
    "dob",
    "street",
    "city",
    "state",
    "zip",
    "area",
    "landline",
    "mobile",
    "family_mail",
    "household",
    "generation",
]


# --- errors ---------------------------------------------------------------------------------


def ocr(text: str, rng: np.random.Generator) -> str:
    low = text.lower()
    options = [(a, b) for a, b in OCR if a in low]
    if not options:
        return keyboard(text, rng)
    a, b = options[int(rng.integers(len(options)))]
    at = [i for i in range(len(low)) if low.startswith(a, i)]
    i = at[int(rng.integers(len(at)))]
    rep = b.upper() if text[i : i + len(a)].isupper() else b
    return text[:i] + rep + text[i + len(a) :]


def keyboard(text: str, rng: np.random.Generator) -> str:
    if len(text) < 3:
        return text
    i = int(rng.integers(1, len(text) - 1))
    kind = int(rng.integers(4))
    if kind == 0:
        return text[:i] + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    if kind == 2:
        return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]
    ch = text[i].lower()
    row = next((r for r in KEYS if ch in r), None)
    if row is None:
        return text
    j = row.index(ch) + (1 if rng.random() < 0.5 else -1)
    return text[:i] + row[max(0, min(j, len(row) - 1))] + text[i + 1 :]


def typo(text: str, rng: np.random.Generator) -> str:
    return ocr(text, rng) if rng.random() < 0.6 else keyboard(text, rng)


def email_of(first: str, last: str, rng: np.random.Generator, taken: set[str]) -> str:
    """A new mailbox: an address someone else has is not handed out twice."""
    f, la = fold(first).replace(" ", ""), fold(last).replace(" ", "").replace("'", "")
    n = int(rng.integers(1, 999))
    local = [f"{f}.{la}", f"{f[:1]}{la}", f"{f}{la}{n}", f"{f}_{la}", f"{la}{f[:1]}{n % 100}"]
    mail = f"{local[int(rng.integers(len(local)))]}@{DOMAINS[int(rng.integers(len(DOMAINS)))]}"
    while mail in taken:
        user, domain = mail.split("@")
        mail = f"{user}{int(rng.integers(10))}@{domain}"
    taken.add(mail)
    return mail


def phone_text(digits: str, rng: np.random.Generator) -> str:
    a, b, c = digits[:3], digits[3:6], digits[6:]
    forms = (
        f"({a}) {b}-{c}",
        f"{a}-{b}-{c}",
        f"{a}.{b}.{c}",
        digits,
        f"+1 {a} {b} {c}",
        f"1{digits}",
    )
    return forms[int(rng.choice(6, p=[0.35, 0.25, 0.1, 0.15, 0.1, 0.05]))]


def street_text(street: str, rng: np.random.Generator) -> str:
    words = street.split()
    out = []
    for i, w in enumerate(words):
        if w in SUFFIX_FORMS and i > 0:
            forms = SUFFIX_FORMS[w]
            w = forms[int(rng.integers(len(forms)))]
        elif w == "Apt":
            w = ("Apt", "#", "Unit", "Apartment")[int(rng.integers(4))]
        out.append(w)
    text = " ".join(out).replace("# ", "#")
    if "Apt" in street and rng.random() < 0.2:  # the unit left out
        text = text.split(" Apt")[0].split(" #")[0].split(" Unit")[0].split(" Apartment")[0]
    return text


def dob_text(iso: str, rng: np.random.Generator) -> str:
    if not iso:
        return ""
    y, m, d = iso.split("-")
    r = rng.random()
    if r < 0.02 and int(d) <= 12:
        m, d = d, m  # day and month swapped
    elif r < 0.05:
        parts = [y, m, d]
        k = int(rng.integers(3))
        s = parts[k]
        j = int(rng.integers(len(s)))
        parts[k] = s[:j] + str(int(rng.integers(10))) + s[j + 1 :]
        y, m, d = parts
    elif r < 0.06:
        y = str(int(y) + (1 if rng.random() < 0.5 else -1))
    if rng.random() < 0.65:
        return f"{m}/{d}/{y}"
    return f"{y}-{m}-{d}"


def case(text: str, style: int) -> str:
    return text.upper() if style == 1 else text.lower() if style == 2 else text


def records(people: People, rows: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed + 2)
    df, _p = people.df, people.p
    n = len(df)
    extra = rng.choice(5, size=n, p=[0.5, 0.3, 0.12, 0.06, 0.02])
    person = np.repeat(np.arange(n), 1 + extra)[:rows]
    first_of = np.r_[True, person[1:] != person[:-1]]
    moved = rng.random(n) < 0.25
    old_addr = [people._address() if m else None for m in moved.tolist()]
    taken: set[str] = set()
    mails = [email_of(f, la, rng, taken) for f, la in zip(df["first"], df["last"], strict=True)]
    second = [  # a newer address for 10 %, an older phone number for 10 %
        email_of(f, la, rng, taken) if rng.random() < 0.10 else ""
        for f, la in zip(df["first"], df["last"], strict=True)
    ]
    old_phones = [people._phone(a) if rng.random() < 0.10 else "" for a in df["area"]]
    out: dict[str, list[str]] = {k: [] for k in OUT_COLS}
    cols = {k: df[k].tolist() for k in df.columns}
    for _r, (i, first_rec) in enumerate(zip(person.tolist(), first_of.tolist(), strict=True)):
        rate = 0.5 if first_rec else 1.0  # the first record of a person is a bit cleaner
        u = rng.random(24)
        style = int(rng.choice(3, p=[0.65, 0.3, 0.05]))
        first, last = cols["first"][i], cols["last"][i]
        if cols["maiden"][i] and not first_rec and u[0] < 0.25:
            last = cols["maiden"][i]
        key = fold(first)
        if key in NICKNAMES and u[1] < 0.25 * rate:
            nick = NICKNAMES[key][int(rng.integers(len(NICKNAMES[key])))]
            first = nick.capitalize()
        elif u[1] > 1 - 0.02 * rate:
            first = first[0]
        if u[2] < 0.03 * rate:
            first = f"{first} {chr(65 + int(rng.integers(26)))}"
        if u[3] < 0.08 * rate:
            first = typo(first, rng)
        if u[4] < 0.08 * rate:
            last = typo(last, rng)
        if u[5] < 0.02 * rate:
            last = f"{last}-{people._surname('en_US')}"
        if u[6] < 0.03 * rate:
            first, last = last, first
        if u[7] < 0.01:
            first = ""
        if u[8] < 0.01:
            last = ""
        addr = (cols["street"][i], cols["city"][i], cols["state"][i], cols["zip"][i])
        if moved[i] and (u[9] < 0.5 if not first_rec else u[9] < 0.2):
            addr = old_addr[i][:4]  # type: ignore[index]
        street, city, state, zip5 = addr
        street = street_text(street, rng)
        if u[10] < 0.06 * rate:
            street = typo(street, rng)
        if u[11] < 0.03 * rate:
            city = typo(city, rng)
        if u[12] < 0.1:
            zip5 = f"{zip5}-{int(rng.integers(0, 10_000)):04d}"
        elif u[12] > 1 - 0.015 * rate:
            zip5 = (
                keyboard(zip5, rng) if rng.random() < 0.5 else zip5[:4] + str(int(rng.integers(10)))
            )
        if u[13] < 0.05:
            street = ""
        if u[14] < 0.04:
            city = zip5 = ""
        email = ""
        if cols["has_email"][i] and u[15] < 0.8:
            email = mails[i]
            if second[i] and u[16] < 0.5:
                email = second[i]
            if cols["family_mail"][i] and u[16] > 0.6:
                email = f"{cols['family_mail'][i]}@{DOMAINS[0]}"
            if u[17] < 0.02 * rate:
                local, dom = email.split("@")
                email = f"{typo(local, rng)}@{dom}"
            if u[17] > 0.85:
                email = email.upper() if u[17] > 0.95 else email.capitalize()
        home = cell = ""
        if cols["has_phone"][i]:
            home = cols["landline"][i] if u[18] < 0.85 else ""
            if cols["mobile"][i] and u[19] < 0.8:
                cell = cols["mobile"][i]
                if old_phones[i] and u[20] < 0.5:
                    cell = old_phones[i]
                if u[21] < 0.02 * rate:
                    j = int(rng.integers(3, 10))
                    cell = cell[:j] + str(int(rng.integers(10))) + cell[j + 1 :]
        dob = dob_text(cols["dob"][i], rng) if u[22] >= 0.12 else ""
        out["GivenName"].append(case(first, style))
        out["Surname"].append(case(last, style))
        out["BirthDate"].append(dob)
        out["EmailAddress"].append(email)
        out["HomePhone"].append(phone_text(home, rng) if home else "")
        out["CellPhone"].append(phone_text(cell, rng) if cell else "")
        out["StreetAddress"].append(case(street, style))
        out["City"].append(case(city, style))
        out["State"].append(state)
        out["ZipCode"].append(zip5)
    frame = pd.DataFrame(out)
    _write_generations(frame, person, cols["generation"], seed)
    order = rng.permutation(len(frame))
    frame = frame.iloc[order].reset_index(drop=True)
    frame.insert(0, "CustomerID", [f"K{k:07d}" for k in range(1, len(frame) + 1)])
    return frame, person[order]


GENERATION_WRITTEN = {"jr": 0.5, "sr": 0.2}  # share of a person's records that carry it
GENERATION_FORMS = {"jr": ("Jr", "Jr.", "JR", "Jr."), "sr": ("Sr", "Sr.", "SR", "Sr.")}


def _write_generations(frame: pd.DataFrame, person: np.ndarray, gens: list[str], seed: int) -> None:
    """Write the Jr./Sr. on some records of fathers and sons sharing a first name: after
    the surname mostly ("Smith Jr."), sometimes after the given name ("John Jr"). Its own
    random stream, so every other value is as it was without it."""
    rng = np.random.default_rng(seed + 3)
    for r, i in enumerate(person.tolist()):
        gen = gens[i]
        if not gen or rng.random() >= GENERATION_WRITTEN[gen]:
            continue
        forms = GENERATION_FORMS[gen]
        form = forms[int(rng.integers(len(forms)))]
        col = "GivenName" if rng.random() < 0.2 else "Surname"
        text = str(frame.at[r, col])
        if text:
            frame.at[r, col] = f"{text} {form.upper() if text.isupper() else form}"


OUT_COLS = [
    "GivenName",
    "Surname",
    "BirthDate",
    "EmailAddress",
    "HomePhone",
    "CellPhone",
    "StreetAddress",
    "City",
    "State",
    "ZipCode",
]


def generate(rows: int, seed: int = 7) -> tuple[pd.DataFrame, np.ndarray]:
    """``rows`` customer records and the true person of each."""
    people = People(int(rows / 1.8) + 10, seed, pools(seed))
    return records(people, rows, seed)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    frame, person = generate(args.rows, args.seed)
    frame.to_csv(args.out, index=False)
    pd.Series(person, name="person").to_csv(args.out.with_suffix(".truth.csv"), index=False)


if __name__ == "__main__":
    main()
