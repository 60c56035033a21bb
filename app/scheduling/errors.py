"""Errors of scheduling, run locks and alerts."""

from app.errors import RooftopError


class SchedulingError(RooftopError):
    """A schedule, alert setting or PIN is not usable as given."""


class ScheduleError(SchedulingError):
    """A schedule cannot be understood (bad cron line, bad interval, bad times)."""


class AlertDeliveryError(SchedulingError):
    """An alert channel (e-mail, Teams, Slack) did not take the message."""


class AccessDeniedError(SchedulingError):
    """A wrong admin PIN, or no PIN set yet."""
