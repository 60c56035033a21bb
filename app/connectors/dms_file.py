"""DMS file extracts: CSV files a DMS drops in a local or network (UNC) folder.

The folder is only read: files are never moved, renamed or deleted. The stream (named
after the entity, e.g. ``customers``) yields chunks with the canonical DMS columns plus
``_row_hash`` (sha256 of the normalised row, for change detection: extracts carry no
reliable timestamps, so ``cursor_field`` is None) and ``_source`` (``file:line``).

Rejected rows -- wrong column count, broken quoting, bytes the encoding cannot decode,
an empty or repeated key -- do not stop the read. Each becomes a dict
``{"file", "line", "reason", "raw"}``:

- ``stream.take_rejects()`` returns the rejects found since the last call (call it after
  each chunk, and once after the last one, to park them);
- ``stream.rejects`` keeps every reject of the current read (cleared when a read starts).

SFTP drop folders are not supported in this build (paramiko is not bundled): mount or
sync them to a local/UNC folder.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, TypedDict

import pandas as pd

from app.connectors.base import CheckResult, ConfigField, Connector, FieldType
from app.connectors.errors import ConnectorError
from app.connectors.rest_helpers import fields
from app.connectors.streams import Stream, StreamSource, StreamSpec
from app.formats.csv_extract import DELIMITERS, ENCODINGS, ExtractReader, ParsedRow
from app.formats.dms_layout import ENTITIES
from app.formats.errors import FormatError

PLURAL = {
    "customer": "customers",
    "vehicle": "vehicles",
    "deal": "deals",
    "repair_order": "repair_orders",
    "appointment": "appointments",
    "inventory": "inventory",
}
HASH_FIELD = "_row_hash"
SOURCE_FIELD = "_source"


class RejectedRow(TypedDict):
    file: str
    line: int
    reason: str
    raw: str


def row_hash(values: dict[str, str], columns: tuple[str, ...]) -> str:
    """sha256 over the canonical columns with whitespace collapsed (stable across runs)."""
    text = "\x1f".join(f"{c}={' '.join(values.get(c, '').split())}" for c in columns)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def matching_files(folder: Path, pattern: str) -> list[Path]:
    """Files in ``folder`` matching ``pattern`` (case-insensitive, like Windows), by name."""
    wanted = pattern.lower()
    return sorted(
        (p for p in folder.iterdir() if p.is_file() and fnmatch.fnmatch(p.name.lower(), wanted)),
        key=lambda p: p.name.lower(),
    )


class ExtractStream(Stream):
    def __init__(self, connector: DmsFileConnector) -> None:
        self.connector = connector
        self.entity = connector.entity
        self.columns, key = ENTITIES[self.entity]
        self.spec = StreamSpec(
            name=PLURAL[self.entity],
            entity=self.entity,
            fields=fields(
                (*self.columns, HASH_FIELD, SOURCE_FIELD),
                required=(key, HASH_FIELD),
                notes={
                    HASH_FIELD: "sha256 of the normalised row: changes when any field does.",
                    SOURCE_FIELD: "File name and line number the row came from.",
                },
            ),
            primary_key=key,
            cursor_field=None,
            description=f"{PLURAL[self.entity].replace('_', ' ').capitalize()} from DMS "
            "CSV extracts (read-only).",
        )
        self.rejects: list[RejectedRow] = []
        self._untaken: list[RejectedRow] = []
        self.files_read: list[str] = []

    def take_rejects(self) -> list[RejectedRow]:
        """Rejects found since the last call (the engine parks them)."""
        taken, self._untaken = self._untaken, []
        return taken

    def _reject(self, file: str, line: int, reason: str, raw: str = "") -> None:
        entry: RejectedRow = {"file": file, "line": line, "reason": reason, "raw": raw}
        self.rejects.append(entry)
        self._untaken.append(entry)

    def read(self, cursor: str | None = None) -> Iterator[pd.DataFrame]:
        self.rejects, self._untaken, self.files_read = [], [], []
        chunk: list[dict[str, str]] = []
        size = self.connector.chunk_rows
        for path in self.connector.files_to_read():
            for row in self._file_rows(path):
                chunk.append(row)
                if len(chunk) >= size:
                    yield self._frame(chunk)
                    chunk = []
        if chunk:
            yield self._frame(chunk)

    def _frame(self, rows: list[dict[str, str]]) -> pd.DataFrame:
        return pd.DataFrame(rows, columns=self.spec.field_names(), dtype=object)

    def _file_rows(self, path: Path) -> Iterator[dict[str, str]]:
        reader = self.connector.reader()
        key = self.spec.primary_key
        seen: dict[str, int] = {}
        self.files_read.append(path.name)
        checked = False
        try:
            for item in reader.rows(path):
                if not checked and reader.headers and key not in reader.headers.mapped():
                    self._reject(path.name, 1, _no_key_reason(key))
                    return
                checked = True
                if not isinstance(item, ParsedRow):
                    self._reject(path.name, item.line, item.reason, item.raw)
                    continue
                ident = item.values.get(key, "")
                if not ident:
                    self._reject(path.name, item.line, f"the {key} is empty")
                    continue
                if ident in seen:
                    reason = f"{key} {ident} already appeared on line {seen[ident]}"
                    self._reject(path.name, item.line, reason)
                    continue
                seen[ident] = item.line
                row = {c: item.values.get(c, "") for c in self.columns}
                row[HASH_FIELD] = row_hash(row, self.columns)
                row[SOURCE_FIELD] = f"{path.name}:{item.line}"
                yield row
        except FormatError as exc:
            self._reject(path.name, 0, exc.message)
        except OSError as exc:
            raise ConnectorError(
                f"Could not read {path}: {exc.strerror or exc}.",
                hint="Check that the folder is reachable and this Windows user may read it.",
            ) from exc


def _no_key_reason(key: str) -> str:
    return f"the file has no {key} column (no header matches it), so no row can be used"


class DmsFileConnector(Connector, StreamSource):
    kind = "dms_file"
    label = "DMS file extract (CSV)"
    description = (
        "CSV files your DMS exports on a schedule into a local or network folder "
        "(read only: files are never moved or deleted)."
    )
    fields: ClassVar[tuple[ConfigField, ...]] = (
        ConfigField(
            "folder",
            "Folder",
            FieldType.PATH,
            required=True,
            help="Where the DMS drops its extracts: a local folder or a network share such "
            r"as \\dms-server\exports. SFTP is not supported; mount it as a folder.",
        ),
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
            help="newest: only the latest file (full nightly extracts). all: every matching "
            "file in name order (delta extracts).",
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

    def _setting(self, name: str) -> Any:
        return self.field(name).coerce(self.settings.get(name))

    @property
    def entity(self) -> str:
        return str(self._setting("entity"))

    @property
    def chunk_rows(self) -> int:
        return int(self._setting("chunk_rows"))

    @property
    def folder(self) -> Path:
        return Path(str(self._setting("folder") or ""))

    def reader(self) -> ExtractReader:
        return ExtractReader(
            self.entity,
            encoding=str(self._setting("encoding")),
            delimiter=str(self._setting("delimiter")),
        )

    def files_to_read(self) -> list[Path]:
        folder = self.folder
        if not str(self._setting("folder") or "").strip():
            raise ConnectorError("The DMS extract connection has no folder set.")
        try:
            files = matching_files(folder, str(self._setting("file_pattern")))
            if self._setting("files") == "newest" and files:
                return [max(files, key=lambda p: (p.stat().st_mtime, p.name.lower()))]
        except OSError as exc:
            raise ConnectorError(
                f"Could not open the folder {folder}: {exc.strerror or exc}.",
                hint="Check the path, that the share is reachable, and read permission.",
            ) from exc
        return files

    def check(self) -> CheckResult:
        try:
            files = self.files_to_read()
        except ConnectorError as exc:
            return CheckResult(False, str(exc))
        pattern = self._setting("file_pattern")
        if not files:
            return CheckResult(False, f"No file in {self.folder} matches {pattern} yet.")
        newest = files[-1]
        reader = self.reader()
        try:
            next(iter(reader.rows(newest)), None)
        except (FormatError, OSError) as exc:
            return CheckResult(False, f"Could not read {newest.name}: {exc}")
        headers = reader.headers
        assert headers is not None
        key = ENTITIES[self.entity][1]
        if key not in headers.mapped():
            return CheckResult(False, f"{newest.name}: {_no_key_reason(key)}.")
        delimiter = {v: k for k, v in DELIMITERS.items() if v}.get(reader.delimiter, "?")
        message = (
            f"Found {len(files)} file(s) to read; {newest.name} is {reader.encoding}, "
            f"{delimiter}-separated, with {len(headers.mapped())} recognised column(s)."
        )
        if headers.ignored:
            message += f" Ignored columns: {', '.join(headers.ignored)}."
        return CheckResult(True, message, details={"ignored": list(headers.ignored)})

    def streams(self) -> dict[str, Stream]:
        stream = ExtractStream(self)
        return {stream.spec.name: stream}
