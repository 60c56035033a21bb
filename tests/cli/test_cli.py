"""The command line, run as a real process the way an installer or a scheduled task would."""

import json
from pathlib import Path

from app import __version__, secrets
from app.store.migrations import LATEST_VERSION
from tests.support.cli import run_cli
from tests.support.files import files_containing


def test_version() -> None:
    out = run_cli("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"Rooftop Sync {__version__}"


def test_self_test_passes_here(tmp_path: Path) -> None:
    out = run_cli("--data-dir", str(tmp_path / "d"), "self-test")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Database: " in out.stdout and f"schema v{LATEST_VERSION}" in out.stdout
    assert "Keyring: write/read/delete" in out.stdout
    assert "User interface: main window built" in out.stdout
    assert (tmp_path / "d" / "rooftop.db").exists()


def test_self_test_fails_readably_without_a_keyring(tmp_path: Path) -> None:
    out = run_cli(
        "--data-dir",
        str(tmp_path / "d"),
        "self-test",
        env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
    )
    assert out.returncode == 1
    assert "FAIL  Keyring: No secure keyring is available" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def test_profiles_import_list_export(tmp_path: Path) -> None:
    data = tmp_path / "d"
    src = tmp_path / "in.json"
    src.write_text(
        json.dumps(
            {
                "format": "rooftop-sync/profiles",
                "profiles": [
                    {
                        "name": "Group CRM",
                        "kind": "http_api",
                        "settings": {"base_url": "https://crm.example.com"},
                        "secrets": {"api_key": "cli-secret-value-42"},
                    }
                ],
            }
        )
    )
    out = run_cli("--data-dir", str(data), "profiles", "import", str(src))
    assert out.returncode == 0, out.stderr
    assert "Created: Group CRM" in out.stdout

    listed = run_cli("--data-dir", str(data), "profiles", "list", "--json")
    rows = json.loads(listed.stdout)
    assert rows[0]["name"] == "Group CRM" and rows[0]["secrets_set"] == ["api_key"]
    table = run_cli("--data-dir", str(data), "profiles", "list")
    assert "Group CRM" in table.stdout and "HTTPS API" in table.stdout

    # the secret is readable through the keyring and in no file of the data folder
    exported = tmp_path / "out.json"
    assert run_cli("--data-dir", str(data), "profiles", "export", str(exported)).returncode == 0
    uid = json.loads(exported.read_text())["profiles"][0]["uid"]
    assert secrets.get_secret(f"profile/{uid}", "api_key") == "cli-secret-value-42"
    assert "cli-secret-value-42" not in exported.read_text()
    assert files_containing(data, "cli-secret-value-42") == []
    secrets.delete_secret(f"profile/{uid}", "api_key")


def test_data_dir_from_environment_and_readable_errors(tmp_path: Path) -> None:
    out = run_cli("profiles", "test", "Nope", env={"ROOFTOP_DATA_DIR": str(tmp_path / "env")})
    assert out.returncode == 2
    assert "There is no connection profile named 'Nope'" in out.stderr
    assert (tmp_path / "env" / "rooftop.db").exists()
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    out = run_cli("--data-dir", str(tmp_path / "env"), "profiles", "import", str(bad))
    assert out.returncode == 2 and "Cannot read" in out.stderr
