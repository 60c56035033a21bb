"""Settings → Privacy: an admin finds a person, sees the dry run, exports, erases after a
confirmation while the window keeps answering, and reads the register; a manager does
not get to any of it; a running sync or a Cancel erases nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import func, select

from app import secrets
from app.services.access import LOCKOUT_FIELD, PIN_FIELD, PIN_OWNER, AccessService
from app.services.flows import FlowService
from app.services.privacy import erase as real_erase
from app.store import Store
from app.store.models import RecordIndex
from app.store.privacy_models import PrivacyRequest, Tombstone
from app.sync.engine import SyncEngine
from app.sync.locks import flow_lock
from app.sync.search import SearchHit
from app.ui.manager_mode import AccessController
from app.ui.models.privacy_models import people
from app.ui.screens import privacy as privacy_screen
from app.ui.screens.privacy import PrivacyWidget
from tests.support.memory_connector import World
from tests.support.memory_flow import customer

ERIN = {"first_name": "Erin", "last_name": "Quibbleworth", "email": "erin.q@example.org"}
WAIT = 20000


@pytest.fixture
def synced(store: Store, memory_flow: str, world: type[World]) -> str:
    world.source = [customer(1), customer(2, mobile_phone="(313) 555-0199", **ERIN)]
    world.reject_if = {}
    assert SyncEngine(store).run(memory_flow).status == "succeeded"
    return memory_flow


def _count(store: Store, model: Any, *where: Any) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _erin_indexed(store: Store) -> int:
    return _count(store, RecordIndex, RecordIndex.email == ERIN["email"])


def _found(qtbot, widget: PrivacyWidget, query: str = "Quibbleworth") -> None:  # type: ignore[no-untyped-def]
    widget.query.setText(query)
    widget.find_people()
    qtbot.waitUntil(lambda: widget.preview is not None, timeout=WAIT)


@pytest.fixture
def widget(qtbot, store: Store, synced: str) -> PrivacyWidget:  # type: ignore[no-untyped-def]
    w = PrivacyWidget(store)
    qtbot.addWidget(w)
    w.resize(1280, 720)
    w.show()
    return w


def test_find_shows_one_person_and_a_dry_run_that_changes_nothing(  # type: ignore[no-untyped-def]
    qtbot, store: Store, widget: PrivacyWidget
) -> None:
    _found(qtbot, widget)
    assert widget.people.rowCount() == 1
    person = widget.people.row_at(0)
    assert person.email == ERIN["email"] and person.customer_number == "C00002"
    assert person.systems == ("Memory DMS",)
    assert widget.held.rowCount() >= 1
    assert "Dry run, nothing changed" in widget.detail.text()
    assert "search index" in widget.detail.text()
    assert widget.erase_button.isEnabled() and widget.export_button.isEnabled()
    assert _erin_indexed(store) == 1 and _count(store, Tombstone) == 0
    assert _count(store, PrivacyRequest) == 0

    widget.query.setText("nobody-like-this@example.net")
    widget.find_people()
    qtbot.waitUntil(lambda: "Nobody found" in widget.people_note.text(), timeout=WAIT)
    assert widget.people.rowCount() == 0


def test_export_then_erase_with_confirmation_progress_and_the_reference(  # type: ignore[no-untyped-def]
    qtbot, store: Store, widget: PrivacyWidget, answer_yes: list[str], monkeypatch: Any
) -> None:
    _found(qtbot, widget)
    widget.export_button.click()
    qtbot.waitUntil(lambda: "SAR-" in widget.result.text(), timeout=WAIT)
    path = Path(next(p for p in store.paths.data_dir.rglob("privacy-export-SAR-*.json")))
    assert ERIN["email"] in path.read_text("utf-8")
    assert widget.copy_button.isVisible() and widget.reference.startswith("SAR-")
    qtbot.waitUntil(lambda: widget.register.rowCount() == 1, timeout=WAIT)

    # The erasure stops half-way until the test lets it go: the window must keep
    # answering and show the step it is on meanwhile.
    release, steps = threading.Event(), []

    def slow_erase(store_: Store, key: str, **kw: Any) -> Any:
        if kw.get("dry_run"):
            return real_erase(store_, key, **kw)
        say = kw["progress"]

        def progress(message: str) -> None:
            steps.append(message)
            say(message)
            if message.startswith("Anonymising"):
                assert release.wait(30)

        return real_erase(store_, key, **{**kw, "progress": progress})

    monkeypatch.setattr(privacy_screen, "erase", slow_erase)
    widget.erase_button.click()
    assert "cannot be undone" in answer_yes[0] and "Erase Erin Quibbleworth" in answer_yes[0]
    qtbot.waitUntil(lambda: "Anonymising" in widget.result.text(), timeout=WAIT)
    assert widget.progress.isVisible() and not widget.erase_button.isEnabled()
    assert not widget.find_button.isEnabled()
    release.set()
    qtbot.waitUntil(lambda: "Erased: ERA-" in widget.result.text(), timeout=WAIT)
    assert not widget.progress.isVisible()
    assert steps[0] == "Finding the person" and "Compacting the database" in steps
    ref = widget.reference
    assert ref.startswith("ERA-") and ref in widget.result.text()
    assert _erin_indexed(store) == 0 and _count(store, Tombstone) >= 1
    assert not path.exists()  # the access export held her too
    qtbot.waitUntil(lambda: widget.register.rowCount() == 2, timeout=WAIT)
    shown = {widget.register.row_at(i)[0]: widget.register.row_at(i)[2] for i in range(2)}
    assert shown[ref] == "erased"
    assert widget.people.rowCount() == 0 and widget.held.rowCount() == 0

    widget.query.setText(ERIN["email"])
    widget.find_people()
    qtbot.waitUntil(lambda: "Nobody found" in widget.people_note.text(), timeout=WAIT)


def test_records_of_one_golden_id_are_one_person() -> None:
    def hit(system: str, key: str, golden: str | None, email: str | None) -> SearchHit:
        return SearchHit(
            "customer", system, key, golden, "Erin Quibbleworth", email, None,
            None, None, None, None, key,
        )  # fmt: skip

    found = people(
        [
            hit("dms", "C2", "G1", None),
            hit("crm", "77", "G1", "e@x.org"),
            hit("dms", "C3", None, None),
        ],
        {"dms": "DMS", "crm": "CRM"},
    )
    assert [(p.key, p.customer_number, p.email, p.systems) for p in found] == [
        ("G1", "C2", "e@x.org", ("DMS", "CRM")),
        ("C3", "C3", "", ("DMS",)),
    ]


def test_cancel_and_a_running_sync_erase_nothing(  # type: ignore[no-untyped-def]
    qtbot, store: Store, widget: PrivacyWidget, synced: str, monkeypatch: Any
) -> None:
    _found(qtbot, widget)
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *_a, **_k: QMessageBox.StandardButton.Cancel)
    )
    widget.erase_button.click()
    assert widget.erase_button.isEnabled() and _erin_indexed(store) == 1

    flow = next(f for f in FlowService(store).list() if f.slug == synced)
    lock_taken, release = threading.Event(), threading.Event()

    def hold() -> None:  # another thread, as a scheduled run would be
        with flow_lock(store.paths, flow.id, flow.name, trigger="test"):
            lock_taken.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert lock_taken.wait(10)
        widget.erase(confirm=False)
        qtbot.waitUntil(lambda: "A sync is running" in widget.result.text(), timeout=WAIT)
    finally:
        release.set()
        holder.join()
    assert _erin_indexed(store) == 1 and _count(store, Tombstone) == 0
    assert widget.erase_button.isEnabled() and not widget.progress.isVisible()


@pytest.fixture
def no_pin() -> Iterator[None]:
    """The admin PIN and its lockout live in the keyring, beyond one test's data folder."""
    for name in (PIN_FIELD, LOCKOUT_FIELD):
        secrets.delete_secret(PIN_OWNER, name)
    yield
    for name in (PIN_FIELD, LOCKOUT_FIELD):
        secrets.delete_secret(PIN_OWNER, name)


