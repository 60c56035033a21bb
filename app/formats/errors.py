"""Errors of the pure format codecs (ADF XML, CSV extracts, STAR REST JSON)."""

from app.errors import RooftopError


class FormatError(RooftopError):
    """A document or file cannot be understood; the message says why, for a person."""


class AdfError(FormatError):
    """Not an acceptable ADF lead document (malformed, hostile or empty)."""


class ExtractError(FormatError):
    """A CSV extract as a whole cannot be read (no header, no key column...)."""


class StarError(FormatError):
    """A STAR REST record, body or filter cannot be read or written (says which field)."""


class KlaviyoError(FormatError):
    """A Klaviyo JSON:API body, filter or value cannot be read or written (says which)."""
