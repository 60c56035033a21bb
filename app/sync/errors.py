"""Errors of the sync engine."""

from app.errors import RooftopError


class SyncError(RooftopError):
    """A run cannot start or cannot go on."""


class RunCancelledError(SyncError):
    """Someone pressed Cancel; the run stopped at a consistent point."""


class FlowBusyError(SyncError):
    """The flow is already running somewhere (this window, the service, the command line)."""


class SyncRunningError(SyncError):
    """Something that must not race a run (an erasure) was asked for while one runs."""
