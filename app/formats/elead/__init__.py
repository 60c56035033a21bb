"""Elead (CDK's dealer CRM) JSON as flat rows, for the ``elead_crm`` connector: customers
(``customers``: the *Elead Sales Customers* API) and sales opportunities with their
vehicles sought, trade-ins, sales team and the bodies of their sub-operations
(``opportunities``: *Elead Sales Opportunities*); ``common.describe_error`` turns Elead's
error body into plain words. Pure: no network, no clock."""

from app.formats.elead.common import EleadFormatError, describe_error

__all__ = ["EleadFormatError", "describe_error"]
