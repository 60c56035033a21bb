"""Each column kernel (app.domain.columns) answers exactly as its per-value function, on
seeded random values and on named awkward ones: unicode, NUL, control characters,
foreign and vanity phones, quoted e-mails, swapped date fields."""

from __future__ import annotations

import random
import re
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from app.domain import fastpaths, normalise
from app.domain.columns import dates, distinct, emails, packed, phones, tokens, zips

ODD_CHARS = ["\x00", "\x01", "\x1f", "\x7f", "\t", "\n", " ", "\u00a0", "\u2003", "é", "Ǆ",
             "٣", "３", "²", "😀", "\ud7ff", "ß", "İ"]  # fmt: skip


def _damage(rng: random.Random, value: str) -> str:
    """The value with an odd character put in, swapped in or added at either end."""
    chars = list(value)
    for _ in range(rng.choice([0, 1, 1, 2])):
        at = rng.randint(0, len(chars))
        odd = rng.choice(ODD_CHARS)
        if rng.random() < 0.5 and at < len(chars):
            chars[at] = odd
        else:
            chars.insert(at, odd)
    return "".join(chars)


def _column(values: list[str]) -> np.ndarray:
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    return arr


# --- e-mail ------------------------------------------------------------------------

EMAILS = [
    "bob@mail.com", "Bob@Mail.COM", " bob@mail.com ", '"john doe"@mail.com', '"a@b"@x.com',
    '"q"@x.com', "o'neil@x.com", "a!b#c$d%e&f'g*h+i/j=k?l^m_n`o{p|q}r~s@x.com",
    "ünïcode@x.com", "a@münchen.de", "JOSÉ@CORREO.ES", "bob@\u212aa.com", "a@[127.0.0.1]",
    "a@b-.com", "a@-b.com", "a@xn--zz.com", "a@xn--bcher-kva.com", "a@b.test", "a@b.example",
    "a@localhost", "a..b@x.com", "a@x.com\x00", "a\x00@x.com", "a@x.com\x1f", "a@x.com\n",
    "\ta@x.com", "a b@x.com", "a@x.c0m", "a@x.co1", "x" * 64 + "@x.com", "x" * 65 + "@x.com",
    "a@" + ("b" * 60 + ".") * 4 + "com", "", "@", "a@b", "a@b.c", "😀@x.com", "a@x.com\u00a0",
]  # fmt: skip


