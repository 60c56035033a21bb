"""Errors of the matching package."""

from __future__ import annotations

from app.errors import RooftopError


class MatchingError(RooftopError):
    """Matching cannot run on this input (no usable columns, bad option...)."""
