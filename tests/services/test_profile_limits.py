"""Profiles files cannot smuggle in huge values (a 200 MB setting was stored twice: on
the profile and in the audit log), and http:// addresses of real systems are warned of."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.services.errors import ImportFileError
from app.services.profile_transfer import EXPORT_FORMAT, import_profiles
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import AuditEntry


def _file(path: Path, *profiles: dict[str, object]) -> Path:
    path.write_text(json.dumps({"format": EXPORT_FORMAT, "version": 1, "profiles": profiles}))
    return path


def test_a_huge_setting_is_refused_and_stored_nowhere(store: Store, tmp_path: Path) -> None:
    huge = "https://crm.example.com/" + "a" * 5_000_000
    path = _file(
        tmp_path / "p.json",
        {"name": "Big", "kind": "crm_rest", "settings": {"base_url": huge}},
    )
    report = import_profiles(ProfileService(store), path)
    assert report.created == [] and "at most 4,000" in report.warnings[0]
    with store.session() as s:
        biggest = s.scalar(select(func.max(func.length(AuditEntry.diff))))
    assert (biggest or 0) < 10_000
    assert store.paths.database.stat().st_size < 2_000_000


def test_a_huge_file_is_not_even_read(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    with path.open("wb") as fh:  # sparse: 200 MB that take no room
        fh.truncate(200_000_000)
    with pytest.raises(ImportFileError, match="200 MB"):
        import_profiles(ProfileService(store), path)


def test_plain_http_to_a_real_system_is_warned_of(store: Store, tmp_path: Path) -> None:
    path = _file(
        tmp_path / "p.json",
        {"name": "Real CRM", "kind": "crm_rest", "settings": {"base_url": "http://crm.example.com"},
         "secrets": {"api_key": "k-123456"}},
        {"name": "Demo CRM", "kind": "crm_rest", "settings": {"base_url": "http://127.0.0.1:8011"},
         "secrets": {"api_key": "k-123456"}},
    )  # fmt: skip
    report = import_profiles(ProfileService(store), path)
    assert sorted(report.created) == ["Demo CRM", "Real CRM"]
    assert len(report.warnings) == 1
    assert report.warnings[0].startswith("Real CRM:") and "unencrypted" in report.warnings[0]
