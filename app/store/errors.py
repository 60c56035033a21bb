"""Errors of the local store."""

from app.errors import RooftopError


class StoreError(RooftopError):
    """The local database cannot be opened, migrated or written."""


class NotFoundError(StoreError):
    """A row that was asked for by name or id does not exist."""


class DuplicateNameError(StoreError):
    """A name that must be unique is already taken."""
