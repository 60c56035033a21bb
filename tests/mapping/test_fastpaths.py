"""The fast phone and e-mail paths give exactly the libraries' answers."""

from __future__ import annotations

import random

from app.domain import fastpaths, normalise

SHAPES = ("({a}) {b}-{c}", "{a}-{b}-{c}", "{a}.{b}.{c}", "{a}{b}{c}", "+1 {a} {b} {c}",
          "1-{a}-{b}-{c}", " ({a}){b}-{c} ")  # fmt: skip


def test_phone_fast_path_agrees_with_phonenumbers() -> None:
    rng = random.Random(5)
    for _ in range(3000):
        a = f"{rng.randint(100, 999)}"
        b = f"{rng.randint(0, 999):03d}"
        c = f"{rng.randint(0, 9999):04d}"
        value = rng.choice(SHAPES).format(a=a, b=b, c=c)
        assert fastpaths.phone_e164(value) == normalise.phone_e164(value), value
    for odd in ("268 464 1234", "(876) 555-0100", "800 555 0199", "555-0142 x12", "abc"):
        assert fastpaths.phone_e164(odd) == normalise.phone_e164(odd), odd


def test_email_fast_path_agrees_with_email_validator() -> None:
    values = [
        "bob@mail.com", "Bob.Smith+crm@Dealer-Group.co.uk", "a..b@x.com", ".a@x.com",
        "a@x", "a@localhost", "a@b.test", "a@xn--80ak6aa92e.com", "a@ab--cd.com", "a@-x.com",
        "a@x.c", "a@x.123", "x" * 65 + "@x.com", "ünïcode@x.com", "a b@x.com", "a@x..com",
        "first_last@sub.domain.org", "a@b.onion", "o'neil@x.com",
    ]  # fmt: skip
    for v in values:
        assert fastpaths.email(v) == normalise.email(v), v


def test_vectorised_phone_path_agrees_with_phonenumbers() -> None:
    import numpy as np
    import pandas as pd

    from app.domain.columns import phones
    from app.mapping.transforms_contact import phone_e164

    rng = random.Random(9)
    values = []
    for _ in range(4000):
        digits = f"{rng.randint(0, 9999999999):010d}"
        if rng.random() < 0.6:
            digits = rng.choice("23456789") + digits[1:]
        template = rng.choice(phones.TEMPLATES)
        it = iter(digits if template.count("#") == 10 else "1" + digits)
        values.append("".join(next(it) if ch == "#" else ch for ch in template))
    values += ["+44 20 7946 0958", "(313) 555-0142 x12", "1-800-FLOWERS", "+1 268 464 1234",
               "(876) 555-0100", "(000) 000-0000", "011 44 20 7946 0958", "３１３５５５０１４２",
               " (313) 555-0142", "313-555-0142 ", "(313)-555-0142", ""]  # fmt: skip
    for t in phones.TEMPLATES:  # every template is a shape the per-value path reads
        assert fastpaths._NANP_SHAPE.fullmatch(t.replace("#", "2")), t
    arr = np.array(values, dtype=object)
    _out, decided = phones.e164(arr, "US")
    assert decided.sum() > 1000
    result = phone_e164(pd.Series(values, dtype=object))
    bad = result.invalid.tolist() if result.invalid is not None else [False] * len(values)
    for v, got, b in zip(values, result.values.tolist(), bad, strict=True):
        want = normalise.phone_e164(v) if v else ""
        assert (got, b) == (want or "", want is None), v


def test_email_batch_path_agrees_with_email_validator() -> None:
    import pandas as pd

    from app.mapping.transforms_contact import email

    rng = random.Random(4)
    parts = ["a", "Bob", "x--y", "o'neil", "first.last", "a+b", "ü", "-", ".", "..", "_", "9",
             "localhost", "test", "arpa", "co", "uk", "c", "xn--80ak6aa92e", "sub-domain",
             " "]  # fmt: skip
    values = [
        "bob@mail.com", "a@b.onion", "a@b.xonion", "a@b.local", "x@y.localhost", "q@x.test",
        '"quoted local"@x.com', "a@[127.0.0.1]", "ünïcode@x.com", "a@münchen.de", "a@x.com\n",
        " Bob@X.COM ", "x" * 64 + "@x.com", "x" * 65 + "@x.com", "a@" + "b" * 63 + ".com",
        "a@" + "b" * 64 + ".com", "a@" + ("b" * 60 + ".") * 4 + "com", "a@b--c.com",
        "a--b@c.com", "a@@b.com", "", "a@b.c0m", "A@B.CO", "bob@\u212aa.com",
    ]  # fmt: skip
    for _ in range(3000):
        local = "".join(rng.choice(parts) for _ in range(rng.randint(1, 3)))
        domain = ".".join(rng.choice(parts) for _ in range(rng.randint(1, 3)))
        values.append(f"{local}@{domain}")
    decided = fastpaths.emails(values)
    assert sum(d is not None for d in decided) > 100
    for v, d in zip(values, decided, strict=True):
        if d is not None:
            assert d == normalise.email(v) == fastpaths.email(v), v
    result = email(pd.Series(values, dtype=object))
    bad = result.invalid.tolist() if result.invalid is not None else [False] * len(values)
    for v, got, b in zip(values, result.values.tolist(), bad, strict=True):
        want = normalise.email(v) if v else ""
        assert (got, b) == (want or "", want is None), v


def test_short_email_regex_is_the_full_one_up_to_64_characters() -> None:
    rng = random.Random(8)
    alphabet = "ab1-._+@"
    values = ["a@b.test", "a@b.xtest", "a@b-c.de", "a@b--c.de", "a@-b.de", "a@b-.de", "a@b.d-e"]
    for _ in range(20000):
        values.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14))))
        values.append(
            "".join(rng.choice(alphabet[:-1]) for _ in range(rng.randint(1, 6)))
            + "@"
            + "".join(rng.choice("ab1-.") for _ in range(rng.randint(1, 8)))
            + rng.choice([".de", ".co", ".test", ".x", ".a1", ""])
        )
    for v in values:
        short = fastpaths._EMAIL_SHORT.fullmatch(v) is not None
        assert short == (fastpaths._EMAIL_ALL.fullmatch(v) is not None), v


def test_main_rule_parts_decide_like_the_whole_nanp_check() -> None:
    import numpy as np

    from app.domain.columns import phones

    rules = fastpaths.nanp_main_rules()
    assert rules is not None and [k for _, k in rules] == sorted(k for _, k in rules)
    rng = np.random.default_rng(5)
    numbers = np.concatenate(
        [rng.integers(2 * 10**9, 10**10, 15_000), 52 * 10**8 + rng.integers(0, 10**8, 5_000)]
    )
    ok = phones._valid(numbers // 10_000, numbers % 10_000)
    assert ok.tolist() == [fastpaths.nanp_valid(f"{d:010d}") for d in numbers.tolist()]
    assert 0 < ok.sum() < len(numbers)
