import logging
import sys
import threading
from pathlib import Path

from app.logging_setup import install_crash_handler, redact, register_secret, setup_logging


def test_redact_masks_pii_and_secrets() -> None:
    register_secret("sk_live_abcdef123456")
    text = redact(
        "mail jane.doe@example.com phone (313) 555-0142 or +1 313-555-0143 "
        "key sk_live_abcdef123456 Authorization: Bearer eyJhbGciOi.x.y"
    )
    for leaked in ("jane.doe@example.com", "555-0142", "555-0143", "sk_live", "eyJhbGciOi"):
        assert leaked not in text
    assert "[email]" in text and "[phone]" in text and "[secret]" in text
    assert redact("VIN 1G4AH59H45G118341 stock N24123") == "VIN 1G4AH59H45G118341 stock N24123"


def test_redact_masks_social_security_numbers_not_other_numbers() -> None:
    text = redact("lender said applicant 123-45-6789 (also 987 65 4321) was declined")
    assert "123-45-6789" not in text and "987 65 4321" not in text
    assert text.count("[ssn]") == 2
    kept = "zip 48226-1234, deal D-20001, amount 123456789.00, date 2026-05-01"
    assert redact(kept) == kept


def test_log_file_rotates_and_never_holds_pii(tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "rooftop.log"
    setup_logging(log_file)
    logging.getLogger("app.test").warning("customer bob@example.com called 248-555-0199")
    for h in logging.getLogger().handlers:
        h.flush()
    content = log_file.read_text(encoding="utf-8")
    assert "customer [email] called [phone]" in content
    assert "bob@example.com" not in content
    assert any(
        isinstance(h, logging.handlers.RotatingFileHandler) for h in logging.getLogger().handlers
    )


def test_crash_handler_logs_traceback_and_reports(tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "rooftop.log"
    setup_logging(log_file)
    seen: list[tuple[str, str]] = []
    old_hook, old_thread_hook = sys.excepthook, threading.excepthook
    install_crash_handler(lambda summary, details: seen.append((summary, details)))
    try:
        try:
            raise ValueError("boom for alice@example.com")
        except ValueError:
            sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
        t = threading.Thread(target=lambda: 1 / 0)
        t.start()
        t.join()
    finally:
        sys.excepthook, threading.excepthook = old_hook, old_thread_hook
    assert [s for s, _ in seen] == [
        "ValueError: boom for [email]",
        "ZeroDivisionError: division by zero",
    ]
    assert "Traceback" in seen[0][1]
    for h in logging.getLogger().handlers:
        h.flush()
    content = log_file.read_text(encoding="utf-8")
    assert "Unexpected error" in content and "ZeroDivisionError" in content
    assert "alice@example.com" not in content
