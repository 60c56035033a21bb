"""The STAR customers domain over the DMS's customers: the DMS's own columns, the key
always the DMS number (deals refer to customers by it; a creator's key only finds the
customer again).
"""

from __future__ import annotations

from collections.abc import Mapping

from app.formats import star
from app.sandbox.schema import TABLES
from app.sandbox.servers.dataset import Record
from app.sandbox.servers.dms_checks import CUSTOMER_CHECKS
from app.sandbox.servers.star_adapter import Adapter

CUSTOMER_READ_ONLY = ("customer_id", "created_at", "updated_at")


def customers_adapter() -> Adapter:
    writable = [c for c in TABLES["dms_customers"] if c not in CUSTOMER_READ_ONLY]

    names = star.domain("customers").field_names

    def to_flat(r: Record) -> dict[str, str]:
        flat = {n: r.get(n, "") for n in names}
        flat["customer_key"] = r["customer_id"]  # the DMS's number, whoever made it
        return flat

    def to_dms(flat: Mapping[str, str], _current: Record | None) -> dict[str, str]:
        return {c: flat[c] for c in writable if c in flat}

    adapter = Adapter(
        "customers", "customers", to_flat, to_dms, CUSTOMER_CHECKS, shows_client_key=False
    )
    return adapter
