"""The Sync Log screen against real engine runs (memory systems) in a real SQLite store:
filters, search, lazy paging, the record story, replay, masking, export."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.store import Store
from app.store.models import AuditEntry, ParkedRecord
from app.ui.dialogs.replay_edit import ReplayEditDialog
from app.ui.models.sync_log_models import RecordEventsTableModel
from app.ui.screens.sync_log import SyncLogScreen
from app.ui.theme import apply_theme
from tests.support.memory_connector import World
from tests.support.synclog import BLOCKED, FLOW, run_with_one_reject

pytestmark = pytest.mark.usefixtures("synclog_memory")


@pytest.fixture
def logged(store: Store) -> Store:
    run_with_one_reject(store, World, FLOW)
    return store


def _screen(qtbot, store: Store, *, admin: bool = False) -> SyncLogScreen:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    apply_theme(QApplication.instance())  # type: ignore[arg-type]
    screen = SyncLogScreen(store, admin=admin)
    qtbot.addWidget(screen)
    screen.resize(1070, 800)
    screen.show()
    _settle(qtbot, screen)
    return screen


def _settle(qtbot, screen: SyncLogScreen) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(
        lambda: not screen.events_model.loading and not screen.runs_model.loading, timeout=10000
    )


def _keys(screen: SyncLogScreen) -> list[str]:
    return [r.record_key for r in screen.events_model.rows]


def _select_key(screen: SyncLogScreen, key: str) -> None:
    row = _keys(screen).index(key)
    screen.events_table.selectRow(row)


def test_filters_search_and_run_scope(qtbot, logged: Store) -> None:  # type: ignore[no-untyped-def]
    screen = _screen(qtbot, logged)
    assert screen.runs_model.rowCount() == 1 and len(_keys(screen)) == 5
    qtbot.waitUntil(lambda: "5 events" in screen.count_label.text(), timeout=5000)
    run = screen.runs_model.row_at(0)
    assert screen.runs_model.data(screen.runs_model.index(0, 4)) == "Completed with 1 error"
    assert screen.runs_model.data(screen.runs_model.index(0, 1)) == "Manual by jsmith"
    assert run.counts["parked"] == 1

    screen.filters.status.setCurrentIndex(1)  # problems: parked or failed
    _settle(qtbot, screen)
    assert _keys(screen) == ["C00002"]
    assert "in retry queue" in screen.events_model.data(screen.events_model.index(0, 4))

    screen.filters.reset()
    screen.filters.search.setText("(313) 555-0004")
    qtbot.waitUntil(lambda: _keys(screen) == ["C00004"], timeout=5000)
    screen.filters.search.setText("nobody at all")
    screen.filters._now()
    _settle(qtbot, screen)
    assert screen.events_stack.currentWidget() is screen.events_empty

    screen.filters.reset()
    _settle(qtbot, screen)
    screen.runs_table.selectRow(0)
    _settle(qtbot, screen)
    assert len(_keys(screen)) == 5 and f"run {run.id}" in screen.scope_label.text()
    screen.clear_scope.click()
    _settle(qtbot, screen)
    assert screen.scope_label.isHidden()


def test_events_page_lazily(qtbot, logged: Store) -> None:  # type: ignore[no-untyped-def]
    model = RecordEventsTableModel(logged, page_size=2)
    model.reload()
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=5000)
    assert model.canFetchMore()
    model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == 4, timeout=5000)
    model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == 5, timeout=5000)
    assert not model.canFetchMore()
    keys = [r.record_key for r in model.rows]
    assert len(set(keys)) == 5
    # a view pulls further pages by itself as it needs rows (scrolling)
    screen = _screen(qtbot, logged)
    screen.events_model.page_size = 1
    screen.events_model.reload()
    qtbot.waitUntil(lambda: screen.events_model.rowCount() == 5, timeout=5000)


def test_replay_selected_parked_record_links_to_the_original(
    qtbot,
    logged: Store,
) -> None:  # type: ignore[no-untyped-def]
    screen = _screen(qtbot, logged)
    _select_key(screen, "C00002")
    assert screen.replay_button.isEnabled()
    World.reject_if = {}  # the destination accepts it now
    screen.replay_selected(confirm=False)
    qtbot.waitUntil(lambda: "1 delivered" in screen.result_label.text(), timeout=10000)
    _settle(qtbot, screen)
    original = next(r for r in screen.events_model.rows if r.status == "parked")
    assert original.error and "block list" in original.error  # the original error stays
    assert original.replay_status == "delivered" and not original.in_queue
    replay = next(r for r in screen.events_model.rows if r.replay_of == original.id)
    assert replay.status == "delivered"
    assert screen.runs_model.rowCount() == 2
    assert "replay" in screen.runs_model.data(screen.runs_model.index(0, 1)).lower()


def test_a_replay_the_destination_still_refuses_is_shown_as_an_error(  # type: ignore[no-untyped-def]
    qtbot, logged: Store
) -> None:
    screen = _screen(qtbot, logged)
    _select_key(screen, "C00002")
    screen.replay_selected(confirm=False)  # the block list still refuses it
    qtbot.waitUntil(lambda: "Not delivered" in screen.result_label.text(), timeout=10000)
    assert "still failing and kept in the retry queue" in screen.result_label.text()
    assert "1 delivered" not in screen.result_label.text()
    from app.ui.theme import Status, status_colour

    assert status_colour(Status.ERROR).name() in screen.result_label.styleSheet()
    _settle(qtbot, screen)
    queued = [r for r in screen.events_model.rows if r.record_key == "C00002" and r.in_queue]
    assert queued, "the record left the retry queue"
    with logged.session() as s:
        assert s.scalars(select(ParkedRecord)).one().status == "open"


def test_personal_data_is_masked_and_reveal_is_audited(qtbot, logged: Store) -> None:  # type: ignore[no-untyped-def]
    plain = _screen(qtbot, logged)
    row = _keys(plain).index("C00002")
    assert plain.events_model.data(plain.events_model.index(row, 3)) == "f••• l•••"
    assert BLOCKED not in plain.events_model.data(plain.events_model.index(row, 5))
    assert plain.reveal_button.isHidden() and plain.edit_replay_button.isHidden()

    admin = _screen(qtbot, logged, admin=True)
    admin.reveal_button.click()
    assert admin.events_model.data(admin.events_model.index(row, 3)) == "first2 last2"
    assert BLOCKED in admin.events_model.data(admin.events_model.index(row, 5))

    def audited() -> bool:
        with logged.session() as s:
            return bool(
                s.scalars(
                    select(AuditEntry).where(AuditEntry.action == "reveal_personal_data")
                ).all()
            )

    qtbot.waitUntil(audited, timeout=5000)


def test_record_story_shows_attempts_and_masked_payloads(qtbot, logged: Store) -> None:  # type: ignore[no-untyped-def]
    screen = _screen(qtbot, logged, admin=True)
    _select_key(screen, "C00002")
    dialog = screen.open_story()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=5000)
    qtbot.waitUntil(lambda: "Loading" not in dialog.source_view.toPlainText(), timeout=5000)
    assert "C00002" in dialog.title.text() and "f•••" in dialog.title.text()
    assert "Waiting in the retry queue" in dialog.queue_label.text()
    assert "b•••@example.com" in dialog.source_view.toPlainText()
    assert BLOCKED not in dialog.source_view.toPlainText()
    assert "mapping v1" in dialog.tabs.tabText(1)
    assert "external_id" in dialog.mapped_view.toPlainText()
    assert "block list" in dialog.error_label.text()
    dialog.show_personal_data()
    assert BLOCKED in dialog.source_view.toPlainText()


def test_edit_and_replay_needs_a_reason_and_is_audited(
    qtbot,
    logged: Store,
) -> None:  # type: ignore[no-untyped-def]
    screen = _screen(qtbot, logged, admin=True)
    _select_key(screen, "C00002")
    dialog = screen.edit_and_replay()
    assert isinstance(dialog, ReplayEditDialog)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.parked is not None, timeout=5000)
    assert BLOCKED in dialog.editor.toPlainText()
    assert not dialog.ok.isEnabled() and dialog.reason_error.text()
    dialog.editor.setPlainText(dialog.editor.toPlainText().replace(BLOCKED, "ok2@example.com"))
    assert not dialog.ok.isEnabled()  # still no reason
    dialog.reason.setText("Customer gave a new e-mail address by phone")
    assert dialog.ok.isEnabled()
    dialog.editor.setPlainText("{ not json")
    assert not dialog.ok.isEnabled() and "Not valid JSON" in dialog.json_error.text()
    dialog.editor.setPlainText(
        '{"customer_id": "C00002", "first_name": "first2", "last_name": "last2", '
        '"email": "ok2@example.com", "mobile_phone": "(313) 555-0002", '
        '"updated_at": "2026-01-01T00:00:02Z"}'
    )
    messages: list[tuple[str, bool]] = []
    dialog.replayed.connect(lambda text, delivered: messages.append((text, delivered)))
    dialog.save_and_replay(confirm=False)
    qtbot.waitUntil(lambda: bool(messages), timeout=10000)
    assert messages[0][1] and messages[0][0].endswith("edited payload: delivered.")
    assert any(r.get("email") == "ok2@example.com" for r in World.sink.values())
    with logged.session() as s:
        parked = s.scalars(select(ParkedRecord)).one()
        assert parked.status == "resolved"
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "edit_payload")).one()
        assert entry.diff["reason"] == "Customer gave a new e-mail address by phone"
        assert "email" in entry.diff["changes"]
        assert "ok2@example.com" not in str(entry.diff)  # personal values masked


@pytest.fixture
def out_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "exports"
    folder.mkdir()
    yield folder


def test_export_the_filtered_view_to_csv_and_excel(qtbot, logged: Store, out_dir: Path) -> None:  # type: ignore[no-untyped-def]
    screen = _screen(qtbot, logged)
    screen.filters.status.setCurrentIndex(4)  # delivered only
    _settle(qtbot, screen)
    screen.export(".csv", str(out_dir / "log.csv"))
    qtbot.waitUntil(lambda: "Exported 4" in screen.result_label.text(), timeout=10000)
    with (out_dir / "log.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["Event id", "When (UTC)", "Flow"] and len(rows) == 5
    assert {r[7] for r in rows[1:]} == {"delivered"}
    assert all("•••" in r[5] for r in rows[1:])  # names masked
    screen.export(".xlsx", str(out_dir / "log.xlsx"))
    qtbot.waitUntil(lambda: "log.xlsx" in screen.result_label.text(), timeout=10000)
    sheet = load_workbook(out_dir / "log.xlsx", read_only=True)["Sync log"]
    values = list(sheet.values)
    assert values[0][0] == "Event id" and len(values) == 5
