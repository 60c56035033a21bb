"""Root of every error Rooftop Sync raises on purpose.

A ``RooftopError`` is something a person can fix (configuration, credentials, network);
its message is written for them. Anything else is a bug and goes to the crash handler.
"""


class RooftopError(Exception):
    """An error whose message can be shown to a dealership IT admin as it is."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class ConfigError(RooftopError):
    """Bad or missing configuration (a profile, a setting, a command-line option)."""
