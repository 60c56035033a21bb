"""Errors of the service layer."""

from app.errors import RooftopError
from app.store.errors import NotFoundError


class ValidationError(RooftopError):
    """Input that a person must correct; ``problems`` maps field names to messages."""

    def __init__(self, message: str, problems: dict[str, str] | None = None) -> None:
        self.problems = problems or {}
        detail = "; ".join(f"{k}: {v}" for k, v in self.problems.items())
        super().__init__(message, hint=detail)


class ImportFileError(RooftopError):
    """A profiles file that cannot be read or is not in our format."""


class AccessDeniedError(RooftopError):
    """A wrong admin PIN, or no PIN set yet."""


class FlowNotFoundError(NotFoundError):
    """No flow with that id or name."""


class FlowHasParkedError(ValidationError):
    """A flow cannot be deleted while records wait in its retry queue."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint
