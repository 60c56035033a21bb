"""Normalise a role frame (see ``roles.role_frame``) into integer-coded match fields.

Every field becomes a numpy array of codes, so blocking and comparison are array work:
every value is normalised once per distinct value. Phones, e-mails, ZIPs and birth dates
go through the column kernels of ``app.domain.columns`` (the ones the mapping uses),
exact to their per-value functions: the everyday shapes all at once, the rest (foreign
numbers, odd e-mails) through ``app.domain.fastpaths`` / ``normalise`` one value at a
time. Missing or invalid values are coded -1 (0 for phones) and simply do not take part
in matching.
"""

from __future__ import annotations

import _strptime
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import numpy.typing as npt
import pandas as pd

from app.domain import fastpaths
from app.domain import normalise as dn
from app.domain.columns import dates, tokens
from app.domain.columns import phones as phone_kernel
from app.domain.columns import zips as zip_kernel
from app.domain.columns.distinct import distinct
from app.matching import address, names, nicknames
from app.matching.emails import coded as email_codes
from app.matching.emails import emails as emails  # re-exported: normalise.emails

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]

# Birth dates count days from 1900-01-01 (the earliest accepted), so every real date is
# >= 0 and -1 can mean "missing" (days from 1970 made everyone born before 1970 missing).
EPOCH = date(1900, 1, 1)
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y%m%d", "%m-%d-%Y", "%d-%b-%Y", "%b %d %Y")


CODED = (
    "first",
    "first_canon",
    "last",
    "last_sdx",
    "email",
    "phones",
    "house",
    "street",
    "street_others",
    "zip5",
    "city",
    "dob",
    "ids",
    "suffix",
)
GENERATION_CODES = {"jr": 0, "sr": 1, "ii": 2, "iii": 3, "iv": 4}


@dataclass
class Norm:
    """Integer-coded match fields of ``n`` records (row i = input row i)."""

    n: int
    first: I32  # code into first_vocab, -1 missing
    first_vocab: list[str]
    first_canon: I32  # nickname group code
    last: I32  # code into last_vocab
    last_vocab: list[str]
    last_sdx: I32  # Soundex code of the last name
    email: I64  # 63-bit hash of the normalised address, -1 missing
    phones: I64  # (n, k) E.164 numbers as integers (13135550142), 0 missing
    house: I64  # house number, -1 missing
    street: I32  # code of the street name's first word into street_vocab
    street_vocab: list[str]
    zip5: I32
    dob: I32  # days since 1900-01-01, -1 missing
    city: I32 = field(default_factory=lambda: np.zeros(0, np.int32))  # code into city_vocab
    city_vocab: list[str] = field(default_factory=list)
    ids: I32 = field(default_factory=lambda: np.zeros((0, 1), np.int32))  # (n, k) id_vocab
    id_vocab: list[str] = field(default_factory=list)
    suffix: I8 = field(default_factory=lambda: np.zeros(0, np.int8))  # GENERATION_CODES, -1
    # (n, k) the street line's other words (street_vocab): its two lines in either order
    street_others: I32 = field(default_factory=lambda: np.zeros((0, 1), np.int32))
    stats: dict[str, int] = field(default_factory=dict)
    canon_vocab: list[str] = field(default_factory=list)
    sdx_vocab: list[str] = field(default_factory=list)
    cache: dict[str, object] = field(default_factory=dict, repr=False)  # derived lookups

    def take(
        self, rows: npt.NDArray[np.int64], fields: tuple[str, ...] = CODED
    ) -> dict[str, np.ndarray]:
        """The coded ``fields`` of ``rows`` (for comparisons). ``ndarray.take`` along the
        first axis, rows made ``intp`` once: the same values as ``field[rows]`` at about
        half the cost (fancy indexing is the pair comparisons' largest single cost)."""
        at = np.asarray(rows).astype(np.intp, copy=False)
        return {k: getattr(self, k).take(at, axis=0) for k in fields}


def _codes(values: pd.Series, fn: object) -> tuple[I32, list[str]]:
    """Apply ``fn`` to each distinct value; codes of the results ('' -> -1)."""
    return _apply(*distinct(values), fn)


def _apply(
    codes: npt.NDArray[np.int64], uniques: npt.NDArray[np.object_], fn: object
) -> tuple[I32, list[str]]:
    """``_codes`` of values already factorised."""
    out = [fn(u) for u in uniques.tolist()]  # type: ignore[operator]
    out_codes, vocab = pd.factorize(pd.Series(out, dtype=object), sort=False)
    vocab_list = [str(v) for v in vocab.tolist()]
    if "" in vocab_list:
        empty = vocab_list.index("")
        out_codes = np.where(out_codes == empty, -1, out_codes)
    mapped = out_codes[codes] if len(codes) else np.zeros(0, dtype=np.int64)
    mapped = np.where(codes < 0, -1, mapped)
    return mapped.astype(np.int32), vocab_list


