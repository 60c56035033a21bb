"""``bundle-check``: exercise every piece that is loaded by name at run time.

PyInstaller only sees ``import`` statements. Libraries that pick modules or data files at
run time (phone-number metadata per region, the address parser's model, APScheduler's
entry points, keyring back-ends, uvicorn's loop and protocol, translations, time zones)
work from source and can still be missing from a frozen build. This command proves,
inside the installed copy, that each of them loads and gives the right answer.
The window's pieces (Qt plugins, icon fonts) are covered by ``self-test``.
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable
from typing import Any

from app.cli.context import CliContext


def _noop() -> None:
    """A job for the scheduler check (job stores keep a reference to it, by name)."""


def _phone_numbers() -> str:
    import phonenumbers

    samples = {"US": "(312) 555-0142", "CA": "416-555-0199", "MX": "55 1234 5678"}
    samples |= {"GB": "020 7946 0958", "DE": "030 901820"}
    out = []
    for region, number in samples.items():
        parsed = phonenumbers.parse(number, region)
        assert phonenumbers.is_possible_number(parsed), region
        out.append(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
    return ", ".join(out)


def _email() -> str:
    from email_validator import validate_email

    return validate_email("Sales@Example-Motors.com", check_deliverability=False).normalized


def _names() -> str:
    from nameparser import HumanName

    name = HumanName("Dr. Juan Q. Xavier de la Vega III")
    assert name.last == "de la Vega", name.last
    return f"last name '{name.last}'"


def _address_model() -> str:
    import usaddress

    _parts, kind = usaddress.tag("123 Main St Suite 4, Springfield, IL 62704")
    assert kind == "Street Address", kind
    return "usaddr.crfsuite model loaded"


def _address_normalise() -> str:
    from scourgify import normalize_address_record

    record = normalize_address_record("123 North Main Street Suite 4, Springfield, IL 62704")
    assert record["postal_code"] == "62704", record
    return str(record["address_line_1"])


def _vin() -> str:
    from vininfo import Vin

    vin = Vin("1G4AH59H45G118341")
    assert vin.verify_checksum()
    return f"{vin.manufacturer} {vin.years[0]}"


def _cron_text() -> str:
    from cron_descriptor import get_description

    return get_description("*/15 7-20 * * 1-6")


def _scheduler() -> str:
    import tempfile
    from pathlib import Path

    from apscheduler.schedulers.background import BackgroundScheduler

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'jobs.db'}"
        # string aliases resolve through entry points, the path a frozen build tends to break
        scheduler = BackgroundScheduler(
            jobstores={"default": {"type": "sqlalchemy", "url": url}},
            executors={"default": {"type": "threadpool", "max_workers": 1}},
        )
        scheduler.start(paused=True)
        try:
            for trigger, kwargs in (
                ("interval", {"minutes": 15}),
                ("cron", {"hour": 2}),
                ("date", {"run_date": "2099-01-01 00:00:00"}),
            ):
                scheduler.add_job(_noop, trigger, id=trigger, **kwargs)
            jobs = sorted(job.id for job in scheduler.get_jobs())
        finally:
            scheduler.shutdown(wait=False)
            scheduler._jobstores["default"].engine.dispose()  # release the file (Windows)
    return f"jobs {', '.join(jobs)} in a SQLAlchemy job store"


def _keyring_backends() -> str:
    import importlib
    import sys

    import keyring.backend

    # the back-end this OS uses must import by name (PYTHON_KEYRING_BACKEND does just that)
    wanted = "Windows" if sys.platform == "win32" else "SecretService"
    if sys.platform == "darwin":
        wanted = "macOS"
    module = importlib.import_module(f"keyring.backends.{wanted}")
    assert hasattr(module, "Keyring"), module
    usable = sorted(
        type(b).__module__.rsplit(".", 1)[-1] for b in keyring.backend.get_all_keyring()
    )
    return f"{wanted} back-end present; usable now: {', '.join(usable)}"


def _web_server() -> str:
    import uvicorn

    async def app(scope: Any, receive: Any, send: Any) -> None:  # pragma: no cover
        raise NotImplementedError

    config = uvicorn.Config(app, http="auto", ws="none", loop="auto", lifespan="off")
    config.load()
    return f"{config.http_protocol_class.__name__}"


def _time_zones() -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("America/Chicago")
    return datetime(2024, 7, 1, 12, tzinfo=zone).strftime("%Z")


def _spreadsheets() -> str:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["VIN", "Price"])
    buf = io.BytesIO()
    book.save(buf)
    buf.seek(0)
    assert openpyxl.load_workbook(buf).active["A1"].value == "VIN"
    return "write and read an .xlsx"


def _sftp() -> str:
    import paramiko

    key = paramiko.Ed25519Key.generate() if hasattr(paramiko.Ed25519Key, "generate") else None
    return f"paramiko {paramiko.__version__}" + (" (key generated)" if key else "")


def _fuzzy() -> str:
    from rapidfuzz import fuzz, process

    scores = process.cdist(["Jon Smith"], ["John Smith", "Jane Doe"], scorer=fuzz.ratio)
    assert scores[0][0] > scores[0][1]
    return "cdist ok"


def _resources() -> str:
    from app.resources import resource

    icon = resource("icons", "rooftop.png")
    assert icon.is_file(), f"{icon} is missing"
    return str(icon.parent)


CHECKS: list[tuple[str, Callable[[], str]]] = [
    ("Phone numbers (per-region metadata)", _phone_numbers),
    ("E-mail addresses", _email),
    ("Names", _names),
    ("Address parser model", _address_model),
    ("Address normalising", _address_normalise),
    ("VIN decoding", _vin),
    ("Schedule descriptions", _cron_text),
    ("Scheduler (triggers, executor, job store)", _scheduler),
    ("Keyring back-ends", _keyring_backends),
    ("Web server for the demo and webhooks", _web_server),
    ("Time zones", _time_zones),
    ("Excel files", _spreadsheets),
    ("SFTP", _sftp),
    ("Fuzzy matching", _fuzzy),
    ("App resources", _resources),
]


def register(p: argparse.ArgumentParser) -> None:
    """Add this command's arguments to its parser."""
    p.set_defaults(handler=run)


def run_checks() -> list[tuple[str, bool, str]]:
    results = []
    for label, check in CHECKS:
        try:
            results.append((label, True, check()))
        except Exception as exc:  # noqa: BLE001 — every failure is reported, none stops the rest
            results.append((label, False, f"{type(exc).__name__}: {exc}"))
    return results


def run(_ctx: CliContext) -> int:
    results = run_checks()
    for label, ok, detail in results:
        print(f"  {'ok  ' if ok else 'FAIL'}  {label}: {detail}")
    failed = sum(1 for _label, ok, _detail in results if not ok)
    print("Bundle check passed." if not failed else f"Bundle check failed: {failed} check(s).")
    return 0 if not failed else 1
