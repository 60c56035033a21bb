import json
from pathlib import Path

import keyring
import pytest

from app import secrets
from app.services import audit
from app.services.errors import ImportFileError, ValidationError
from app.services.profile_transfer import export_profiles, import_profiles
from app.services.profiles import ProfileService
from app.store import Store
from app.store.errors import DuplicateNameError, NotFoundError
from tests.support.fake_api import FakeApi
from tests.support.files import files_containing

SECRET = "sk-live-9f8e7d6c5b4a"


def _create(service: ProfileService, name: str = "CRM", url: str = "https://crm.example.com"):
    return service.create(name, "http_api", {"base_url": url}, {"api_key": SECRET})


def test_secret_goes_to_keyring_never_to_the_data_folder(store: Store) -> None:
    service = ProfileService(store)
    p = _create(service)
    assert p.secrets_set == {"api_key"}
    assert "api_key" not in p.settings
    assert keyring.get_password(secrets.SERVICE, f"profile/{p.uid}/api_key") == SECRET
    assert service.secrets_for(p.id) == {"api_key": SECRET}
    store.dispose()  # flush WAL into the file before grepping it
    assert files_containing(store.paths.data_dir, SECRET) == []


def test_defaults_validation_and_unique_names(store: Store) -> None:
    service = ProfileService(store)
    p = _create(service)
    assert p.settings["api_key_header"] == "X-API-Key" and p.settings["timeout_s"] == 10
    with pytest.raises(ValidationError) as err:
        service.create("Bad", "http_api", {"base_url": "not a url"}, {})
    assert set(err.value.problems) == {"base_url", "api_key"}
    with pytest.raises(DuplicateNameError):
        _create(service)
    # the failed duplicate must not have left a stray secret behind
    assert [x.name for x in service.list()] == ["CRM"]


@pytest.mark.parametrize("value", [2.5, True, "2.5", "ten"])
def test_a_whole_number_setting_refuses_fractions_and_yes_no(store: Store, value: object) -> None:
    """A JSON import of 2.5 used to become 2 (and true became 1) without a word."""
    service = ProfileService(store)
    with pytest.raises(ValidationError) as err:
        service.create("CRM", "http_api", {"base_url": "https://crm.example.com",
                                           "timeout_s": value}, {"api_key": SECRET})  # fmt: skip
    assert "whole number" in err.value.problems["timeout_s"]
    ok = service.create("CRM", "http_api", {"base_url": "https://crm.example.com",
                                            "timeout_s": 30.0}, {"api_key": SECRET})  # fmt: skip
    assert ok.settings["timeout_s"] == 30


def test_update_keeps_replaces_or_clears_secrets(store: Store) -> None:
    service = ProfileService(store)
    p = _create(service)
    p = service.update(p.id, name="CRM (prod)", settings={**p.settings, "timeout_s": 20})
    assert p.name == "CRM (prod)" and service.secrets_for(p.id) == {"api_key": SECRET}
    p = service.update(p.id, secret_values={"api_key": "new-secret-value"})
    assert service.secrets_for(p.id) == {"api_key": "new-secret-value"}
    with pytest.raises(ValidationError):  # api_key is required: it cannot be cleared
        service.update(p.id, secret_values={"api_key": None})


def test_duplicate_copies_secret_and_delete_removes_it(store: Store) -> None:
    service = ProfileService(store)
    p = _create(service)
    copy = service.duplicate(p.id)
    assert copy.name == "CRM (copy)" and copy.uid != p.uid
    assert service.secrets_for(copy.id) == {"api_key": SECRET}
    service.delete(copy.id)
    assert secrets.get_secret(f"profile/{copy.uid}", "api_key") is None
    assert secrets.get_secret(f"profile/{p.uid}", "api_key") == SECRET
    with pytest.raises(NotFoundError):
        service.get(copy.id)


def test_every_change_is_audited_with_secrets_redacted(store: Store) -> None:
    service = ProfileService(store)
    p = _create(service)
    service.update(
        p.id, settings={"base_url": "https://other.example.com"}, secret_values={"api_key": SECRET}
    )
    service.update(p.id, secret_values={"api_key": "rotated-key-123"})
    service.delete(p.id)
    entries = audit.recent(store)
    assert [e.action for e in entries] == ["delete", "update", "update", "create"]
    assert all(e.os_user for e in entries)
    url_change = entries[2].diff["changes"]["settings"]["base_url"]
    assert url_change == {"before": "https://crm.example.com", "after": "https://other.example.com"}
    assert entries[1].diff["changes"]["secrets"]["api_key"]["after"] == "stored (new value)"
    dumped = json.dumps([e.diff for e in entries])
    assert SECRET not in dumped and "rotated-key-123" not in dumped


