"""The duplicates screen with a real SQLite store and a small generated dataset: review a
cluster, pick a surviving value, merge, unmerge; lazy paging; not-a-duplicate; the
thresholds widget's preview. Issue 23 item 6: at 1280x720 the surviving value is in view
and as stored, an Auto-link at 1.000 says why it still waits, merge times read as the rest
of the window, and the dashboard counts what the review queue counts."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox
from sqlalchemy import select

from app.connectors.crm_rest import CrmRestConnector
from app.matching.bands import Thresholds
from app.matching.survivorship import SourceRecord, propose
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.services.matching_queue import MatchingQueue, QueueFilter
from app.services.merging import MergeService, MergeView
from app.store import Store
from app.store.data_quality import QualityItem, QualityReport, data_quality
from app.store.matching_models import GoldenRecord
from app.store.models import Link
from app.ui.models import duplicates_model
from app.ui.models.duplicates_model import HistoryModel
from app.ui.models.sync_log_models import short_time
from app.ui.screens.dashboard_quality import QualityPanel
from app.ui.screens.duplicate_thresholds import ThresholdsWidget
from app.ui.screens.duplicates import DuplicatesScreen
from app.ui.screens.duplicates_cluster import _MIN_VALUE_WIDTH
from tests.support.matching import people_frames


@pytest.fixture
def filled(store: Store) -> Store:
    q = MatchingQueue(store)
    for system, label, kind, frame, key in people_frames(build_dataset(900, seed=8)):
        q.load_records(system, label, frame, key, kind=kind)
    q.scan()
    return store


@pytest.fixture
def screen(qtbot, filled: Store) -> DuplicatesScreen:  # type: ignore[no-untyped-def]
    w = DuplicatesScreen(filled)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitUntil(lambda: w.queue_tab.cluster_pane.detail is not None, timeout=15_000)
    return w


def links(store: Store) -> dict[tuple[str, str], str]:
    with store.session() as s:
        return {(lk.system, lk.external_id): lk.golden_id for lk in s.scalars(select(Link))}


def test_review_pick_merge_unmerge(
    qtbot, screen: DuplicatesScreen, filled: Store, answer_yes: list[str]
) -> None:  # type: ignore[no-untyped-def]
    queue, pane = screen.queue_tab, screen.queue_tab.cluster_pane
    detail = pane.detail
    assert detail is not None and len(detail.records) >= 2
    assert pane.compare.columnCount() == len(detail.records) + 2
    assert pane.reasons.text().startswith("•")

    # Pick the e-mail of the record that does not win it by the rules, by clicking its cell.
    row = pane.compare.fields.index("email") if "email" in pane.compare.fields else 0
    field = pane.compare.fields[row]
    current = pane.compare.golden.fields[field].source
    col = next(
        i for i, r in enumerate(detail.records) if str(r.id) != current and r.fields.get(field)
    )
    rect = pane.compare_view.visualRect(pane.compare.index(row, col))
    qtbot.mouseClick(pane.compare_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    chosen = detail.records[col]
    assert pane.overrides[field] == str(chosen.id)
    assert pane.compare.golden.fields[field].source == str(chosen.id)

    before = links(filled)
    total = queue.model.total
    qtbot.keyClick(screen, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)  # Merge
    qtbot.waitUntil(lambda: queue.model.total == total - 1, timeout=15_000)
    assert "Merge" in answer_yes[0] and "undo" in answer_yes[0]
    after = links(filled)
    golden_ids = {after[(r.system, r.external_id)] for r in detail.records}
    assert len(golden_ids) == 1
    with filled.session() as s:
        g = s.get(GoldenRecord, golden_ids.pop())
        assert g is not None
        assert g.fields[field].lower() == chosen.fields[field].strip().lower()

    screen.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: screen.history_tab.model.rowCount() == 1, timeout=15_000)
    screen.history_tab.view.selectRow(0)
    assert screen.history_tab.unmerge_button.isEnabled()
    qtbot.mouseClick(screen.history_tab.unmerge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            screen.history_tab.model.rowCount() == 1
            and screen.history_tab.model.row_at(0).status == "undone"
        ),
        timeout=15_000,
    )
    assert links(filled) == before
    assert "Undo the merge" in answer_yes[-1]


def test_not_a_duplicate_and_skip_shortcuts(qtbot, screen: DuplicatesScreen, filled: Store) -> None:  # type: ignore[no-untyped-def]
    queue, pane = screen.queue_tab, screen.queue_tab.cluster_pane
    total = queue.model.total
    first = pane.detail
    assert first is not None
    qtbot.keyClick(screen, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: queue.model.total == total - 1, timeout=15_000)
    qtbot.waitUntil(lambda: pane.detail is not None and pane.detail.id != first.id, timeout=15_000)
    second = pane.detail
    qtbot.keyClick(screen, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: queue.model.total == total - 2, timeout=15_000)
    q = MatchingQueue(filled)
    assert q.count(QueueFilter(status="not_duplicate")) == 1
    assert q.count(QueueFilter(status="skipped")) == 1
    assert second is not None


def test_queue_pages_lazily(qtbot, screen: DuplicatesScreen, monkeypatch: Any) -> None:  # type: ignore[no-untyped-def]
    queue = screen.queue_tab
    monkeypatch.setattr(duplicates_model, "PAGE", 25)
    queue.reload()
    qtbot.waitUntil(lambda: queue.model.rowCount() == 25, timeout=15_000)
    assert queue.model.total > 50
    assert queue.model.canFetchMore()
    queue.table.scrollToBottom()
    queue.model.fetchMore()
    qtbot.waitUntil(lambda: queue.model.rowCount() == 50, timeout=15_000)
    assert "of" in queue.count_label.text()


def test_band_filter_and_empty_state(qtbot, screen: DuplicatesScreen) -> None:  # type: ignore[no-untyped-def]
    queue = screen.queue_tab
    queue.search.setText("zzzz-nobody")
    qtbot.waitUntil(lambda: queue.queue_stack.currentWidget() is queue.empty, timeout=15_000)
    queue.search.setText("")
    queue.band_box.setCurrentIndex(2)  # Auto-link
    qtbot.waitUntil(
        lambda: queue.model.rowCount() > 0 and queue.model.row_at(0).band == "auto",
        timeout=15_000,
    )


def test_thresholds_widget_previews_moves(qtbot, filled: Store) -> None:  # type: ignore[no-untyped-def]
    w = ThresholdsWidget(filled)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.high.value() == pytest.approx(Thresholds().high), timeout=15_000)
    w.high.setValue(0.999)
    qtbot.waitUntil(lambda: "auto-link -> review" in w.preview_label.text(), timeout=15_000)
    w.low.setValue(0.9999)
    assert not w.save_button.isEnabled() and w.problem.text()
    w.low.setValue(0.5)
    assert w.save_button.isEnabled()
    with qtbot.waitSignal(w.saved, timeout=15_000):
        w.save()
    assert MatchingQueue(filled).thresholds().high == pytest.approx(0.999)


def test_a_big_cluster_scrolls_sideways_instead_of_eliding_values(  # type: ignore[no-untyped-def]
    qtbot, screen: DuplicatesScreen
) -> None:
    pane = screen.queue_tab.cluster_pane
    detail = pane.detail
    assert detail is not None
    n = len(detail.records)
    hh = pane.compare_view.horizontalHeader()
    pane._size_compare_columns(n, width=300)  # no room for every record side by side
    assert hh.sectionResizeMode(0) == hh.ResizeMode.Interactive
    assert all(hh.sectionSize(c) >= _MIN_VALUE_WIDTH for c in range(n + 1))
    pane._size_compare_columns(n, width=3000)  # room enough: the columns share the width
    assert hh.sectionResizeMode(0) == hh.ResizeMode.Stretch


def test_a_merge_the_crm_refuses_warns_at_once_and_is_partial_in_history(  # type: ignore[no-untyped-def]
    qtbot, store: Store, answer_yes: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two CRM contacts of one person; the second was deleted in the CRM meanwhile, so the
    CRM answers the merge with 404. The window says so when merging (a warning, not
    "Merged"), history shows the merge as partial with the CRM's reason, and Retry is
    offered (it stays partial while the CRM still refuses)."""
    warned: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", staticmethod(lambda _p, _t, text, *a, **k: warned.append(text))
    )
    ds = build_dataset(60, seed=9)
    with SandboxServers(ds, seed=9) as servers:
        info = servers.servers["crm"]
        crm = CrmRestConnector(
            {"base_url": info.url, "page_size": 50}, {"api_key": info.credentials["api_key"]}
        )
        try:
            contacts = ds["crm_contacts"].head(2).copy()
            same = ["first_name", "last_name", "email", "phone", "mobile", "street", "postal_code"]
            contacts.loc[contacts.index[1], same] = contacts.iloc[0][same].tolist()
            q = MatchingQueue(store)
            q.load_records("crm-uid", "Demo CRM", contacts, "contact_id", kind="crm_rest")
            assert q.scan() == 1
            for contact_id in contacts["contact_id"]:  # gone from the CRM: it answers 404
                servers.app("crm").store.contacts.delete(str(contact_id))
            service = MergeService(store, mergers=lambda s: crm if s == "crm-uid" else None)
            w = DuplicatesScreen(store, service=service)
            said: list[str] = []
            w.status_message.connect(said.append)
            qtbot.addWidget(w)
            w.resize(1280, 720)
            w.show()
            qtbot.waitUntil(lambda: w.queue_tab.cluster_pane.detail is not None, timeout=15_000)
            w.queue_tab.merge_current()
            qtbot.waitUntil(lambda: bool(warned), timeout=15_000)
            assert "not everywhere" in warned[0] and "Demo CRM" in warned[0]
            assert "HTTP 404" in warned[0]
            assert said[-1].startswith("Partly merged") and "Merged 2" not in said[-1]

            w.tabs.setCurrentIndex(1)
            history = w.history_tab
            qtbot.waitUntil(lambda: history.model.rowCount() == 1, timeout=15_000)
            cell = history.model.index(0, 4)
            assert history.model.data(cell) == "Partial — Demo CRM did not follow"
            assert "HTTP 404" in history.model.data(cell, Qt.ItemDataRole.ToolTipRole)
            assert "refused" in history.model.data(history.model.index(0, 5))
            assert history.retry_button.isVisibleTo(history)
            history.view.selectRow(0)
            assert history.retry_button.isEnabled() and history.unmerge_button.isEnabled()
            assert history.detail.isVisibleTo(history) and "HTTP 404" in history.detail.text()
            count = len(warned)
            history.retry_selected()
            qtbot.waitUntil(lambda: len(warned) > count, timeout=15_000)  # still refused
            assert "still partial" in warned[-1]
            qtbot.waitUntil(
                lambda: (
                    history.model.rowCount() == 1
                    and history.model.row_at(0).propagation["Demo CRM"].get("attempts") == 2
                ),
                timeout=15_000,
            )
            assert history.model.row_at(0).partial
        finally:
            crm.close()


