from pathlib import Path

import pytest

from app.paths import DATA_DIR_ENV, resolve_paths


def test_explicit_data_dir_wins_over_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "env"))
    assert resolve_paths(tmp_path / "arg").data_dir == (tmp_path / "arg").resolve()
    assert resolve_paths(None).data_dir == (tmp_path / "env").resolve()


def test_default_is_the_per_user_app_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    assert "RooftopSync" in str(resolve_paths(None).data_dir)


def test_layout_under_the_data_dir(tmp_path: Path) -> None:
    p = resolve_paths(tmp_path).ensure()
    assert p.database == tmp_path / "rooftop.db"
    assert p.log_file.parent.is_dir() and p.backups_dir.is_dir()
    assert p.sandbox_dir == tmp_path / "sandbox"
