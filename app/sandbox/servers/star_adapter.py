"""How one STAR domain maps onto one DMS table (``Adapter``: DMS row <-> flat STAR row,
the client keys it was created under, its idempotency keys), and the helpers the
domains' adapters share: enum values mapped both ways, fields copied, value checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from app.formats import star
from app.sandbox.servers import validation as v
from app.sandbox.servers.dataset import Record
from app.sandbox.servers.errors import ApiError
from app.sandbox.servers.records import IdempotencyKeys


def inverse(mapping: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for dms, star_value in mapping.items():
        out.setdefault(star_value, dms)
    return out


@dataclass
class Adapter:
    """One STAR domain over one table: DMS row <-> flat STAR row."""

    domain: str
    entity: str  # DmsStore entity, or "credit_authorizations"
    to_flat: Callable[[Record], dict[str, str]]
    # (flat values given, current DMS row or None) -> DMS columns to write
    to_dms: Callable[[Mapping[str, str], Record | None], dict[str, str]]
    checks: Mapping[str, v.Check] = field(default_factory=dict)  # on DMS columns
    keys: dict[str, str] = field(default_factory=dict)  # client key -> DMS id
    ids: dict[str, str] = field(default_factory=dict)  # DMS id -> client key
    # read back under the creator's key (else the DMS id is the key in every read)
    shows_client_key: bool = True
    idempotency: IdempotencyKeys = field(default_factory=IdempotencyKeys)

    @property
    def spec(self) -> star.Domain:
        return star.domain(self.domain)

    def key_of(self, record_id: str) -> str:
        return self.ids.get(record_id, record_id)

    def id_of(self, key: str) -> str:
        return self.keys.get(key, key)


def mapped(
    flat: Mapping[str, str],
    current: Record | None,
    name: str,
    column: str,
    forward: Mapping[str, str],
    backward: Mapping[str, str],
) -> dict[str, str]:
    """A STAR enum value as the DMS column, unless it already stands for the current one."""
    if name not in flat:
        return {}
    value = flat[name].strip().upper()
    if current is not None and forward.get(current.get(column, ""), "") == value:
        return {}
    if not value:
        return {}  # the enum is not written: the DMS keeps its value
    if value not in backward:
        allowed = ", ".join(sorted(backward))
        raise ApiError(422, f"{name}: '{flat[name]}' is not one of {allowed}", field=name)
    return {column: backward[value]}


def copy_fields(flat: Mapping[str, str], pairs: Mapping[str, str]) -> dict[str, str]:
    """STAR flat field -> DMS column, for the fields given."""
    return {column: flat[name] for name, column in pairs.items() if name in flat}


def id_column(adapter: Adapter) -> str:
    return {
        "customers": "customer_id",
        "inventory": "vin",
        "vehicles": "vehicle_id",
        "appointments": "appointment_id",
        "deals": "deal_number",
        "credit_authorizations": "credit_authorization_id",
    }[adapter.entity]


def no_problem(_value: str) -> str:
    return ""


def model_year(value: str) -> str:
    if not value or (value.isdigit() and 1900 <= int(value) <= 2100):
        return ""
    return f"'{value}' is not a model year"


def whole_number(value: str) -> str:
    return "" if not value or value.isdigit() else f"'{value}' is not a whole number"