# --- issue 23 item 6 ------------------------------------------------------------
RAIL, FRAME = 210, 60  # the navigation rail; the menu and status bars


def test_the_keeps_column_is_in_view_at_1280x720_for_the_biggest_cluster(  # type: ignore[no-untyped-def]
    qtbot, screen: DuplicatesScreen
) -> None:
    screen.resize(1280 - RAIL, 720 - FRAME)
    tab, pane = screen.queue_tab, screen.queue_tab.cluster_pane
    rows = tab.queue.page(QueueFilter(), 0, 500)
    biggest = max(rows, key=lambda r: r.size)
    assert biggest.size >= 3
    pane.show_cluster(tab.service.detail(biggest.id))
    qtbot.wait(50)
    keeps = len(pane.compare.records)
    assert pane.compare.headerData(keeps, Qt.Orientation.Horizontal, 0) == "Keeps"
    rect = pane.compare_view.visualRect(pane.compare.index(0, keeps))
    assert not rect.isEmpty()
    assert pane.compare_view.viewport().rect().contains(rect)


def _rec(key: str, kind: str, street: str, when: str) -> SourceRecord:
    fields = {"first_name": "Ann", "last_name": "Lee", "street": street, "city": "Detroit",
              "state": "MI", "zip": "48201"}  # fmt: skip
    return SourceRecord(key, kind, kind.upper(), key, fields, when)


