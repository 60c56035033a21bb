"""Errors raised by connectors."""

from app.errors import RooftopError


class ConnectorError(RooftopError):
    """A connector cannot do what was asked (bad settings, unreachable system...)."""


class UnknownConnectorKindError(ConnectorError):
    """A profile names a connector kind this build does not have."""


class AuthError(ConnectorError):
    """The system refused our credentials."""


class DeliveryError(ConnectorError):
    """A request could not be completed even after retries (network, 5xx, throttling)."""


class AmbiguousRequestError(DeliveryError):
    """A request that must not be sent twice failed in a way that leaves unknown whether
    the server did it (no answer, a dropped connection, a 5xx)."""
