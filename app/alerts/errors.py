"""Errors of the alerts."""

from app.errors import RooftopError


class AlertError(RooftopError):
    """Something about alerts a person can fix."""


class AlertSettingsError(AlertError):
    """Alert settings that cannot be saved as given (the message lists every problem)."""


class AlertDeliveryError(AlertError):
    """An alert channel (e-mail, Teams, Slack) did not take the message."""
