from collections.abc import Iterator

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QMessageBox

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


@pytest.fixture(autouse=True)
def _background_work_settles(qtbot) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Before the test's widgets are closed, let its background tasks finish and their
    answers arrive, so no answer reaches a half-deleted screen of an earlier test."""
    yield
    QThreadPool.globalInstance().waitForDone(30_000)
    qtbot.wait(10)