def test_the_kept_street_is_shown_as_stored_not_re_cased() -> None:
    golden = propose([_rec("1", "dms", "1093 Spring Dr", "2026-01-02"),
                      _rec("2", "crm", "1093 SPRING DRIVE", "2026-01-03")])  # fmt: skip
    assert golden.fields["street"].value == "1093 Spring Dr"
    shouting = propose([_rec("1", "dms", "1093 spring drive", "2026-01-02")])
    assert shouting.fields["street"].value == "1093 SPRING DR"  # no case to keep: USPS form


def test_an_auto_link_at_1000_says_why_it_still_waits(qtbot, screen: DuplicatesScreen) -> None:  # type: ignore[no-untyped-def]
    pane = screen.queue_tab.cluster_pane
    detail = pane.detail
    assert detail is not None and detail.band == "auto"
    note = pane.band_note.text()
    assert note.startswith("Auto-link") and "1.000" in note
    assert "Nothing is merged on its own" in note and "waits for you" in note
    assert pane.band_note.isVisibleTo(screen)


def test_merge_history_shows_local_time_like_the_sync_log(
    qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TZ", "America/Chicago")
    time.tzset()
    try:
        at = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
        model = HistoryModel()
        model.set_rows([MergeView(1, "g1", "Ann Lee", at, "admin", "merged", 2, {}, None)])
        shown = model.data(model.index(0, 0))
        assert shown == short_time(at)
        assert "14:00" in shown and "UTC" not in shown and "CST" not in shown
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_the_dashboard_counts_possible_duplicates_as_the_queue_does(qtbot, filled: Store) -> None:  # type: ignore[no-untyped-def]
    with filled.session() as s:
        report = data_quality(s)
    waiting = MatchingQueue(filled).count(QueueFilter())
    assert next(i for i in report.items if i.key == "duplicates").count == waiting
    panel = QualityPanel()
    qtbot.addWidget(panel)
    panel.set_report(
        QualityReport(customers=900, items=[QualityItem("duplicates", "Duplicates", waiting, 900)])
    )
    text = panel.findChild(QLabel, "quality_duplicates").text()
    assert text == f"{waiting:,} to review" and "pair" not in text
