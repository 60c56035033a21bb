import pytest

from app.domain import normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("(313) 204-0142", "+13132040142"),
        ("313.204.0142", "+13132040142"),
        ("+44 20 7946 0958", "+442079460958"),  # foreign numbers keep their country
        ("12", None),
        ("not a phone", None),
        ("(000) 000-0000", None),
    ],
)
def test_phone_e164(raw: str, expected: str | None) -> None:
    assert normalise.phone_e164(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Bob.Smith@Example.COM ", "bob.smith@example.com"),
        ("bob+cars@example.com", "bob+cars@example.com"),
        ("bad@", None),
        ("no-at-sign.example.com", None),
        ("two@@example.com", None),
    ],
)
def test_email(raw: str, expected: str | None) -> None:
    assert normalise.email(raw) == expected


def test_zip_codes() -> None:
    assert normalise.zip5("48201-1234") == "48201" and normalise.zip5("48201") == "48201"
    assert normalise.zip_plus4("482011234") == "48201-1234"
    assert normalise.zip5("4820") is None and normalise.zip5("SW1A 1AA") is None


def test_vin_check_digit() -> None:
    assert normalise.vin("1g4ah59h45g118341") == "1G4AH59H45G118341"
    assert normalise.vin("1FADP5AU6DL536022") == "1FADP5AU6DL536022"
    assert normalise.vin("1G4AH59H55G118341") is None  # wrong check digit
    assert normalise.vin("1G4AH59H45G11834") is None  # 16 characters
    assert normalise.vin("1G4AH59H45G11834O") is None  # letter O not allowed


def test_names() -> None:
    assert normalise.title_case("o'brien") == "O'Brien"
    assert normalise.name_part("Dr. Elizabeth A. Smith-Jones Jr.", "first") == "Elizabeth"
    assert normalise.name_part("Dr. Elizabeth A. Smith-Jones Jr.", "last") == "Smith-Jones"
