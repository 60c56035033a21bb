"""Outgoing ADF stays well-formed when a name from the DMS holds a control character."""

from __future__ import annotations

from defusedxml.ElementTree import fromstring

from app.formats.adf import AdfLead, AdfVehicle, parse_adf, render_adf


def test_control_characters_in_names_are_left_out_of_outgoing_adf() -> None:
    lead = AdfLead(
        first_name="Ann\x00e",
        last_name="O\x1bBrien\x7f",
        email="ann@example.com",
        comments="bell\x07 and form\x0cfeed",
        vehicles=[AdfVehicle(year="2024", make="Ford\x01", model="Escape")],
        vendor_name="Demo\x02 Motors",
    )
    text = render_adf(lead)
    fromstring(text.encode("utf-8"))  # well-formed XML 1.0
    [back] = parse_adf(text)
    assert (back.first_name, back.last_name) == ("Anne", "OBrien")
    assert back.vehicles[0].make == "Ford" and back.comments == "bell and formfeed"
