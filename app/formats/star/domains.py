"""The six STAR domains our streams and the sandbox speak, by stream name, and their
base path."""

from __future__ import annotations

from app.formats.star.appointment_domain import APPOINTMENTS
from app.formats.star.customer_domain import CUSTOMERS
from app.formats.star.domain_model import Domain
from app.formats.star.invoice_domains import CREDIT_AUTHORIZATIONS, VEHICLE_INVOICES
from app.formats.star.vehicle_domains import INVENTORY_VEHICLES, SERVICE_VEHICLES

DOMAINS: dict[str, Domain] = {
    d.name: d
    for d in (
        CUSTOMERS,
        INVENTORY_VEHICLES,
        SERVICE_VEHICLES,
        APPOINTMENTS,
        VEHICLE_INVOICES,
        CREDIT_AUTHORIZATIONS,
    )
}
# The servers URL path part of customer, inventory_vehicle, service_vehicle, vehicle_invoice
# and credit_authorization.yaml (https://api.starstandard.org/v1/v1_0_0); appointment.yaml
# names no server and is served under the same base.
BASE_PATH = "/v1/v1_0_0"
