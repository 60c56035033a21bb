"""The window is on screen before its screens: the frame says it is starting while the
store opens and the screens load on a worker thread; a store that cannot open is said
in the window."""

from __future__ import annotations

from app.paths import AppPaths
from app.ui.context import UiContext
from app.ui.main_window import SCREENS, MainWindow
from app.ui.startup import StartupLoader


def test_the_frame_shows_first_then_the_screens_fill_it(qtbot, paths: AppPaths) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(tray=False, paths=paths)
    qtbot.addWidget(window)
    window.show()
    assert not window.ready and not window.nav.isEnabled()
    assert window.nav.count() == len(SCREENS)
    assert "loading the screens" in window.starting_label.text()

    loader = StartupLoader(paths)
    with qtbot.waitSignal(loader.loaded, timeout=60000) as blocker:
        loader.start()
    loader.wait()
    store = blocker.args[0]
    try:
        window.populate(UiContext.create(paths, store))
        assert window.ready and window.nav.isEnabled()
        assert window.stack.currentWidget() is window.dashboard
        assert window.stack.count() == len(SCREENS)  # the starting page is gone
        window.show_screen("sync_log")
        assert window.stack.currentWidget() is window.sync_log
    finally:
        window.bridge.stop()
        store.dispose()


def test_a_store_that_cannot_open_is_said_in_the_window(qtbot, paths: AppPaths) -> None:  # type: ignore[no-untyped-def]
    paths.database.write_bytes(b"this is not sqlite" * 100)
    window = MainWindow(tray=False, paths=paths)
    qtbot.addWidget(window)
    loader = StartupLoader(paths)
    loader.failed.connect(window.startup_failed)
    with qtbot.waitSignal(loader.failed, timeout=60000) as blocker:
        loader.start()
    loader.wait()
    assert "is damaged" in blocker.args[0] and "backups" in blocker.args[0]  # what to do
    assert "is damaged" in window.starting_label.text()
    assert not window.ready and not window.nav.isEnabled()
