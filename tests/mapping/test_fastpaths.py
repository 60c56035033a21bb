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
