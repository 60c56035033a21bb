"""Issue 23 item 9: Help → User guide opens the short guide bundled in resources/ —
first steps, flows, duplicates and the three troubleshooting symptoms, each saying what to
check and where in the app — and the bundle carries it."""

from __future__ import annotations

import shutil
from pathlib import Path

from app.resources import resource
from app.ui.help_guide import GUIDE, GuideDialog
from app.ui.main_window import MainWindow
from installer import bundle_checks, manifest

ROOT = Path(__file__).resolve().parents[2]
SYMPTOMS = (
    "A customer is in the DMS but not in the CRM",
    "A customer or vehicle is different in two systems",
    "A vehicle is sold but still on the website",
)


def _section(text: str, title: str) -> str:
    start = text.index(title)
    end = text.find("\n##", start + len(title))
    return text[start : end if end > 0 else None]


def test_help_menu_opens_the_user_guide(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    help_menu = next(
        a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Help"
    )
    assert window.guide_action in help_menu.actions()
    window.guide_action.trigger()
    dialog = next(w for w in window.findChildren(GuideDialog) if w.isVisible())
    qtbot.addWidget(dialog)
    sections = dialog.sections()
    for title in ("First steps", "Flows", "Duplicates", "Troubleshooting", *SYMPTOMS):
        assert title in sections, title
    shown = dialog.browser.toPlainText()
    assert "Record story" in shown and "##" not in shown  # rendered, not raw Markdown
    for symptom in SYMPTOMS:  # each says what to check, and where in the app
        words = _section(dialog.text, symptom)
        assert "Sync Log" in words and "→" in words, symptom
    dialog.resize(900, 500)
    assert dialog.show_section(SYMPTOMS[-1])
    assert dialog.browser.verticalScrollBar().value() > 0
    assert not dialog.show_section("No such heading")


def test_the_guide_is_a_bundled_resource(tmp_path: Path) -> None:
    guide = resource(*GUIDE)
    assert guide.is_file() and guide.parent.parent.name == "resources"
    assert "resources" in manifest.RESOURCE_DIRS
    rel = "resources/" + "/".join(GUIDE)
    assert manifest.keep_in_bundle(rel, linux=True)
    assert manifest.keep_in_bundle(rel, linux=False)
    bundle = tmp_path / "RooftopSync"
    shutil.copytree(ROOT / "resources", bundle / "_internal" / "resources")
    assert bundle_checks.missing_resources(ROOT, bundle) == []
    (bundle / "_internal" / rel).unlink()
    assert bundle_checks.missing_resources(ROOT, bundle) == [rel]