def test_manager_mode_shows_nothing_of_it(  # type: ignore[no-untyped-def]
    qtbot, store: Store, synced: str, no_pin: None
) -> None:
    access = AccessService(store)
    access.set_pin("402913")
    controller = AccessController(store)
    widget = PrivacyWidget(store, controller)
    qtbot.addWidget(widget)
    assert widget.stack.currentIndex() == 0
    access.enter_manager_mode()
    controller.set_policy(access.policy())
    assert widget.stack.currentIndex() == 1


def test_the_main_window_hides_the_tab_in_manager_mode(  # type: ignore[no-untyped-def]
    qtbot, window: Any, no_pin: None
) -> None:
    qtbot.waitUntil(lambda: window.ready, timeout=WAIT)
    tabs = window.settings_screen.tabs
    index = next(i for i in range(tabs.count()) if tabs.tabText(i) == "Privacy")
    assert tabs.isTabVisible(index)
    controller = window.access
    access = controller.service
    access.set_pin("402913")
    access.enter_manager_mode()
    controller.set_policy(access.policy())
    assert not tabs.isTabVisible(index)
    access.leave_manager_mode("402913")
    controller.set_policy(access.policy())
    assert tabs.isTabVisible(index)


def test_the_export_file_is_what_the_service_writes(  # type: ignore[no-untyped-def]
    qtbot, store: Store, widget: PrivacyWidget
) -> None:
    _found(qtbot, widget, "C00002")
    widget.export()
    qtbot.waitUntil(lambda: "SAR-" in widget.result.text(), timeout=WAIT)
    path = next(store.paths.data_dir.rglob("privacy-export-SAR-*.json"))
    document = json.loads(path.read_text("utf-8"))
    assert document["reference"] == widget.reference
