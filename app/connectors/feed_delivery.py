"""Where an inventory feed goes: a folder / network share, an SFTP server, or an HTTPS
feed receiver. One profile per destination; the feed's own settings (channel, dealer
details, columns) live on the feed, not here.

Every delivery is atomic for the reader: folder and SFTP write a hidden temporary file
and rename it over the final name; an HTTP upload replaces the listings in one request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from app.connectors import feed_http
from app.connectors.base import CheckResult, ConfigField, Connector, FieldType
from app.connectors.errors import ConnectorError
from app.connectors.feed_files import ChunkHook, DeliveryReceipt, probe_folder, write_atomic
from app.connectors.rest_helpers import timed_check
from app.connectors.sftp_settings import (
    HOST_KEY,
    SftpSettings,
    settings_of,
    sftp_fields,
    sftp_problems,
)

MODES = ("folder", "sftp", "http")
CHANNELS = ("google", "meta", "website")
# Names Windows keeps for devices, with or without an extension ("CON", "nul.csv").
_DEVICES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{kind}{n}" for kind in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")
}
_NOT_IN_NAMES = set('<>:"/\\|?*')


def file_name_problem(name: str) -> str | None:
    """Why ``name`` is not a plain file name on Windows, Linux and an SFTP server alike
    (None when it is): no folder or drive ("C:evil.csv" writes elsewhere), no device name
    ("CON"), no control characters (a NUL ends the name early), no leading dot."""
    if any(ord(c) < 32 or c == "\x7f" for c in name):
        return "must not hold control characters"
    if any(c in _NOT_IN_NAMES for c in name):
        return 'must be a plain file name, without a folder, drive or any of < > : " / \\ | ? *'
    if name.startswith("."):
        return "must not start with a dot"
    if name.endswith((".", " ")):
        return "must not end with a dot or a space"
    if name.split(".")[0].strip().upper() in _DEVICES:
        return "is a name Windows keeps for a device"
    if len(name) > 200:
        return "is too long (at most 200 characters)"
    return None


def _only(mode: str) -> tuple[str, tuple[str, ...]]:
    return ("delivery", (mode,))


class FeedTargetConnector(Connector):
    kind = "feed_target"
    label = "Inventory feed destination"
    protocol = "Feed upload"
    description = (
        "Where a vehicle inventory feed (Google, Meta or your website) is delivered: a "
        "folder or network share, an SFTP server, or an HTTPS feed upload."
    )
    fields: ClassVar[tuple[ConfigField, ...]] = (
        ConfigField(
            "delivery",
            "Deliver by",
            FieldType.CHOICE,
            required=True,
            default="http",
            choices=MODES,
            choice_labels=(
                "A folder or network share",
                "Upload to an SFTP server",
                "Upload to a web address (HTTPS)",
            ),
            help="Where the feed file goes: a folder (or network share) this computer can "
            "write to, an SFTP server, or the channel's or website's feed upload address.",
        ),
        ConfigField(
            "file_name",
            "File name",
            help="Name of the feed file, e.g. google_vehicles.tsv. Empty: <channel>.csv/.tsv.",
        ),
        ConfigField(
            "folder",
            "Folder",
            FieldType.PATH,
            visible_if=_only("folder"),
            help=r"e.g. C:\Feeds or \\web-server\feeds",
        ),
        *sftp_fields(
            example_host="sftp.feedprovider.com",
            example_folder="/in",
            visible_if=_only("sftp"),
            host_key=ConfigField(
                HOST_KEY,
                "Host key fingerprint",
                visible_if=_only("sftp"),
                help="SHA256:… as the provider gives it. Test connection shows the server's.",
            ),
        ),
        ConfigField(
            "http_url",
            "Upload address",
            FieldType.URL,
            visible_if=_only("http"),
            help="The full feed address, e.g. https://feeds.example.com/feeds/website",
            placeholder="https://",
        ),
        ConfigField(
            "http_method",
            "Upload method",
            FieldType.CHOICE,
            default="PUT",
            choices=("PUT", "POST"),
            visible_if=_only("http"),
            advanced=True,
            help="How the file is sent; the receiver's documentation says which.",
        ),
        ConfigField(
            "api_key_header",
            "API key header",
            default="X-API-Key",
            visible_if=_only("http"),
            advanced=True,
            help="The header the key is sent in.",
        ),
        ConfigField(
            "api_key",
            "API key",
            secret=True,
            visible_if=_only("http"),
            help="Stored in the Windows Credential Manager / system keyring, never on disk.",
        ),
        ConfigField(
            "timeout_s", "Timeout (seconds)", FieldType.INTEGER, default=60, minimum=1, maximum=600
        ),
    )

    def _setting(self, name: str) -> Any:
        return self.field(name).coerce(self.settings.get(name))

    @property
    def mode(self) -> str:
        return str(self._setting("delivery") or "http")

    @classmethod
    def validate(cls, settings: dict[str, Any], secrets: dict[str, str]) -> dict[str, str]:
        problems = super().validate(settings, secrets)
        mode = str(settings.get("delivery") or "http")
        needs = {"folder": ("folder",), "http": ("http_url",)}.get(mode, ())
        for name in needs:
            if not str(settings.get(name) or "").strip():
                problems.setdefault(name, f"{cls.field(name).label} is required for {mode}.")
        if mode == "sftp":
            problems = {**sftp_problems(cls, settings, secrets), **problems}
        if mode == "http" and not secrets.get("api_key"):
            problems.setdefault("api_key", "API key is required for http upload.")
        name = str(settings.get("file_name") or "").strip()
        problem = file_name_problem(name) if name else None
        if problem:
            problems.setdefault("file_name", f"The file name {problem}.")
        return problems

    def file_name(self, channel: str, file_format: str) -> str:
        name = str(self._setting("file_name") or "").strip()
        problem = file_name_problem(name) if name else None
        if problem:
            raise ConnectorError(f"The feed file name {name[:60]!r} {problem}.")
        return name or f"{channel}.{file_format}"

    def sftp_settings(self) -> SftpSettings:
        return settings_of(self, timeout_s=float(self._setting("timeout_s")))

    def deliver(
        self,
        name: str,
        data: bytes,
        content_type: str,
        *,
        on_chunk: ChunkHook | None = None,
    ) -> DeliveryReceipt:
        """Put one complete feed file at the destination, atomically."""
        if self.mode == "folder":
            return write_atomic(Path(str(self._setting("folder"))), name, data, on_chunk=on_chunk)
        if self.mode == "sftp":
            from app.connectors import feed_sftp

            return feed_sftp.upload(self.sftp_settings(), name, data, on_chunk)
        return feed_http.upload(
            str(self._setting("http_url")),
            data,
            content_type,
            api_key=self.secrets.get("api_key", ""),
            header=str(self._setting("api_key_header") or "X-API-Key"),
            method=str(self._setting("http_method")),
            timeout_s=float(self._setting("timeout_s")),
        )

    def check(self) -> CheckResult:
        return timed_check("feed destination", self._probe)

    def _probe(self) -> str:
        if self.mode == "folder":
            return probe_folder(Path(str(self._setting("folder") or "")))
        if self.mode == "sftp":
            from app.connectors import feed_sftp

            return feed_sftp.probe(self.sftp_settings())
        return feed_http.probe(
            str(self._setting("http_url")),
            api_key=self.secrets.get("api_key", ""),
            header=str(self._setting("api_key_header") or "X-API-Key"),
            timeout_s=float(self._setting("timeout_s")),
        )