def _recode(codes: I32, vocab: list[str], fn: object) -> tuple[I32, list[str]]:
    """Codes (and vocabulary) of ``fn(vocab[code])``, for derived keys such as Soundex."""
    derived = [fn(v) for v in vocab]  # type: ignore[operator]
    d_codes, d_vocab = pd.factorize(pd.Series(derived, dtype=object), sort=False)
    lookup = np.append(d_codes, -1).astype(np.int32)
    words = [str(v) for v in d_vocab.tolist()]
    if "" in words:
        lookup[lookup == words.index("")] = -1
    return lookup[np.where(codes < 0, len(vocab), codes)], words


def phone_one(text: str, region: str = "US") -> int:
    """The number as matched: E.164 as an integer (13135550142), 0 when not valid."""
    return int(p[1:]) if (p := fastpaths.phone_e164(text, region)) else 0


def phones(values: pd.Series, region: str = "US") -> I64:
    """``phone_one`` of each value (0 = missing or not a valid number); each distinct
    value read once (the phone kernel)."""
    codes, arr = distinct(values)
    return phone_kernel.numbers(arr, region)[codes]


def _zip_text(text: str) -> str:
    t = text.strip()
    if len(t) == 4 and t.isdigit():  # a spreadsheet ate the leading zero
        t = "0" + t
    return t


def _zip_int(z: str | None) -> int:
    return int(z) if z and z.isdecimal() else -1


def zip_one(text: str) -> int:
    """ZIP5 as matched: an integer, -1 when missing or not a ZIP code."""
    return _zip_int(dn.zip5(_zip_text(text)))


def zips(values: pd.Series) -> I32:
    """``zip_one`` of each value; each distinct value read once (the ZIP kernel)."""
    codes, arr = distinct(values)
    texts = np.asarray([_zip_text(v) for v in arr.tolist()], dtype=object)
    out = [_zip_int(z) for z in zip_kernel.normalised5(texts).tolist()]
    return np.asarray(out, dtype=np.int32)[codes]


def _dob_head(text: str) -> str:
    """What a birth date is read from: an ISO date at the start ('1985-03-12 00:00:00',
    '1985-03-12T00:00:00Z') on its own, else the whole stripped value."""
    t = text.strip()
    return t[:10] if "T" in text or (len(t) > 10 and t[4] == "-") else t


def _days(year: int, month: int, day: int) -> int:
    """Days since 1900-01-01 of a real date; -1 when its year is out of range."""
    if 1900 <= year <= date.today().year:
        return (date(year, month, day) - EPOCH).days
    return -1


def dob_one(text: str) -> int:
    """Birth date as matched: days since 1900-01-01; -1 missing, not a date in one of
    ``_DATE_FORMATS``, or outside 1900 .. this year (the first format that reads the
    value decides)."""
    t = _dob_head(text)
    if not t:
        return -1
    for fmt in _DATE_FORMATS:
        try:
            d = datetime.strptime(t, fmt).date()
        except ValueError:
            continue
        return _days(d.year, d.month, d.day)
    return -1


