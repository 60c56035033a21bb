"""Issue 23 item 8: the window speaks in words — no raw codes in the audit log, the sync
log's triggers or the wizard; notes not under a column headed "Error"; masking that treats
yes/no values alike; the cron box's problem in plain words; one chart legend, beside the
plots and not over them."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime
from pathlib import Path

from app.scheduling.schedule import Schedule
from app.services import pii
from app.store import Store
from app.store.dashboard_queries import ChartData
from app.ui.dialogs.schedule_dialog import ScheduleForm
from app.ui.models.audit_model import ACTION_LABELS, action_label, object_label
from app.ui.models.sync_log_models import RecordEventsTableModel, trigger_text
from app.ui.models.timeline_model import AttemptsTableModel
from app.ui.screens.dashboard_charts import ChartsWidget

APP = Path(__file__).resolve().parents[2] / "app"
PASS_ACTION = ("mappings.py", "profiles.py")  # app/services: action=... reaches the audit log
CODE = re.compile(r"^[a-z]+([_.][a-z]+)+$")  # set_mode, segment.save


def _audit_actions() -> set[str]:
    """Every action string the app writes to the audit log."""
    found: set[str] = set()
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
                and len(node.args) > 1
            ):
                for part in ast.walk(node.args[1]):
                    if isinstance(part, ast.Constant) and isinstance(part.value, str):
                        found.add(part.value)
            if (  # the two services that hand audit.record an ``action=`` of their callers'
                path.name in PASS_ACTION
                and isinstance(node, ast.keyword)
                and node.arg == "action"
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                found.add(node.value.value)
    return found


def test_every_audit_action_reads_as_words() -> None:
    actions = _audit_actions() - {"contact.", "option:"}  # f-string prefixes, below
    assert {"set_mode", "pin_refused", "merge_retry", "segment.save"} <= actions
    missing = sorted(a for a in actions if a not in ACTION_LABELS)
    assert not missing, f"audit actions shown as codes: {missing}"
    for kind in ("do_not_contact", "erasure"):
        assert "_" not in action_label(f"contact.{kind}")
    assert action_label("option:resend_unchanged") == "Changed the option resend unchanged"
    assert action_label("some_new_thing") == "Some new thing"  # never the code itself
    assert object_label("connection_profile") == "Connection"


def test_sync_log_triggers_read_as_words() -> None:
    triggers = set()
    for path in APP.rglob("*.py"):
        triggers |= set(re.findall(r'trigger="([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert "resync_range" in triggers
    for t in triggers:
        text = trigger_text(t, "alice")
        assert "_" not in text and not CODE.match(text), (t, text)
    assert trigger_text("resync_range", "alice") == "Date-range re-sync by alice"


def test_no_source_field_name_in_the_wizard_words() -> None:
    ui = "\n".join(p.read_text(encoding="utf-8") for p in (APP / "ui").rglob("*.py"))
    assert "cursor_field}" not in ui  # "(by updated_at)" in the new-flow wizard


def test_notes_are_not_under_a_column_headed_error(qapp, store: Store) -> None:  # type: ignore[no-untyped-def]
    events = RecordEventsTableModel(store).headers()
    attempts = AttemptsTableModel().headers()
    assert "Error" not in events and "Error" not in attempts
    assert "Details" in events and "Details" in attempts


def test_yes_no_values_are_never_masked_personal_values_always() -> None:
    masked = pii.mask_payload(
        {"opt_in_email": "Y", "email_opt_out": False, "sms_opt_out": "false",
         "first_name": "Yolanda", "email": "yo@example.com", "is_business": "N"}
    )  # fmt: skip
    assert masked is not None
    assert masked["opt_in_email"] == "Y" and masked["sms_opt_out"] == "false"
    assert masked["email_opt_out"] is False and masked["is_business"] == "N"
    assert masked["first_name"] == "Y•••" and masked["email"] == "y•••@example.com"


def test_the_cron_box_says_what_is_wrong_in_plain_words(qtbot) -> None:  # type: ignore[no-untyped-def]
    form = ScheduleForm(Schedule(kind="cron", cron="0 2 * * *"))
    qtbot.addWidget(form)
    for line, words in (
        ("61 2 * * *", "minute “61”"),
        ("0 25 * * *", "hour “25”"),
        ("0 2 * * 9", "day of the week “9”"),
        ("0 2 *", "five parts"),
    ):
        form.cron.setText(line)
        text = form.error.text()
        assert words in text, text
        for library in ("Error validating", "maximum value", "Wrong number of fields"):
            assert library not in text


def test_one_legend_under_the_charts_not_over_them(qtbot) -> None:  # type: ignore[no-untyped-def]
    charts = ChartsWidget()
    qtbot.addWidget(charts)
    days = [date(2026, 11, d) for d in range(1, 4)]
    charts.set_data(
        ChartData(
            days=days,
            records_by_flow={"Customers: DMS → CRM": [5, 0, 2], "Leads: CRM → DMS": [1, 1, 0]},
            failures=[0, 1, 0],
            durations=[
                (datetime(2026, 11, 1, 9, tzinfo=UTC), 3.0, "Leads: CRM → DMS"),
                (datetime(2026, 11, 2, 9, tzinfo=UTC), 4.0, "Customers: DMS → CRM"),
            ],
        )
    )
    for plot in (charts.records, charts.failures, charts.durations):
        assert plot.plotItem.legend is None  # nothing drawn over the bars
    text = charts.legend.text().replace("&nbsp;", " ")
    assert text.count("Customers: DMS → CRM") == 1 and text.count("Leads: CRM → DMS") == 1
    assert set(charts.colours) == {"Customers: DMS → CRM", "Leads: CRM → DMS"}
