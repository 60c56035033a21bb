from datetime import UTC, datetime, timedelta

from app.services import pii
from app.services.schedule_preview import next_run


def test_personal_fields_are_masked_and_others_kept() -> None:
    payload = {
        "customer_id": "C1",
        "first_name": "William",
        "last_name": "Collins",
        "email": "wcollins84@gmail.com",
        "mobile_phone": "(313) 612-8076",
        "address_line1": "12 Main St",
        "zip": "48201",
        "company_name": "Collins Plumbing",
        "vin": "1G4AH59H45G118341",
        "nested": {"home_phone": "313-555-0101"},
    }
    masked = pii.mask_payload(payload)
    assert masked is not None
    assert masked["first_name"] == "W•••" and masked["last_name"] == "C•••"
    assert masked["email"] == "w•••@gmail.com"
    assert masked["mobile_phone"] == "•••76" and masked["nested"]["home_phone"] == "•••01"
    assert masked["address_line1"] == "1•••" and masked["zip"] == "4•••"
    assert masked["customer_id"] == "C1" and masked["vin"] == payload["vin"]
    assert masked["company_name"] == "Collins Plumbing"
    assert pii.mask_name("William Collins") == "W••• C•••"
    text = pii.mask_text(
        "email: 'bob.smith@example.com' invalid; call +1 313 555 0101 on 2026-01-02"
    )
    assert "bob.smith" not in text and "555 0101" not in text and "2026-01-02" in text


def test_next_run_from_cron_and_interval() -> None:
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    daily = next_run({"cron": "0 2 * * *"}, None, now=now)
    assert daily.when is not None and daily.when > now and daily.describe == "daily at 02:00"
    assert daily.when - now <= timedelta(days=1)
    every = next_run({"interval_s": 900}, now - timedelta(minutes=5), now=now)
    assert every.when == now + timedelta(minutes=10) and every.describe == "every 15 min"
    late = next_run({"interval_s": 60}, now - timedelta(hours=1), now=now)
    assert late.due and late.when == now
    assert next_run({}, None, now=now).describe == "not scheduled"
    assert next_run({"cron": "not a cron"}, None, now=now).when is None
