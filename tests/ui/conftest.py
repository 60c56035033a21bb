from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, QThreadPool
from PySide6.QtWidgets import QApplication, QMessageBox

from app.paths import AppPaths
from app.store import Store
from app.ui.context import UiContext
from app.ui.main_window import MainWindow
from app.ui.theme import apply_theme


@pytest.fixture
def ui_ctx(qapp, paths: AppPaths, store: Store) -> UiContext:  # type: ignore[no-untyped-def]
    apply_theme(qapp)
    return UiContext.create(paths, store)


@pytest.fixture
def window(qtbot, ui_ctx: UiContext) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    w = MainWindow(ui_ctx, tray=False)
    qtbot.addWidget(w)
    w.show()
    yield w


@pytest.fixture
def answer_yes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Confirmation boxes answer Yes; the texts they showed are recorded."""
    asked: list[str] = []

    def question(_parent, _title, text, *_a, **_k):  # type: ignore[no-untyped-def]
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    """Before pytest-qt closes the test's widgets, let its background tasks finish and their
    answers arrive, so no answer reaches a half-deleted screen (this conftest's wrapper is
    registered after pytest-qt's, so it runs around it)."""
    if QApplication.instance() is not None:
        QThreadPool.globalInstance().waitForDone(30_000)
        for _ in range(3):
            QApplication.processEvents()
    yield
    if QApplication.instance() is not None:
        # pytest-qt only asked for the widgets' deletion (deleteLater): delete them now,
        # not halfway through the next test (the next test's theme restyled every widget
        # still alive, and one of a closed wizard's crashed the process)
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QApplication.processEvents()
