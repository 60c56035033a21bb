"""Errors of the feed publisher."""

from app.errors import RooftopError


class FeedError(RooftopError):
    """A feed cannot be built or published (configuration, source, destination)."""


class FeedNotFoundError(FeedError):
    """No feed (or DMS connection) by that name."""