def _email_values(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    locals_ = ["bob", "Mary.Ann", "a+tag", "x_y", "o'neil", '"a b"', "jo-e", "ü", "a..b", "9"]
    domains = ["mail.com", "Sub.Example.org", "b-.com", "xn--zz.io", "x.test", "münchen.de",
               "x.c0m", "localhost", "[10.0.0.1]", "a.b.c.uk", "-a.com"]  # fmt: skip
    out = []
    for _ in range(count):
        v = f"{rng.choice(locals_)}@{rng.choice(domains)}"
        out.append(_damage(rng, v) if rng.random() < 0.3 else v)
    return out


def test_email_kernel_is_fastpaths_email() -> None:
    values = EMAILS + _email_values(seed=30, count=3000)
    got = emails.normalised(_column(values)).tolist()
    for v, g in zip(values, got, strict=True):
        want = fastpaths.email(v) if v else ""
        assert g == want, repr(v)
        assert want == (normalise.email(v) if v else ""), repr(v)


# --- phones --------------------------------------------------------------------------

PHONES = [
    "(313) 555-0142", "313.555.0142", "+1 313 555 0142", "1-313-555-0142", "3135550142",
    "+44 20 7946 0958", "011 44 20 7946 0958", "+33 1 42 68 53 00", "+49 30 901820",
    "+1 268 464 1234", "(876) 555-0100", "1-800-FLOWERS", "1-800-356-9377", "800-GO-FEDEX",
    "(313) 555-0142 x12", "313-555-0142 ext. 4", "(123) 456-7890", "(313) 155-0142",
    "999-999-9999", "(000) 000-0000", "３１３５５５０１４２", "٣١٣٥٥٥٠١٤٢", "313\x00555 0142",
    "(313) 555-0142\x00", "\x01313-555-0142", "313-555-0142\n", "\u00a0313-555-0142",
    " (313) 555-0142", "(313)-555-0142", "313/555/0142", "+1 (313) 555-0142", "12", "",
    "call me", "+1", "+", "1" * 30,
]  # fmt: skip


def _phone_values(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    shapes = [*phones.TEMPLATES, "###/###/####", "+44 ## #### ####", "+33 # ## ## ## ##",
              "1-800-FLOWERS", "###-###-#### x##", "(###)-###-####"]  # fmt: skip
    out = []
    for _ in range(count):
        digits = iter(f"{rng.randint(0, 10**12 - 1):012d}")
        if rng.random() < 0.7:
            digits = iter(rng.choice("23456789") + f"{rng.randint(0, 10**11 - 1):011d}")
        v = "".join(next(digits) if ch == "#" else ch for ch in rng.choice(shapes))
        out.append(_damage(rng, v) if rng.random() < 0.2 else v)
    return out


def test_phone_kernel_is_fastpaths_phone_e164() -> None:
    values = PHONES + _phone_values(seed=31, count=3000)
    arr = _column(values)
    for region in ("US", "GB"):
        text = phones.normalised(arr, region).tolist()
        ints = phones.numbers(arr, region).tolist()
        for v, t, i in zip(values, text, ints, strict=True):
            want = fastpaths.phone_e164(v, region)
            assert want == normalise.phone_e164(v, region), repr(v)
            assert t == want, (region, repr(v))
            assert i == (int(want[1:]) if want else 0), (region, repr(v))


# --- ZIP codes --------------------------------------------------------------------------

ZIPS = [
    "48201", "48201-1234", "482011234", "48201 1234", " 48201 ", "4820", "482", "482011",
    "48201-123", "４８２０１", "٤٨٢٠١", "²³⁴⁵⁶", "48201\x00", "4820\x00", "\x0048201",
    "48201\n", "48201-12345", "ABCDE", "", "-", "48 201", "48201-", "0123456789",
]  # fmt: skip


def test_zip_kernels_are_normalise_zip5_and_zip_plus4() -> None:
    rng = random.Random(32)
    shapes = ["#####", "#####-####", "#########", "####", "##### ####", "###-##"]
    values = list(ZIPS)
    for _ in range(2000):
        v = "".join(rng.choice("0123456789") if ch == "#" else ch for ch in rng.choice(shapes))
        values.append(_damage(rng, v) if rng.random() < 0.3 else v)
    arr = _column(values)
    assert zips.normalised5(arr).tolist() == [normalise.zip5(v) for v in values]
    for kernel, fn in ((zips.zip5, normalise.zip5), (zips.zip_plus4, normalise.zip_plus4)):
        out, decided = kernel(arr)
        assert decided.sum() > 500
        for v, o, d in zip(values, out.tolist(), decided.tolist(), strict=True):
            if d:
                assert o == fn(v), repr(v)


# --- dates ------------------------------------------------------------------------------

DATES = [
    "2024-02-29", "2023-02-29", "1900-02-29", "2000-02-29", "2024-13-01", "2024-00-10",
    "2024-01-32", "2024-04-31", "0000-01-01", "0001-01-01", "9999-12-31", "2024-1-5",
    "٢٠٢٤-٠١-٠١", "２０２４-０１-０１", "2024-01-01\x00", "\x002024-01-01", "2024-01-01\n",
    " 2024-01-01", "2024/01/01", "2024-31-12", "2024-12-31", "31-12-2024", "12/31/2024",
    "31/12/2024", "2024-02-30", "",
]  # fmt: skip
SWAPPED = ("%Y-%m-%d", "%Y-%d-%m", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y")


def _strptime_key(value: str, fmt: str) -> int | None:
    try:
        d = datetime.strptime(value, fmt)
    except ValueError:
        return None
    return d.year * 10_000 + d.month * 100 + d.day


def test_date_kernel_is_strptime_with_swapped_fields() -> None:
    rng = random.Random(33)
    values = list(DATES)
    for _ in range(3000):
        y, m, d = rng.randint(0, 2100), rng.randint(0, 13), rng.randint(0, 32)
        v = rng.choice(SWAPPED).replace("%Y", f"{y:04d}").replace("%m", f"{m:02d}")
        v = v.replace("%d", f"{d:02d}")
        values.append(_damage(rng, v) if rng.random() < 0.2 else v)
    arr = _column(values)
    for fmt in SWAPPED:
        key, decided = dates.ymd(arr, fmt)
        assert decided.sum() > 100, fmt
        for v, k, d in zip(values, key.tolist(), decided.tolist(), strict=True):
            if d:
                assert k == _strptime_key(v, fmt), (fmt, repr(v))
        text, decided = dates.parse(arr, fmt, "date")
        for v, t, d in zip(values, text.tolist(), decided.tolist(), strict=True):
            if d:
                want = _strptime_key(v, fmt)
                assert (
                    want is not None
                    and t == f"{want // 10_000:04d}-{want // 100 % 100:02d}-{want % 100:02d}"
                ), (fmt, repr(v))
    # a swapped format reads the day from the day's place
    key, decided = dates.ymd(_column(["2024-31-12"]), "%Y-%d-%m")
    assert decided.all() and key.tolist() == [20241231]


# --- packed text and distinct values ------------------------------------------------------


def test_packed_matrices_and_distinct_values_keep_every_value() -> None:
    rng = random.Random(34)
    alphabet = ["a", "é", "😀", " ", "\x00", "1"]
    values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(2000)]
    arr = _column(values)
    column = packed.Packed(arr)
    assert column.lengths.tolist() == [len(v) for v in values]
    for width in range(1, 7):
        rows = np.flatnonzero(column.lengths == width)
        assert packed.texts(column.matrix(rows, width)).tolist() == [
            v.rstrip("\x00") for v in arr[rows].tolist()
        ]  # numpy strings drop trailing NULs; the matrix keeps every code point
        assert (column.matrix(rows, width) == packed.matrix(arr[rows], width)).all()
    _, too_long = packed.to_matrix(arr, 4)
    assert too_long.tolist() == [len(v) > 4 for v in values]  # a NUL past 4 too
    with_missing = pd.Series([*values, None, np.nan, 7], dtype=object)
    codes, uniques = distinct.distinct(with_missing)
    assert len(set(uniques.tolist())) == len(uniques)
    assert uniques[codes].tolist() == [*values, "", "", "7"]


def test_text_frame_is_what_astype_str_makes_and_keeps_a_text_frame_as_it_is() -> None:
    frame = pd.DataFrame(
        {
            "s": ["a", None, "c", np.nan],
            "i": np.arange(4),
            "f": [1.0, np.nan, 2.5, 3],
            "b": [True, False, None, True],
            "d": pd.to_datetime(["2026-01-01", None, "2026-01-03", "2026-01-04"]),
            "S": pd.array(["x", None, "z", "é"], dtype="string"),
            "na": [pd.NA] * 4,
        }
    )
    expected = frame.astype(object).fillna("").astype(str)
    made = distinct.text_frame(frame)
    assert made.equals(expected)
    assert made.dtypes.tolist() == expected.dtypes.tolist()
    assert frame["s"].isna().sum() == 2  # the caller's frame is not changed

    text = pd.DataFrame({"a": ["x", "", "y"], "b": ["1", "2", "3"]}, dtype=object)
    assert distinct.text_frame(text) is text  # already text: no copy


def _plain_tokens(text: str, k_max: int) -> tuple[list[int], list[int]]:
    """The reference: alphanumeric runs, packed one by one."""
    found = re.findall(r"[A-Za-z0-9]+", text)[:k_max]
    pad = [0] * (k_max - len(found))
    return [tokens.pack(t) for t in found] + pad, [len(t) for t in found] + pad


@pytest.mark.parametrize("k_max", [1, 3, 8])
def test_token_codes_are_the_plain_tokens_packed(k_max: int) -> None:
    rng = random.Random(k_max)
    alphabet = "abcXYZ019 -'#é"
    values = ["", " ", "a", "abcdefghijklmnopqrstuvwxyz", "12345678901234 x", " a  b c d e f g h i"]
    values += [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(3000)
    ]
    m, _ = packed.to_matrix(np.array(values, dtype=object), 24)
    codes, lens = tokens.token_codes(m, k_max)
    for i, value in enumerate(values):
        want_codes, want_lens = _plain_tokens(value[:24], k_max)
        assert codes[i].tolist() == want_codes, value
        assert lens[i].tolist() == want_lens, value
