"""Save a PNG of every main screen (used by the headless demo and to review the look),
of every page of the new-flow and new-feed wizards, and of the Conflicts screen."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QWizard

from app.ui.main_window import SCREENS, MainWindow
from app.ui.wizards.feed_wizard import FeedWizard
from app.ui.wizards.flow_wizard import FlowWizard

WIZARD_SIZE = QSize(1280, 720)


def _settle(until: Callable[[], bool] = lambda: True, timeout_s: float = 60.0) -> None:
    """Let the event loop run (background answers arrive) until ``until()`` or timeout."""
    app = QApplication.instance()
    deadline = time.monotonic() + timeout_s
    while True:
        if app is not None:
            app.processEvents()
        if until() or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    for _ in range(3):
        if app is not None:
            app.processEvents()


def save_screens(window: MainWindow, out_dir: Path, size: QSize | None = None) -> list[Path]:
    """Show each screen of ``window`` in turn and save it as ``<nn>-<screen>.png``, then
    the wizards' pages (``flow-wizard-<n>.png``, ``feed-wizard-<n>.png``) and
    ``conflicts.png``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if size is not None:
        window.resize(size)
    saved: list[Path] = []
    for n, (key, _label) in enumerate(SCREENS, start=1):
        window.show_screen(key)
        _settle()
        target = out_dir / f"{n:02d}-{key}.png"
        window.grab().save(str(target))
        saved.append(target)
    saved += save_wizard_pages(window, out_dir, size or WIZARD_SIZE)
    window.show_flows_tab(window.conflicts)
    window.conflicts.reload()
    _settle(lambda: window.conflicts.loaded, 20)
    target = out_dir / "conflicts.png"
    window.grab().save(str(target))
    saved.append(target)
    window.show_flows_tab(window.flows)
    return saved


def _walk(wizard: QWizard, prefix: str, out_dir: Path, busy: Callable[[], bool]) -> list[Path]:
    """Every page of ``wizard``, each saved once its background work is done."""
    saved: list[Path] = []
    n = 1
    while True:
        _settle(lambda: not busy(), 90)
        target = out_dir / f"{prefix}-{n}.png"
        wizard.grab().save(str(target))
        saved.append(target)
        if wizard.nextId() == -1:
            break
        wizard.next()  # shown even when a page still needs something: it says what
        n += 1
    wizard.reject()
    _settle()
    return saved


def save_wizard_pages(window: MainWindow, out_dir: Path, size: QSize) -> list[Path]:
    """Open New flow… and New feed… as an admin would and save each page."""
    window.show_screen("flows")
    flow = FlowWizard(window.ctx.store, parent=window)
    window.flows.editing.open(flow)
    flow.resize(size)
    _settle(lambda: flow.found is not None, 30)

    def flow_busy() -> bool:
        check = flow.check_page
        return flow.currentPage() is check and check.token is not None

    saved = _walk(flow, "flow-wizard", out_dir, flow_busy)
    window.flows_tabs.setCurrentWidget(window.feeds)
    feed = window.feeds.open_wizard(FeedWizard(window.ctx.store, parent=window))
    feed.resize(size)
    _settle(lambda: feed.choices is not None, 30)

    def feed_busy() -> bool:
        return feed.currentPage() is feed.preview_page and feed.preview_page.busy

    saved += _walk(feed, "feed-wizard", out_dir, feed_busy)
    window.flows_tabs.setCurrentWidget(window.flows)
    return saved
