"""Errors of scheduling."""

from app.errors import RooftopError


class SchedulingError(RooftopError):
    """Something about scheduled runs a person can fix."""


class ScheduleError(SchedulingError):
    """A schedule cannot be understood (bad cron line, bad interval, bad times)."""