def dobs(values: pd.Series) -> I32:
    """``dob_one`` of each value. ISO dates (the first format) are read at once by the
    date kernel; anything else goes through ``dob_one`` once per distinct value."""
    codes, arr = distinct(values)
    heads = np.asarray([_dob_head(v) for v in arr.tolist()], dtype=object)
    key, decided = dates.ymd(heads, _DATE_FORMATS[0])
    # US dates ("03/12/1985") likewise: no value the ISO format reads has their shape, so
    # the first format that reads a value still decides it.
    rows = np.flatnonzero(~decided & (heads != ""))
    if len(rows):
        us_key, us = dates.ymd(heads[rows], _DATE_FORMATS[1])
        key[rows[us]], decided[rows[us]] = us_key[us], True
    year, month, day = key // 10_000, key // 100 % 100, key % 100
    in_range = decided & (year >= 1900) & (year <= date.today().year)
    days = ((year - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (month - 1)).astype(
        "datetime64[D]"
    ) + (day - 1)
    out = np.where(in_range, (days - np.datetime64(EPOCH, "D")).astype(np.int64), -1)
    rest = np.flatnonzero(~decided & (heads != ""))
    if len(rest):
        rest = rest[_may_parse(heads[rest])]  # the others no format reads: -1
        out[rest] = [dob_one(v) for v in arr[rest].tolist()]
    return out.astype(np.int32)[codes]


def _may_parse(heads: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
    """Per value, whether some format of ``_DATE_FORMATS`` may read it: ``strptime``
    first matches the whole value against the format's own pattern, so a value no
    pattern matches is refused by all of them (mistyped dates, '49/22/1972'; trying the
    seven formats costs ~0.1 ms a value). True for all when the patterns are not at hand."""
    try:
        datetime.strptime("2000", "%Y")  # brings strptime's patterns up to the locale
        patterns = [_strptime._TimeRE_cache.compile(f) for f in _DATE_FORMATS]
    except (AttributeError, TypeError, ValueError):  # another Python's internals
        return np.ones(len(heads), dtype=bool)
    return np.fromiter(
        (
            any((m := p.match(h)) is not None and m.end() == len(h) for p in patterns)
            for h in heads.tolist()
        ),
        dtype=bool,
        count=len(heads),
    )


MAX_HOLDERS = 20  # an e-mail or phone on more records than this identifies nobody


def _drop_placeholders(codes: I64, missing: int) -> I64:
    """Codes held by more than ``MAX_HOLDERS`` records set to ``missing``: placeholders
    ("none@none.com", the dealership's own number) are not identifiers, and pairs
    sharing them would swamp the count of pairs agreeing on the field."""
    flat = codes.reshape(-1)
    present = np.flatnonzero(flat != missing)
    inverse, _ = pd.factorize(flat[present])
    counts = np.bincount(inverse) if len(inverse) else np.zeros(0, np.int64)
    crowded = present[counts[inverse] > MAX_HOLDERS]
    if not len(crowded):
        return codes
    out = flat.copy()
    out[crowded] = missing
    return out.reshape(codes.shape)


def _phone_matrix(frame: pd.DataFrame, n: int) -> I64:
    """(n, k) numbers of the phone columns (phone, phone_2, ...)."""
    cols = [c for c in frame.columns if c == "phone" or c.startswith("phone_")]
    out = np.zeros((n, max(1, len(cols))), dtype=np.int64)
    for j, c in enumerate(cols):  # per column: one big factorize costs more than three
        out[:, j] = phones(frame[c])
    return out


def _id_one(text: str) -> str:
    """An identifier as compared: letters and digits, upper case ('123-45-6789' ->
    '123456789'); too short to identify anyone (under 4 characters) -> ''."""
    key = "".join(ch for ch in text.upper() if ch.isalnum())
    return key if len(key) >= 4 and len(set(key)) > 1 else ""


def _id_matrix(frame: pd.DataFrame, n: int) -> tuple[I32, list[str]]:
    """(n, k) codes of the id columns (id, id_2, ...) in one vocabulary, -1 missing."""
    cols = [c for c in frame.columns if c == "id" or c.startswith("id_")]
    if not cols:
        return np.full((n, 1), -1, dtype=np.int32), []
    stacked = pd.concat([frame[c] for c in cols], ignore_index=True)
    codes, vocab = _codes(stacked, _id_one)
    out = codes.reshape(len(cols), n).T
    return _drop_placeholders(out.astype(np.int64), -1).astype(np.int32), vocab


def _street_keys(streets: pd.Series) -> tuple[I64, I32, I32, list[str]]:
    """(house number, street word code, codes of the line's other words, street word
    vocabulary) of each record; one vocabulary for the first and the other words."""
    scodes, suniq = distinct(streets)
    keys = address.keys(pd.Series(suniq, dtype=object))
    house = keys["house"].to_numpy(dtype=np.int64)[scodes]
    wanted = ["word"] + [f"other{i + 1}" for i in range(address.OTHER_WORDS)]
    words = keys[wanted].to_numpy(dtype=np.int64)
    word_codes, word_uniques = pd.factorize(words.ravel())
    coded = np.where(words.ravel() == 0, -1, word_codes).astype(np.int32).reshape(words.shape)
    vocab = [tokens.unpack(int(w)) for w in word_uniques.tolist()]
    return house, coded[scodes, 0], coded[scodes, 1:], vocab


def _generations(
    first: tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]],
    last: tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]],
    full: tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]],
    suffix: tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]],
) -> I8:
    """Per record, the code of its generation suffix (Jr., Sr., II...; -1 none) from the
    suffix column, else the name fields (``names.generation``). Only records with a
    word that may be one are parsed."""
    cols = (first, last, full, suffix)
    flags = [names.has_generation_each(u.tolist())[c] for c, u in cols]
    rows = np.flatnonzero(flags[0] | flags[1] | flags[2] | flags[3])
    out = np.full(len(first[0]), -1, dtype=np.int8)
    for r in rows.tolist():
        f, la, fu, sx = (str(u[c[r]]) for c, u in cols)
        gen = names.generation(f, la, sx) if f.strip() or la.strip() else ""
        gen = gen or names.generation(fu, "", sx)
        out[r] = GENERATION_CODES.get(gen, -1)
    return out


