"""ADF 1.0 documents: lenient parsing, hostile XML refused, strict rendering."""

from __future__ import annotations

import pytest
from defusedxml.ElementTree import fromstring

from app.formats.adf import AdfLead, AdfVehicle, parse_adf, render_adf
from app.formats.errors import AdfError

STRICT = """<?xml version="1.0" encoding="UTF-8"?>
<?ADF VERSION="1.0"?>
<adf>
 <prospect status="new">
  <id sequence="1" source="cars.com">CC-1</id>
  <requestdate>2026-11-01T09:15:00-05:00</requestdate>
  <vehicle interest="buy" status="used">
   <year>2021</year><make>Honda</make><model>CR-V</model><vin>1fadp5au6dl536022</vin>
  </vehicle>
  <customer>
   <contact>
    <name part="first">Ana</name><name part="last">Ruiz</name>
    <email>ana.ruiz@example.com</email>
    <phone type="voice">313-555-0101</phone>
    <phone type="cellphone">313-555-0102</phone>
    <address><street line="1">12 Elm St</street><city>Detroit</city>
     <regioncode>mi</regioncode><postalcode>48201</postalcode></address>
   </contact>
   <comments>Is it still available?</comments>
  </customer>
  <vendor><vendorname>Demo Motors</vendorname>
   <contact><name part="full">Demo Motors</name><email>bdc@demo.test</email></contact>
  </vendor>
  <provider><name part="full">Cars.com</name></provider>
 </prospect>
</adf>"""

SLOPPY = """
<ADF>
 <Prospect>
  <requestdate>2026-11-02</requestdate>
  <Vehicle Interest=“lease” STATUS=“NEW”><Year>2025</Year><Make>Toyota</Make>
   <Model>RAV4</Model></Vehicle>
  <customer><contact>
   <name part=‘full’>  Mary   Ann  O'Neil  </name>
   <phone type="mobile">(248) 555-0199</phone>
   <phone type="home">248-555-0100</phone>
   <phone type="work">248-555-0111</phone>
   <phone type="fax">248-555-0000</phone>
  </contact></customer>
  <vendor><contact><name>Demo Motors</name></contact></vendor>
 </Prospect>
 <prospect>
  <requestdate>2026-11-02</requestdate>
  <vehicle><year>2024</year><make>Ford</make><model>F-150</model></vehicle>
  <customer><contact><name part="last">Kim</name><email>kim@example.com</email></contact>
  </customer>
 </prospect>
</ADF>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE adf [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<adf><prospect><customer><contact><name>&lol3;</name></contact></customer></prospect></adf>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE adf [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<adf><prospect><customer><contact><name>&secret;</name></contact></customer></prospect></adf>"""


def test_parses_a_strict_document() -> None:
    (lead,) = parse_adf(STRICT.encode("utf-8"))
    assert (lead.first_name, lead.last_name, lead.email) == ("Ana", "Ruiz", "ana.ruiz@example.com")
    assert (lead.phone, lead.mobile) == ("313-555-0101", "313-555-0102")
    assert (lead.city, lead.region, lead.postal_code) == ("Detroit", "MI", "48201")
    assert lead.ids == [("cars.com", "CC-1")]
    vehicle = lead.vehicle
    assert vehicle is not None and vehicle.vin == "1FADP5AU6DL536022" and vehicle.status == "used"
    assert (lead.vendor_name, lead.provider_name) == ("Demo Motors", "Cars.com")


def test_tolerates_what_real_leads_get_wrong() -> None:
    first, second = parse_adf(SLOPPY)
    assert (first.first_name, first.middle_name, first.last_name) == ("Mary", "Ann", "O'Neil")
    assert (first.mobile, first.phone, first.work_phone) == (
        "(248) 555-0199",
        "248-555-0100",
        "248-555-0111",
    )
    assert first.vehicles[0].interest == "lease" and first.vehicles[0].status == "new"
    assert first.vendor_name == ""  # no <vendorname>: tolerated
    assert (second.last_name, second.email) == ("Kim", "kim@example.com")


@pytest.mark.parametrize("hostile", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_hostile_xml_is_refused_not_expanded(hostile: str) -> None:
    with pytest.raises(AdfError, match="Refused an ADF lead") as caught:
        parse_adf(hostile.encode())
    assert "lollol" not in str(caught.value) and "root:" not in str(caught.value)


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ("<adf><prospect>", "not well-formed"),
        ("<lead/>", "root is <lead>"),
        ("<adf/>", "no <prospect>"),
        ("<adf><prospect><customer><contact/></customer></prospect></adf>", "no name"),
    ],
)
def test_unusable_documents_say_why(document: str, reason: str) -> None:
    with pytest.raises(AdfError, match=reason):
        parse_adf(document)


def sample_lead() -> AdfLead:
    return AdfLead(
        request_date="2026-11-01T10:00:00+00:00",
        ids=[("RooftopSync", "L-1")],
        first_name="José",
        last_name="Núñez & Sons",
        email="jose@example.com",
        mobile="3135550123",
        street="1 Main St",
        city="Detroit",
        region="MI",
        postal_code="48201",
        comments='Wants "cheap" <fast>',
        vehicles=[AdfVehicle(year="2024", make="Toyota", model="RAV4", vin="1FADP5AU6DL536022")],
        vendor_name="Demo Motors",
        provider_name="Rooftop Sync",
    )


def test_render_is_well_formed_in_dtd_order_and_parses_back() -> None:
    text = render_adf(sample_lead())
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<?ADF VERSION="1.0"?>')
    root = fromstring(text.encode("utf-8"))
    prospect = root.find("prospect")
    assert prospect is not None
    order = [child.tag for child in prospect]
    assert order == ["id", "requestdate", "vehicle", "customer", "vendor", "provider"]
    vendor = prospect.find("vendor")
    assert vendor is not None and [c.tag for c in vendor] == ["vendorname", "contact"]
    vehicle = prospect.find("vehicle")
    assert vehicle is not None and [c.tag for c in vehicle][:3] == ["year", "make", "model"]
    assert parse_adf(text) == [sample_lead()]


def test_render_refuses_a_lead_adf_cannot_carry() -> None:
    with pytest.raises(AdfError, match="email or phone"):
        render_adf(AdfLead(last_name="Nobody"))
