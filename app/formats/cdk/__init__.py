"""CDK's JSON for the three APIs the ``cdk_fortellis`` connector speaks, as flat rows:
repair orders (``repair_orders``: Fortellis reads, CDK Drive writes), customers
(``customers``) and service vehicles (``vehicles``); ``interval`` writes and reads the
``dateTimeInterval`` filter and ``common.describe_error`` turns CDK's error body into
plain words. Pure: no network; the one clock is ``interval.since``'s "now" when the caller
gives none."""

from app.formats.cdk.common import CdkFormatError, describe_error
from app.formats.cdk.interval import IntervalError, date_time_interval, parse_interval

__all__ = [
    "CdkFormatError",
    "IntervalError",
    "date_time_interval",
    "describe_error",
    "parse_interval",
]
