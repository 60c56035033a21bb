"""Background tasks: answers reach only live screens, and the worker's Qt objects are
freed on the GUI thread once the worker thread is done with them."""

from __future__ import annotations

import threading

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.ui import workers


class _Screen(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.shown: list[int] = []

    def show_result(self, tag: str, value: int) -> None:
        self.shown.append(value)


def test_an_answer_for_a_closed_screen_held_by_a_lambda_is_dropped(qtbot) -> None:  # type: ignore[no-untyped-def]
    screen = _Screen()
    release = threading.Event()
    worker = workers.run_in_background(
        lambda: release.wait(10) and 42,
        on_success=lambda value: screen.show_result("x", value),
    )
    screen.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(screen))
    release.set()
    qtbot.waitUntil(worker.done.is_set)
    qtbot.waitUntil(lambda: not workers._relays, timeout=5000)
    assert screen.shown == []  # never called on the deleted widget (it would raise)


def test_a_live_screen_gets_its_answer_and_progress(qtbot) -> None:  # type: ignore[no-untyped-def]
    screen = _Screen()
    qtbot.addWidget(screen)
    seen: list[tuple[int, int, str]] = []

    def work(progress):  # type: ignore[no-untyped-def]
        progress(1, 2, "half")
        return 7

    workers.run_in_background(
        work, on_success=lambda v: screen.show_result("x", v), on_progress=lambda *a: seen.append(a)
    )
    qtbot.waitUntil(lambda: screen.shown == [7])
    assert seen == [(1, 2, "half")]


def test_worker_signals_are_freed_on_the_gui_thread_after_run(qtbot) -> None:  # type: ignore[no-untyped-def]
    freed_on: list[threading.Thread] = []
    worker = workers.run_in_background(lambda: 1, on_success=lambda _v: None)
    worker.signals.destroyed.connect(
        lambda *_: freed_on.append(threading.current_thread()), Qt.ConnectionType.DirectConnection
    )
    del worker
    qtbot.waitUntil(lambda: bool(freed_on), timeout=5000)
    assert freed_on == [threading.main_thread()]
    assert not workers._relays
