"""Changed CDK customers, found the way CDK's published APIs allow.

CDK Drive's customer API has no "changed since" read and no paging, so a nightly full scan
is impossible (and the customers stream refuses one). What does change over time are
repair orders: ``customers_by_repair_orders`` reads the repair orders changed since the
cursor and fetches, once per chunk, each customer they name (by the owner of the VIN when
the RO carries no customer). A customer who changed without a repair order is not seen
here; CDK's change events or a DMS extract carry those.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

import pandas as pd

from app.connectors.streams import FieldKind, Stream, StreamField, StreamSpec

CHANGED_AT = "changed_at"  # when a repair order naming the customer was created: the cursor
NAME = "customers_by_repair_orders"


def following_spec(customers: StreamSpec) -> StreamSpec:
    """The customers spec, read-only, with the naming repair order's time as its cursor."""
    return dataclasses.replace(
        customers,
        name=NAME,
        fields=(
            *customers.fields,
            StreamField(
                CHANGED_AT,
                FieldKind.DATETIME,
                description="When a repair order naming this customer was created.",
            ),
        ),
        cursor_field=CHANGED_AT,
        writable=False,
        description="CDK Drive customers named by the repair orders changed since the last "
        "run (one fetch per customer): how changed customers are followed, since CDK's "
        "customer API has no 'changed since' read. A customer changed without a repair "
        "order is not seen here.",
    )


class CustomersByRepairOrders(Stream):
    """Customers named by changed repair orders (see the module docstring)."""

    def __init__(self, repair_orders: Stream, customers: Stream) -> None:
        self.repair_orders = repair_orders
        self.customers = customers
        self.spec = following_spec(customers.spec)

    def read(self, cursor: str | None = None) -> Iterator[pd.DataFrame]:
        seen: set[str] = set()  # a customer named by several chunks' ROs is fetched once
        for orders in self.repair_orders.read(cursor):
            ids = orders["customer_id"].astype(str)
            named = orders[(ids != "") & ~ids.isin(seen)]
            if not len(named):
                continue
            newest = named.groupby("customer_id")["created_at"].max().astype(str)
            seen.update(str(k) for k in newest.index)
            found = self.customers.fetch([str(k) for k in newest.index])
            if len(found):
                found[CHANGED_AT] = found["customer_id"].astype(str).map(newest).fillna("")
                yield found[self.spec.field_names()]

    def fetch(self, keys: Sequence[str]) -> pd.DataFrame:
        found = self.customers.fetch(keys)
        found[CHANGED_AT] = ""
        return found[self.spec.field_names()]
