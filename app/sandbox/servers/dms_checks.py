"""Value checks of the simulated DMS's customers and appointments, shared by its own REST
routes and its STAR routes."""

from __future__ import annotations

from app.sandbox.servers import validation as v

_YN = v.one_of("Y", "N")
CUSTOMER_CHECKS: dict[str, v.Check] = {
    "email": v.email,
    "home_phone": v.phone,
    "work_phone": v.phone,
    "mobile_phone": v.phone,
    "zip": v.zip_code,
    "state": v.state,
    "birth_date": v.date,
    "opt_in_email": _YN,
    "opt_in_sms": _YN,
    "opt_in_phone": _YN,
    "customer_type": v.one_of("INDIVIDUAL", "BUSINESS"),
}
APPOINTMENT_STATUSES = ("SCHEDULED", "ARRIVED", "COMPLETED", "NO_SHOW", "CANCELLED")
APPOINTMENT_CHECKS: dict[str, v.Check] = {
    "scheduled_at": v.timestamp,
    "status": v.one_of(*APPOINTMENT_STATUSES),
    "vin": v.vin,
    "source": v.one_of("DMS", "CRM", "WEB"),
}
