"""Errors raised by connectors."""

from app.errors import RooftopError


class ConnectorError(RooftopError):
    """A connector cannot do what was asked (bad settings, unreachable system...)."""


class UnknownConnectorKindError(ConnectorError):
    """A profile names a connector kind this build does not have."""


class AuthError(ConnectorError):
    """The system refused our credentials."""


class DeliveryError(ConnectorError):
    """A request could not be completed even after retries (network, 5xx, throttling).
    ``last_status`` is the HTTP status of the last answer, None when there was none."""

    last_status: int | None = None


class AmbiguousRequestError(DeliveryError):
    """A request that must not be sent twice failed in a way that leaves unknown whether
    the server did it (no answer, a dropped connection, a 5xx)."""


class ServerRefusedError(ConnectorError):
    """The system answered, with an error (a refused read, a 4xx or 5xx it gave)."""


class UnknownStreamError(ConnectorError):
    """The connection has no stream of that name."""


class NotFilterableError(ConnectorError):
    """A stream that cannot be asked for records changed since a time was asked so."""
