"""The Elead CRM connector's streams, built together (the opportunities stream finds
its customers through the customers stream, the additions find their opportunity
through it): ``customers`` (``elead_crm_customers``), ``opportunities``
(``elead_crm_opportunities``), ``opportunity_trade_ins``, ``opportunity_vehicles_sought``
and ``opportunity_comments`` (``elead_crm_additions``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.connectors import elead_crm_specs as specs
from app.connectors.elead_crm_additions import CommentStream, TradeInStream, VehicleSoughtStream
from app.connectors.elead_crm_answers import Clock
from app.connectors.elead_crm_customers import CustomerStream
from app.connectors.elead_crm_opportunities import OpportunityStream
from app.connectors.rest.stream import Api, RestStream


def build_streams(
    customers_api: Api,
    opportunities_api: Api,
    *,
    page_size: int,
    history_start: datetime,
    owned_vehicles_on_read: bool = False,
    customers_on_read: bool = False,
    clock: Clock = lambda: datetime.now(UTC),
) -> dict[str, RestStream]:
    customer = CustomerStream(
        customers_api, page_size=page_size, owned_vehicles_on_read=owned_vehicles_on_read
    )
    opportunity = OpportunityStream(
        opportunities_api,
        page_size=page_size,
        history_start=history_start,
        clock=clock,
        customers_from=customer if customers_on_read else None,
    )
    out: list[RestStream] = [
        customer,
        opportunity,
        TradeInStream(specs.TRADE_INS, opportunities_api, opportunity),
        VehicleSoughtStream(specs.VEHICLES_SOUGHT, opportunities_api, opportunity),
        CommentStream(opportunities_api),
    ]
    return {s.spec.name: s for s in out}
