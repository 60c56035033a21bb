"""STAR REST (starstandard.org) JSON for six dealership domains: a pure codec, no I/O.

Specs followed (OpenAPI, as copied into the shared specs folder, ``star/``):

======================  ===============================  ====================================
stream                  file (info.version, openapi)     schemas (record / create / update)
======================  ===============================  ====================================
customers               customer.yaml (1.0.0, 3.0.1)     Customer / CustomerCreate / …Update
inventory_vehicles      inventory_vehicle.yaml (1.0.0)   InventoryVehicle / …Create / …Update
service_vehicles        service_vehicle.yaml (1.0.0)     ServiceVehicle / …Create / …Update
appointments            appointment.yaml (1.1.0, 3.0.3)  AppointmentView / …Create / …Update
vehicle_invoices        vehicle_invoice.yaml (1.0.0)     VehicleInvoice / …Create / …Update
credit_authorizations   credit_authorization.yaml 1.0.0  CreditAuthorization / …Create / …
======================  ===============================  ====================================

Envelopes. Lists (five specs): ``{"data": [record...], "has_more": bool, "total_count":
int}``, paged with ``limit`` (1..100, no default given) and ``offset`` (>= 0). Appointments:
``{"data": [...], "has_more", "next_cursor", "total_count"}`` paged with ``limit`` (1..200)
and an opaque ``cursor``. Single answers (GET, 201, 200 after PUT/PATCH) are the bare record;
appointments wrap it: ``{"data": record}``. Create bodies are the record schema plus a
required ``<x>_key`` (``allOf``); update bodies (PUT ``application/json``, PATCH
``application/merge-patch+json``; appointments PATCH ``application/json``) carry the
writable sub-set and no ids. The URL key is ``{<x>-key}`` = the ``<x>_key`` field; the
system id is ``<x>_id``. Errors: ``ErrorDetail`` (``errors``).

Flat fields: ``domains`` (the six, each in its ``*_domain(s)`` module, one ``Field`` per
column with its STAR path; ``domain_model`` says what a field and a domain are); ``flatten`` /
``unflatten`` in ``codec``; the ``filter=sdate:…,edate:…`` parameter in ``filters``;
required headers in ``headers``. Enumerated values stay in STAR's vocabulary (e.g.
inventory ``status`` AVAILABLE/SOLD, appointment ``status`` BOOKED); translating them to
another system's codes is a mapping's job.

What the specs leave open, and what we chose:

- No record carries a last-modified timestamp (only appointments: ``audit.updated_at``),
  and the ``filter`` description ("Filter parameters") does not say which date
  ``sdate``/``edate`` compare. Our ``updated_at`` (the cursor) is read from and written to:
  customers ``party_references[CUSTOMER].occurrence_date_time``; inventory and service
  vehicles a ``vehicle_snapshots[snapshot_type=RECORD_UPDATE].occurrence_date_time``;
  vehicle invoices ``process_date_time``; credit authorizations
  ``event_message.event_date_time``. Servers are assumed to filter on their own
  last-change date; the filter is date-granular, so a read re-sees the cursor's day.
- ``filter`` has no pattern; its only definition is the example
  ``sdate:2026-02-09,edate:2026-02-09``. We send ``edate`` only with an upper bound.
- Phones and e-mail are ``communication_channels`` with ``communication_channel_type``
  (PHONE, CELL, SMS, VOICE, EMAIL…) and a free ``label`` ("e.g. 'Home,' 'Work'"): home =
  PHONE/VOICE labelled Home (else unlabelled), work = labelled Work/Business/Office, mobile
  = CELL (else SMS, else a PHONE labelled Mobile). Addresses: the one whose
  ``address_types`` has HOME/RESIDENCE/MAILING/POSTAL/BUSINESS/WORK, else the first; we
  write HOME (BUSINESS for business customers). ``country_code`` is described as "Full name
  of the country" with example "US": we pass the value through.
- Customer has no birth date and no consent fields: ``birth_date`` travels as
  ``identifiers[identifier_type=DATE_OF_BIRTH]`` (PrivacyTypes' own code), opt-ins as
  ``authorization_levels[auth_codes[].code=EMAIL|SMS|PHONE].authorized_indicator``. Not
  carried: ``created_at``.
- service_vehicle.yaml defines ``VehicleReference`` as a ``$ref`` to itself (broken); we
  use ``vehicle_identifier`` only, so service vehicles have no ``trim``.
- vehicle_invoice.yaml describes an OEM-to-dealer invoice; we carry a retail deal in it
  (``invoice_number`` = deal number, ``customer_reference`` = buyer, prices in
  ``price_summary.prices[price_types=RETAIL]``). Inventory prices:
  ``vehicle_price_summaries[price.price_types=MSRP|RETAIL|INTERNET]`` (msrp, price,
  special price); money amounts are ``…amount.amount.amount`` strings (Price → Money →
  GeneralAmount).
- appointment.yaml is another style altogether: no ``servers``, no ``security``, no STAR
  headers, ``from``/``to`` date-times (``filters.from_to_params``) and cursor paging; its
  ``AppointmentUpdate`` cannot change the status (the spec's ``/commands`` do) nor the
  vehicle. Its customer snapshot requires ``name.first_name`` and ``name.last_name``: we
  send '' for a missing first name (businesses).
- Preference-Applied is a required *request* header in the specs (RFC 7240 makes it a
  response header); Country-Code's example is "1" (a dialling code, not ISO 3166).
"""

from app.formats.errors import StarError
from app.formats.star.codec import (
    Page,
    domain,
    fields_present,
    flatten,
    format_timestamp,
    read_page,
    read_single,
    unflatten,
    wrap_single,
)
from app.formats.star.domain_model import CREATE, RECORD, UPDATE, Domain, Field
from app.formats.star.domains import BASE_PATH, DOMAINS
from app.formats.star.errors import describe_error, error_body, error_message
from app.formats.star.filters import DateFilter, from_to_params, parse_filter, sdate_edate_filter
from app.formats.star.headers import header_problems, required_headers, star_headers

__all__ = [
    "BASE_PATH",
    "CREATE",
    "DOMAINS",
    "RECORD",
    "UPDATE",
    "DateFilter",
    "Domain",
    "Field",
    "Page",
    "StarError",
    "describe_error",
    "domain",
    "error_body",
    "error_message",
    "fields_present",
    "flatten",
    "format_timestamp",
    "from_to_params",
    "header_problems",
    "parse_filter",
    "read_page",
    "read_single",
    "required_headers",
    "sdate_edate_filter",
    "star_headers",
    "unflatten",
    "wrap_single",
]