def test_test_connection_is_remembered(store: Store, fake_api: FakeApi) -> None:
    service = ProfileService(store)
    p = service.create("API", "http_api", {"base_url": fake_api.url}, {"api_key": fake_api.api_key})
    assert service.test(p.id).ok
    p = service.get(p.id)
    assert p.last_test_ok is True and p.last_test_at is not None
    fake_api.status = 500
    assert not service.test(p.id).ok
    assert service.get(p.id).last_test_ok is False
    assert "HTTP 500" in (service.get(p.id).last_test_message or "")


def test_export_has_references_only(store: Store, tmp_path: Path) -> None:
    service = ProfileService(store)
    p = _create(service)
    out = tmp_path / "profiles.json"
    assert export_profiles(service, out) == 1
    text = out.read_text(encoding="utf-8")
    assert SECRET not in text
    doc = json.loads(text)
    assert doc["profiles"][0]["secrets"] == {
        "api_key": f"keyring:RooftopSync/profile/{p.uid}/api_key"
    }


def test_import_with_secret_value_puts_it_in_the_keyring(store: Store, tmp_path: Path) -> None:
    service = ProfileService(store)
    src = tmp_path / "in.json"
    src.write_text(
        json.dumps(
            {
                "format": "rooftop-sync/profiles",
                "version": 1,
                "profiles": [
                    {
                        "name": "Imported CRM",
                        "kind": "http_api",
                        "settings": {"base_url": "https://crm.example.com"},
                        "secrets": {"api_key": "imported-secret-xyz"},
                    },
                    {  # a hand-written file with the key among the settings
                        "name": "Hand written",
                        "kind": "http_api",
                        "settings": {"base_url": "https://x.example.com", "api_key": "hand-key-77"},
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    report = import_profiles(service, src)
    assert report.created == ["Imported CRM", "Hand written"] and not report.warnings
    a, b = service.get_by_name("Imported CRM"), service.get_by_name("Hand written")
    assert service.secrets_for(a.id) == {"api_key": "imported-secret-xyz"}
    assert service.secrets_for(b.id) == {"api_key": "hand-key-77"}
    assert "api_key" not in b.settings
    src.unlink()
    store.dispose()
    for value in ("imported-secret-xyz", "hand-key-77"):
        assert files_containing(store.paths.data_dir, value) == []


def test_export_import_round_trip_resolves_references(store: Store, tmp_path: Path) -> None:
    service = ProfileService(store)
    _create(service)
    out = tmp_path / "p.json"
    export_profiles(service, out)
    report = import_profiles(service, out)
    assert report.skipped == ["CRM"]
    service.delete(service.get_by_name("CRM").id)
    # the reference no longer resolves: the profile is created, the admin is told
    report = import_profiles(service, out)
    assert report.created == ["CRM"]
    assert "not in this computer's keyring" in report.warnings[0]
    assert service.get_by_name("CRM").secrets_set == frozenset()


def test_import_replace_and_bad_entries(store: Store, tmp_path: Path) -> None:
    service = ProfileService(store)
    _create(service)
    src = tmp_path / "in.json"
    src.write_text(
        json.dumps(
            {
                "format": "rooftop-sync/profiles",
                "profiles": [
                    {
                        "name": "CRM",
                        "kind": "http_api",
                        "settings": {"base_url": "https://n.example.com"},
                    },
                    {"name": "Mystery", "kind": "no_such_kind", "settings": {}},
                    {"kind": "http_api"},
                    {"name": "Bad URL", "kind": "http_api", "settings": {"base_url": "nope"}},
                ],
            }
        ),
        encoding="utf-8",
    )
    report = import_profiles(service, src, replace=True)
    assert report.replaced == ["CRM"]
    assert len(report.warnings) == 4
    assert "no connector of kind 'no_such_kind'" in report.warnings[1]
    crm = service.get_by_name("CRM")
    assert crm.settings["base_url"] == "https://n.example.com"
    # the stored key does not follow the profile to its new address
    assert service.secrets_for(crm.id) == {}
    assert "Base URL changed, so the stored secret 'api_key' was not kept" in report.warnings[0]


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe\x00garbage",
        b'{"format": "other"}',
        b'{"format": "rooftop-sync/profiles"}',
    ],
)
def test_unreadable_import_files_raise_readable_errors(
    store: Store, tmp_path: Path, content: bytes
) -> None:
    src = tmp_path / "bad.json"
    src.write_bytes(content)
    with pytest.raises(ImportFileError):
        import_profiles(ProfileService(store), src)


def _write(path: Path, *profiles: object) -> Path:
    path.write_text(
        json.dumps({"format": "rooftop-sync/profiles", "version": 1, "profiles": list(profiles)}),
        encoding="utf-8",
    )
    return path


def test_update_that_moves_the_address_asks_for_the_secret_again(store: Store) -> None:
    service = ProfileService(store)
    p = _create(service)
    for moved in ({"base_url": "https://evil.example.net"}, {"verify_tls": False}):
        with pytest.raises(ValidationError) as err:
            service.update(p.id, settings={**p.settings, **moved})
        assert "enter it again" in err.value.problems["api_key"]
        assert service.get(p.id).settings == p.settings
        assert service.secrets_to_reenter(p.id, {**p.settings, **moved}).keys() == {"api_key"}
    assert service.secrets_to_reenter(p.id, {**p.settings, "timeout_s": 30}) == {}
    p = service.update(
        p.id, settings={**p.settings, "base_url": "https://crm2.example.com"},
        secret_values={"api_key": "typed-again-123"},
    )  # fmt: skip
    assert service.secrets_for(p.id) == {"api_key": "typed-again-123"}


@pytest.mark.parametrize(
    "reference",
    [
        "keyring:RooftopSync/profile/{crm}/api_key",  # another profile's key
        "keyring:RooftopSync/app/admin_pin",  # the admin PIN hash
        "keyring:RooftopSync/feeds/realtime/webhook_secret",  # the webhook secret
        "keyring:RooftopSync/profile/{crm}/../app/admin_pin",
        "keyring:OtherService/profile/{crm}/api_key",
    ],
)
def test_a_file_cannot_send_another_stored_secret_anywhere(
    store: Store, tmp_path: Path, fake_api: FakeApi, reference: str
) -> None:
    """The exfiltration: an imported profile pointing at a listener whose key is a
    reference to the CRM's key. Refused with a reason; nothing is sent, ever."""
    service = ProfileService(store)
    crm = _create(service)
    secrets.set_secret("app", "admin_pin", "pbkdf2$secret-pin-hash")
    secrets.set_secret("feeds/realtime", "webhook_secret", "whsec-very-secret")
    src = _write(
        tmp_path / "rollout.json",
        {
            "name": "Harmless monitor",
            "kind": "http_api",
            "settings": {"base_url": fake_api.url, "api_key_header": "X-Leak"},
            "secrets": {"api_key": reference.format(crm=crm.uid)},
        },
        {"name": "Next store CRM", "kind": "http_api",
         "settings": {"base_url": "https://crm.next.example.com"}, "secrets": {"api_key": "v-1"}},
    )  # fmt: skip
    report = import_profiles(service, src)
    assert report.created == ["Next store CRM"]  # the others still import
    assert len(report.warnings) == 1
    warning = report.warnings[0]
    assert warning.startswith("Harmless monitor: not imported")
    assert "not this profile's own secret" in warning and "Nothing was sent" in warning
    with pytest.raises(NotFoundError):
        service.get_by_name("Harmless monitor")
    assert fake_api.requests == []


def test_profiles_test_of_the_exfiltration_file_sends_nothing(
    store: Store, tmp_path: Path, fake_api: FakeApi
) -> None:
    from tests.support.cli import run_cli

    service = ProfileService(store)
    crm = _create(service)
    src = _write(
        tmp_path / "evil.json",
        {"name": "Listener", "kind": "http_api", "settings": {"base_url": fake_api.url},
         "secrets": {"api_key": f"keyring:RooftopSync/profile/{crm.uid}/api_key"}},
    )  # fmt: skip
    data = str(store.paths.data_dir)
    imported = run_cli("--data-dir", data, "profiles", "import", str(src))
    assert imported.returncode == 1 and "not this profile's own secret" in imported.stdout
    tested = run_cli("--data-dir", data, "profiles", "test", "Listener")
    assert tested.returncode == 2 and "no connection profile named 'Listener'" in tested.stderr
    assert fake_api.requests == []


def test_own_reference_keeps_the_secret_only_at_the_same_address(
    store: Store, tmp_path: Path
) -> None:
    service = ProfileService(store)
    crm = _create(service)
    out = tmp_path / "p.json"
    export_profiles(service, out)
    doc = json.loads(out.read_text())
    doc["profiles"][0]["settings"]["timeout_s"] = 25
    out.write_text(json.dumps(doc))
    report = import_profiles(service, out, replace=True)
    assert report.replaced == ["CRM"] and report.warnings == []
    assert service.secrets_for(crm.id) == {"api_key": SECRET}
    doc["profiles"][0]["settings"]["base_url"] = "https://elsewhere.example.org"
    out.write_text(json.dumps(doc))
    report = import_profiles(service, out, replace=True)
    assert report.replaced == ["CRM"] and "was not kept" in report.warnings[0]
    assert service.secrets_for(crm.id) == {}


def test_a_failed_replace_keeps_the_old_profile_and_its_secret(
    store: Store, tmp_path: Path
) -> None:
    service = ProfileService(store)
    crm = _create(service)
    src = _write(
        tmp_path / "bad.json",
        # another kind with settings that do not validate: before, the old profile was
        # deleted first and lost with its secret
        {"name": "CRM", "kind": "crm_rest", "settings": {"base_url": "not a url"}},
    )
    report = import_profiles(service, src, replace=True)
    assert report.replaced == [] and "CRM: not imported" in report.warnings[0]
    kept = service.get_by_name("CRM")
    assert (kept.id, kept.uid, kept.kind, kept.settings) == (
        crm.id, crm.uid, "http_api", crm.settings,
    )  # fmt: skip
    assert service.secrets_for(kept.id) == {"api_key": SECRET}


def test_a_replace_that_changes_the_kind_swaps_in_place(store: Store, tmp_path: Path) -> None:
    service = ProfileService(store)
    crm = _create(service)
    src = _write(
        tmp_path / "kind.json",
        {"name": "CRM", "kind": "crm_rest",
         "settings": {"base_url": "https://crm.example.com", "auth_mode": "api_key"},
         "secrets": {"api_key": "crm-key-2"}},
    )  # fmt: skip
    report = import_profiles(service, src, replace=True)
    assert report.replaced == ["CRM"], report.warnings
    now = service.get_by_name("CRM")
    assert (now.id, now.uid, now.kind) == (crm.id, crm.uid, "crm_rest")
    assert service.secrets_for(now.id) == {"api_key": "crm-key-2"}


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("just text", "must be a JSON object"),
        ({"name": 42, "kind": "http_api"}, '"name" must be a non-empty text'),
        ({"name": "A", "kind": ["http_api"]}, '"kind" must be a non-empty text'),
        ({"name": "A", "kind": "http_api", "settings": ["base_url"]}, "not a list"),
        ({"name": "A", "kind": "http_api", "secrets": "k"}, '"secrets" must be a JSON object'),
        ({"name": "A", "kind": "http_api", "settings": {"base_url": {"x": 1}}}, "not an object"),
        ({"name": "A", "kind": "http_api", "settings": {"base_url": "https://a.example.com",
          "timeout_s": "soon"}, "secrets": {"api_key": "k"}}, "whole number"),
        ({"name": "A", "kind": "http_api", "settings": {"base_url": "https://a.example.com"},
          "secrets": {"api_key": 12345}}, "must be text, not a number"),
    ],
)  # fmt: skip
def test_wrong_json_types_refuse_one_profile_with_a_reason(
    store: Store, tmp_path: Path, entry: object, reason: str
) -> None:
    service = ProfileService(store)
    src = _write(
        tmp_path / "mixed.json",
        entry,
        {"name": "Good", "kind": "http_api", "settings": {"base_url": "https://g.example.com"},
         "secrets": {"api_key": "good-key"}},
    )  # fmt: skip
    report = import_profiles(service, src)
    assert report.created == ["Good"]
    assert len(report.warnings) == 1 and reason in report.warnings[0], report.warnings
    assert "not imported" in report.warnings[0]


def test_a_learned_setting_is_saved_once_never_over_a_value_and_audited(store: Store) -> None:
    service = ProfileService(store)
    settings = {"source": "sftp", "sftp_host": "sftp.example.com", "sftp_username": "dms"}
    profile = service.create("DMS SFTP", "dms_file", settings, {"sftp_password": "pw"})
    connector = service.connector(profile.id)
    assert connector.hooks.work_dir == store.paths.work_dir / profile.uid
    assert connector.learn("sftp_host_key", "SHA256:first") == "SHA256:first"
    assert service.get(profile.id).settings["sftp_host_key"] == "SHA256:first"
    # a second process that saw another key finds the first one pinned, and is told so
    assert service.remember_setting(profile.id, "sftp_host_key", "SHA256:other") == ("SHA256:first")
    assert service.get(profile.id).settings["sftp_host_key"] == "SHA256:first"
    assert secrets.get_secret(f"profile/{profile.uid}", "sftp_password") == "pw"  # kept
    with pytest.raises(ValidationError, match="not a setting a connection learns"):
        service.remember_setting(profile.id, "sftp_host", "elsewhere.example.com")
    entries = audit.recent(store)
    assert [e.action for e in entries][:2] == ["learn_setting", "create"]
