"""Errors of the segments feature."""

from __future__ import annotations

from app.errors import RooftopError


class SegmentError(RooftopError):
    """A segment, its data or its list sync cannot be used as asked (readable words)."""
