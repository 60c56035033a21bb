from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from app.scheduling.errors import ScheduleError
from app.scheduling.schedule import Blackout, Schedule, describe_cron
from app.scheduling.schedules import ScheduleService
from app.services import audit
from app.services.schedule_preview import next_run
from app.store import Store

TZ = ZoneInfo("America/Detroit")
NOW = datetime(2026, 3, 10, 12, 34, tzinfo=TZ)


def test_plain_words() -> None:
    assert Schedule.from_json({"cron": "0 2 * * *"}).describe() == "Every night at 2:00"
    assert describe_cron("30 7 * * 1-5") == "Weekdays at 7:30"
    assert describe_cron("0 13 * * *") == "Every day at 13:00"
    assert Schedule.from_json({"interval_s": 900}).describe() == "Every 15 minutes"
    assert Schedule.from_json({"interval_s": 3600}).describe() == "Every hour"
    assert "minute" in describe_cron("*/10 * * * *").lower()
    s = Schedule("interval", interval_s=60, blackout=Blackout(time(9), time(18)))
    assert s.describe() == "Every minute, not 9:00–18:00"
    assert s.with_enabled(False).describe().startswith("Paused (every minute")
    assert Schedule().describe() == "Only when started by hand"


def test_next_five_runs_of_a_nightly_cron() -> None:
    runs = Schedule.from_json({"cron": "0 2 * * *"}).next_runs(5, now=NOW, tz=TZ)
    assert [r.strftime("%d %H:%M") for r in runs] == [
        "11 02:00", "12 02:00", "13 02:00", "14 02:00", "15 02:00",
    ]  # fmt: skip


def test_interval_runs_line_up_with_the_clock_and_skip_the_blackout() -> None:
    s = Schedule("interval", interval_s=15 * 60)
    assert [r.strftime("%H:%M") for r in s.next_runs(3, now=NOW, tz=TZ)] == [
        "12:45", "13:00", "13:15",
    ]  # fmt: skip
    heavy = Schedule("interval", interval_s=3600, blackout=Blackout(time(9), time(18)))
    runs = heavy.next_runs(5, now=NOW, tz=TZ)
    assert [r.strftime("%d %H:%M") for r in runs] == [
        "10 18:00", "10 19:00", "10 20:00", "10 21:00", "10 22:00",
    ]  # fmt: skip
    overnight = Schedule("interval", interval_s=3600, blackout=Blackout(time(22), time(6)))
    late = datetime(2026, 3, 10, 21, 30, tzinfo=TZ)
    assert [r.strftime("%d %H:%M") for r in overnight.next_runs(2, now=late, tz=TZ)] == [
        "11 06:00", "11 07:00",
    ]  # fmt: skip


def test_paused_or_manual_schedules_have_no_next_run() -> None:
    assert Schedule.from_json({"cron": "0 2 * * *", "enabled": False}).next_runs(5) == []
    assert Schedule().next_runs(5) == []


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"kind": "cron", "cron": "61 2 * * *"}, "not a valid schedule line"),
        ({"kind": "interval", "interval_s": 5}, "at most once a minute"),
        ({"kind": "cron", "cron": "0 2 * *"}, "not a valid schedule line"),
        ({"kind": "weekly"}, "Unknown schedule kind"),
    ],
)
def test_bad_schedules_say_what_is_wrong(data: dict[str, object], words: str) -> None:
    with pytest.raises(ScheduleError, match=words):
        Schedule.from_json(data).validate()
    with pytest.raises(ScheduleError, match="HH:MM"):
        Schedule.from_json({"cron": "0 2 * * *", "blackout": {"start": "9am", "end": "18:00"}})


def test_json_round_trip_keeps_unknown_keys() -> None:
    data = {"kind": "cron", "cron": "0 2 * * *", "enabled": False, "note": "x",
            "blackout": {"start": "09:00", "end": "18:00"}, "misfire_grace_s": 3600}  # fmt: skip
    assert Schedule.from_json(Schedule.from_json(data).to_json()).to_json() == data | {"note": "x"}


def test_saving_a_schedule_is_audited_and_validated(store: Store, memory_flow: str) -> None:
    service = ScheduleService(store)
    assert service.get(memory_flow).kind == "manual"
    service.save(memory_flow, Schedule("cron", cron="0 2 * * *"))
    assert service.get(memory_flow).describe() == "Every night at 2:00"
    with pytest.raises(ScheduleError):
        service.save(memory_flow, Schedule("cron", cron="nonsense"))
    assert service.get(memory_flow).cron == "0 2 * * *"  # the bad one lost nothing
    service.set_enabled(memory_flow, False)
    assert not service.get(memory_flow).is_scheduled
    entries = [e for e in audit.recent(store) if e.action == "save_schedule"]
    assert len(entries) == 2


@pytest.mark.parametrize(
    ("line", "weekdays"),
    [
        ("0 3 * * 0", {"Sun"}),
        ("0 3 * * 7", {"Sun"}),
        ("0 3 * * 1-5", {"Mon", "Tue", "Wed", "Thu", "Fri"}),
        ("0 3 * * 0,6", {"Sun", "Sat"}),
        ("0 3 * * 0-2", {"Sun", "Mon", "Tue"}),
        ("0 3 * * */2", {"Sun", "Tue", "Thu", "Sat"}),
        ("0 3 * * sat", {"Sat"}),
    ],
)
def test_cron_days_of_week_count_from_sunday_as_crontab_does(line: str, weekdays: set[str]) -> None:
    """APScheduler's from_crontab counts from Monday: "0 3 * * 0" ran on Mondays while
    the window said Sundays."""
    start = datetime(2026, 12, 1, tzinfo=UTC)
    runs = Schedule("cron", cron=line).next_runs(14, now=start, tz=UTC)
    assert {r.strftime("%a") for r in runs} == weekdays
    when = next_run({"cron": line}, None, now=start).when
    assert when is not None and when.strftime("%a") in weekdays
