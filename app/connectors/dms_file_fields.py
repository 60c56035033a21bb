"""The settings of a DMS file extract connection (``dms_file``): where the extracts are
(a folder, or an SFTP server whose host key is pinned on first use), which files, and how
they are encoded. The profile editor is generated from ``FIELDS``."""

from __future__ import annotations

from app.connectors.base import ConfigField, FieldType
from app.connectors.sftp_settings import HOST_KEY, sftp_fields
from app.formats.csv_extract import DELIMITERS, ENCODINGS
from app.formats.dms_layout import ENTITIES

SOURCES = ("folder", "sftp")


def _only(source: str) -> tuple[str, tuple[str, ...]]:
    return ("source", (source,))


SFTP_FIELDS = (
    *sftp_fields(
        example_host="sftp.dms-vendor.com",
        example_folder="/outbound/extracts",
        visible_if=_only("sftp"),
        host_key=ConfigField(
            HOST_KEY,
            "Pinned host key",
            visible_if=_only("sftp"),
            learned=True,
            placeholder="pinned on the first connection",
            help="The server's key (SHA256:…), saved on the first connection; a different "
            "key is refused after that. Clear it only if the server was really replaced.",
        ),
    ),
    ConfigField(
        "sftp_settle_ms",
        "Wait for a file to be complete (ms)",
        FieldType.INTEGER,
        default=3000,
        minimum=0,
        maximum=600_000,
        visible_if=_only("sftp"),
        advanced=True,
        help="Each sync looks at the files twice, this far apart: a file whose size or time "
        "changed in between is still being written and waits for the next sync.",
    ),
    ConfigField(
        "sftp_timeout_s",
        "SFTP timeout (seconds)",
        FieldType.INTEGER,
        default=30,
        minimum=1,
        maximum=600,
        visible_if=_only("sftp"),
        advanced=True,
    ),
)

FIELDS: tuple[ConfigField, ...] = (
    ConfigField(
        "source",
        "Where the extracts are",
        FieldType.CHOICE,
        default="folder",
        choices=SOURCES,
        choice_labels=("A folder or network share", "An SFTP server"),
        help="A folder or network share is only read. On an SFTP server, files that were "
        "read are moved to processed/ there once the sync has saved them.",
    ),
    ConfigField(
        "folder",
        "Folder",
        FieldType.PATH,
        visible_if=_only("folder"),
        help="Where the DMS drops its extracts: a local folder or a network share such "
        r"as \\dms-server\exports.",
    ),
    *SFTP_FIELDS,
    ConfigField(
        "file_pattern",
        "File name pattern",
        default="CUSTOMERS_*.csv",
        help="Which files to read; * matches anything, e.g. CUSTOMERS_*.csv",
    ),
    ConfigField(
        "files",
        "Files to read",
        FieldType.CHOICE,
        default="newest",
        choices=("newest", "all"),
        choice_labels=("Only the newest file", "Every matching file"),
        help="Only the newest file suits full nightly extracts; every matching file (in "
        "name order) suits extracts that carry only the changes.",
    ),
    ConfigField(
        "entity",
        "Records in the file",
        FieldType.CHOICE,
        default="customer",
        choices=tuple(ENTITIES),
        help="What one row of the extract describes.",
    ),
    ConfigField(
        "encoding",
        "Encoding",
        FieldType.CHOICE,
        default="auto",
        choices=ENCODINGS,
        help="auto detects a UTF-8 BOM, then UTF-8, else Windows-1252 (cp1252).",
    ),
    ConfigField(
        "delimiter",
        "Delimiter",
        FieldType.CHOICE,
        default="auto",
        choices=tuple(DELIMITERS),
        help="auto picks the most frequent of , ; | and tab in the header line.",
    ),
    ConfigField(
        "chunk_rows",
        "Rows per chunk",
        FieldType.INTEGER,
        default=5000,
        minimum=100,
        maximum=100000,
        help="Rows handed to the sync at a time; lower it to use less memory.",
    ),
)