def _names_from_email(
    first: tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]],
    last: tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]],
    email: tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]],
) -> tuple[
    tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]],
    tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]],
]:
    """Records with no name but an e-mail that spells one ("melissa.williams88@...",
    a marketing list's subscriber) take that name: without it such a record shares
    nothing with its person's other records but a ZIP, and blocking never pairs them."""
    (fc, fu), (lc, lu), (ec, eu) = first, last, email
    rows = np.flatnonzero((fu == "")[fc] & (lu == "")[lc] & (eu != "")[ec])
    if not len(rows):
        return first, last
    used, at = np.unique(ec[rows], return_inverse=True)  # only the addresses needed
    spelt = [names.name_from_email(str(v)) for v in eu[used].tolist()]
    f_of = np.array([p[0] for p in spelt], dtype=object)[at]
    l_of = np.array([p[1] for p in spelt], dtype=object)[at]
    ok = f_of != ""
    if not ok.any():
        return first, last
    first_v, last_v = fu[fc].astype(object), lu[lc].astype(object)
    first_v[rows[ok]], last_v[rows[ok]] = f_of[ok], l_of[ok]
    return distinct(first_v), distinct(last_v)


def _release_name_caches() -> None:
    """Empty the name functions' caches: their keys are the cells read, and a few
    thousand of them kept would keep the memory of a large file's whole text (its
    strings are scattered over it); what later steps ask is cached again as they go."""
    for fn in (names.fold, names.soundex, names.split_full, names.generation):
        fn.cache_clear()


def normalise(frame: pd.DataFrame) -> Norm:
    """Match fields of a role frame (columns from ``roles.ROLES``; phone, phone_2...)."""
    n = len(frame)

    def col(name: str) -> pd.Series:
        return frame[name] if name in frame else pd.Series(np.full(n, "", dtype=object))

    first_c, first_u = distinct(col("first_name"))
    last_c, last_u = distinct(col("last_name"))
    full_c, full_u = distinct(col("full_name"))
    suffix = _generations(
        (first_c, first_u), (last_c, last_u), (full_c, full_u), distinct(col("suffix"))
    )
    if any(u.strip() for u in full_u.tolist()):
        first_src, last_src = pd.Series(first_u[first_c]), pd.Series(last_u[last_c])
        full = pd.Series(full_u[full_c])
        parts = full.map(names.split_full)
        need_first = first_src.str.strip() == ""
        need_last = last_src.str.strip() == ""
        first_src = first_src.where(~need_first, parts.map(lambda p: p[0]))
        last_src = last_src.where(~need_last, parts.map(lambda p: p[1]))
        first_c, first_u = distinct(first_src)
        last_c, last_u = distinct(last_src)
    # A business without a contact person: the company name stands in for the surname.
    comp_c, comp_u = distinct(col("company"))
    use_company = (last_u == "")[last_c] & (comp_u != "")[comp_c]
    if use_company.any():
        last_c = np.where(use_company, len(last_u) + comp_c, last_c)
        last_u = np.concatenate([last_u, comp_u])
    email_c, email_u = distinct(col("email"))
    (first_c, first_u), (last_c, last_u) = _names_from_email(
        (first_c, first_u), (last_c, last_u), (email_c, email_u)
    )

    first, first_vocab = _apply(first_c, first_u, names.first_token)
    canon, canon_vocab = _recode(first, first_vocab, nicknames.canonical)
    last, last_vocab = _apply(last_c, last_u, names.last_name)
    sdx, sdx_vocab = _recode(last, last_vocab, names.soundex)
    email = _drop_placeholders(email_codes(email_c, email_u), -1)
    phone_mat = _drop_placeholders(_phone_matrix(frame, n), 0)
    house, street, street_others, street_vocab = _street_keys(col("street"))
    zip5, dob = zips(col("zip")), dobs(col("dob"))
    city, city_vocab = _codes(col("city"), names.fold)
    ids, id_vocab = _id_matrix(frame, n)
    _release_name_caches()
    stats = {
        "records": n,
        "with_name": int(((first >= 0) | (last >= 0)).sum()),
        "with_email": int((email >= 0).sum()),
        "with_phone": int((phone_mat > 0).any(axis=1).sum()),
        "bad_email": int(((email < 0) & (email_u != "")[email_c]).sum()),
    }
    return Norm(
        n=n,
        first=first,
        first_vocab=first_vocab,
        first_canon=canon,
        last=last,
        last_vocab=last_vocab,
        last_sdx=sdx,
        email=email,
        phones=phone_mat,
        house=house,
        street=street,
        street_others=street_others,
        street_vocab=street_vocab,
        zip5=zip5,
        dob=dob,
        city=city,
        city_vocab=city_vocab,
        ids=ids,
        id_vocab=id_vocab,
        suffix=suffix,
        stats=stats,
        canon_vocab=canon_vocab,
        sdx_vocab=sdx_vocab,
    )
