"""The settings of an SFTP connection: as connector fields (for kinds that can use SFTP:
feed delivery, DMS extract pickup), their checks, and as ``SftpSettings`` for
``sftp_client``. No paramiko here: these load with every connector kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.connectors.base import ConfigField, Connector, FieldType

HOST_KEY = "sftp_host_key"
_SECRET_HELP = "Stored in the Windows Credential Manager / system keyring, never on disk."


@dataclass(frozen=True)
class SftpSettings:
    host: str
    port: int
    username: str
    password: str = ""
    private_key: str = ""  # PEM text (from the keyring)
    folder: str = "."
    host_key: str = ""  # SHA256:… fingerprint
    timeout_s: float = 30.0


def sftp_fields(
    *,
    example_host: str,
    example_folder: str,
    host_key: ConfigField,
    visible_if: tuple[str, tuple[str, ...]] | None = None,
) -> tuple[ConfigField, ...]:
    """Server, port, user, password or key (secrets), remote folder, then ``host_key``."""
    return (
        ConfigField(
            "sftp_host",
            "SFTP server",
            help=f"Host name, e.g. {example_host}",
            visible_if=visible_if,
        ),
        ConfigField(
            "sftp_port",
            "SFTP port",
            FieldType.INTEGER,
            default=22,
            minimum=1,
            maximum=65535,
            visible_if=visible_if,
        ),
        ConfigField("sftp_username", "SFTP user name", visible_if=visible_if),
        ConfigField(
            "sftp_password", "SFTP password", secret=True, help=_SECRET_HELP, visible_if=visible_if
        ),
        ConfigField(
            "sftp_private_key",
            "SFTP private key",
            secret=True,
            help="Paste the key text instead of a password if the server uses keys.",
            visible_if=visible_if,
        ),
        ConfigField(
            "sftp_folder",
            "SFTP folder",
            default=".",
            help=f"Remote folder, e.g. {example_folder}",
            visible_if=visible_if,
        ),
        host_key,
    )


def sftp_problems(
    cls: type[Connector], settings: dict[str, Any], secrets: dict[str, str]
) -> dict[str, str]:
    """What an SFTP connection is missing: server, user, and a password or a key."""
    problems: dict[str, str] = {}
    for name in ("sftp_host", "sftp_username"):
        if not str(settings.get(name) or "").strip():
            problems[name] = f"{cls.field(name).label} is required for SFTP."
    if not (secrets.get("sftp_password") or secrets.get("sftp_private_key")):
        problems["sftp_password"] = "Give a password or a private key for SFTP."
    return problems


def settings_of(connector: Connector, *, timeout_s: float) -> SftpSettings:
    """A connector's SFTP settings (its ``sftp_*`` fields and secrets)."""

    def value(name: str) -> Any:
        return connector.field(name).coerce(connector.settings.get(name))

    return SftpSettings(
        host=str(value("sftp_host") or ""),
        port=int(value("sftp_port")),
        username=str(value("sftp_username") or ""),
        password=connector.secrets.get("sftp_password", ""),
        private_key=connector.secrets.get("sftp_private_key", ""),
        folder=str(value("sftp_folder") or "."),
        host_key=str(value(HOST_KEY) or ""),
        timeout_s=timeout_s,
    )
