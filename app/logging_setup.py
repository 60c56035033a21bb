"""Rotating log file in the data directory, with PII and secrets masked in every line."""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

log = logging.getLogger("app")

# Customer PII must never reach a log file. These patterns only mask text for logging;
# parsing and normalising real values is done with phonenumbers / email-validator.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w-])(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?![\w-])")
# 123-45-6789 / 123 45 6789: a social security number (the app never keeps one; a line
# that quotes one anyway, say in an error from a lender's system, is masked)
_SSN = re.compile(r"(?<![\d-])\d{3}([- ])\d{2}\1\d{4}(?![\d-])")
_BEARER = re.compile(
    r"(?i)(bearer\s+|api[_-]?key[\"'=:\s]+|secret[\"'=:\s]+|password[\"'=:\s]+)\S+"
)
_known_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str) -> None:
    """Mask this exact value in every later log line (for secrets read at run time)."""
    if value and len(value) >= 4:
        with _lock:
            _known_secrets.add(value)


def redact(text: str) -> str:
    """Mask e-mail addresses, phone numbers, social security numbers, tokens and known
    secret values."""
    with _lock:
        known = sorted(_known_secrets, key=len, reverse=True)
    for value in known:
        text = text.replace(value, "[secret]")
    text = _BEARER.sub(lambda m: m.group(1) + "[secret]", text)
    text = _EMAIL.sub("[email]", text)
    text = _SSN.sub("[ssn]", text)
    return _PHONE.sub("[phone]", text)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _LogFileHandler(logging.handlers.RotatingFileHandler):
    """The rotating log file; when the disk refuses a line (full, read-only), it says so
    once on stderr and stops writing, instead of a traceback per line."""

    failed = False

    def handleError(self, record: logging.LogRecord) -> None:
        exc = sys.exc_info()[1]
        if not isinstance(exc, OSError):
            super().handleError(record)
            return
        if not self.failed:
            self.failed = True
            print(
                f"Warning: the log file {self.baseFilename} cannot be written "
                f"({exc.strerror or exc}); log lines go to the screen only.",
                file=sys.stderr,
            )

    def emit(self, record: logging.LogRecord) -> None:
        if not self.failed:
            super().emit(record)


def setup_logging(
    log_file: Path, *, level: int = logging.INFO, console: bool = False
) -> str | None:
    """Send the app's logs to a rotating file (5 x 2 MB), optionally to stderr too.

    A log file that cannot be opened (a read-only or full data folder) never stops the
    app: warnings then go to stderr, and the reason is returned (None when all is well).
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_rooftop", False):
            root.removeHandler(handler)
            handler.close()
    fmt = RedactingFormatter("%(asctime)s %(levelname)-7s [%(threadName)s] %(name)s: %(message)s")
    problem: str | None = None
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file_handler = _LogFileHandler(
            log_file, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError as exc:
        problem = f"the log file {log_file} cannot be written ({exc.strerror or exc})"
        console = True
    else:
        file_handler.setFormatter(fmt)
        file_handler._rooftop = True  # type: ignore[attr-defined]
        root.addHandler(file_handler)
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(RedactingFormatter("%(levelname)s: %(message)s"))
        stream.setLevel(logging.WARNING)
        stream._rooftop = True  # type: ignore[attr-defined]
        root.addHandler(stream)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "uvicorn", "uvicorn.error"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return problem


CrashCallback = Callable[[str, str], None]


def install_crash_handler(on_crash: CrashCallback | None = None) -> None:
    """Log every uncaught exception (main thread and worker threads) with its traceback,
    then call ``on_crash(summary, redacted_traceback)`` — the UI shows a dialog there."""

    def handle(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        text = redact("".join(traceback.format_exception(exc_type, exc, tb)))
        log.critical("Unexpected error:\n%s", text)
        if on_crash is not None:
            on_crash(redact(f"{exc_type.__name__}: {exc}"), text)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            handle(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = handle
    threading.excepthook = thread_hook
