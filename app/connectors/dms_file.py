"""DMS file extracts: CSV files a DMS drops in a local or network (UNC) folder, or on an
SFTP server.

The stream (named after the entity, e.g. ``customers``) yields chunks with the canonical
DMS columns plus ``_row_hash`` (sha256 of the normalised row, for change detection:
extracts carry no reliable timestamps, so ``cursor_field`` is None) and ``_source``
(``file:line``).

Where the extracts are (``source``):

- ``folder``: a local folder or a network share. It is only read: files are never moved,
  renamed or deleted.
- ``sftp``: a folder on an SFTP server (``dms_sftp``). The server's host key is pinned on
  the first connection (saved on the profile through ``Connector.learn``); a different key
  later is refused, naming both. A file still being written (its size or time changes
  between two looks ``sftp_settle_ms`` apart) is left for the next poll; the complete ones
  are downloaded to a work folder and read from there. Files the run read are moved to
  ``processed/`` on the server by ``ExtractStream.after_commit``, which the engine calls
  only once the run has committed: a run that fails or is killed moves nothing, and the
  next run reads the same files again (unchanged rows are skipped, nothing is sent twice).
  Give each SFTP pickup folder one flow: the first flow to commit takes the files.

Rejected rows -- wrong column count, broken quoting, bytes the encoding cannot decode,
an empty or repeated key -- do not stop the read. Each becomes a dict
``{"file", "line", "reason", "raw"}``:

- ``stream.take_rejects()`` returns the rejects found since the last call (call it after
  each chunk, and once after the last one, to park them);
- ``stream.rejects`` keeps every reject of the current read (cleared when a read starts).
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypedDict

import pandas as pd

from app.connectors.base import CheckResult, ConfigField, Connector
from app.connectors.dms_file_fields import FIELDS
from app.connectors.errors import ConnectorError
from app.connectors.rest_helpers import fields
from app.connectors.sftp_settings import (
    HOST_KEY,
    SftpSettings,
    settings_of,
    sftp_problems,
)
from app.connectors.streams import Stream, StreamSource, StreamSpec
from app.formats.csv_extract import DELIMITERS, ExtractReader, ParsedRow
from app.formats.dms_layout import ENTITIES
from app.formats.errors import FormatError

if TYPE_CHECKING:
    from app.connectors.dms_sftp import SftpPickup

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
    header: str  # the file's header line, so a corrected row can be read again on replay


def row_hash(values: dict[str, str], columns: tuple[str, ...]) -> str:
    """sha256 over the canonical columns with whitespace collapsed (stable across runs)."""
    text = "\x1f".join(f"{c}={' '.join(values.get(c, '').split())}" for c in columns)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def name_matches(name: str, pattern: str) -> bool:
    """Whether a file name matches the pattern (case-insensitive, like Windows)."""
    return fnmatch.fnmatch(name.lower(), pattern.lower())


def matching_files(folder: Path, pattern: str) -> list[Path]:
    """Files in ``folder`` matching ``pattern``, by name."""
    return sorted(
        (p for p in folder.iterdir() if p.is_file() and name_matches(p.name, pattern)),
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

    def _reject(self, file: str, line: int, reason: str, raw: str = "", header: str = "") -> None:
        entry: RejectedRow = {
            "file": file, "line": line, "reason": reason, "raw": raw, "header": header,
        }  # fmt: skip
        self.rejects.append(entry)
        self._untaken.append(entry)

    def reread_reject(self, reject: dict[str, Any]) -> dict[str, str]:
        """A parked reject's row read again (as the admin corrected its ``raw`` text) for a
        replay; ``FormatError`` says why it still cannot be used."""
        header, raw = str(reject.get("header") or ""), str(reject.get("raw") or "")
        where = f"{reject.get('file', '')} line {reject.get('line', '?')}"
        if not header or not raw:
            raise FormatError(
                f"{where} cannot be read again here: correct it in the DMS and it comes with "
                "the next extract."
            )
        reader = self.connector.reader()
        item = reader.reread(header, raw, int(reject.get("line") or 0))
        if not isinstance(item, ParsedRow):
            raise FormatError(f"{where}: {item.reason}")
        key = self.spec.primary_key
        if not item.values.get(key):
            raise FormatError(f"{where}: the {key} is empty")
        row = {c: item.values.get(c, "") for c in self.columns}
        row[HASH_FIELD] = row_hash(row, self.columns)
        row[SOURCE_FIELD] = f"{reject.get('file', '')}:{reject.get('line', '')}"
        return row

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

    def fetch(self, keys: Sequence[str]) -> pd.DataFrame:
        found = super().fetch(keys)
        self.connector.keep_read_files()  # a re-sync of some keys consumes no file
        return found

    def after_commit(self) -> None:
        """The run that read the files committed: SFTP files it read go to processed/."""
        self.connector.mark_processed()

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
                    self._reject(path.name, item.line, item.reason, item.raw, reader.header_text)
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
    protocol = "CSV extract"
    description = (
        "CSV files your DMS exports on a schedule into a local or network folder (read "
        "only), or onto an SFTP server (read files are moved to processed/ after each sync)."
    )
    fields: ClassVar[tuple[ConfigField, ...]] = FIELDS

    def __init__(self, settings: dict[str, Any], secrets: dict[str, str]) -> None:
        super().__init__(settings, secrets)
        self._pickup: SftpPickup | None = None

    @classmethod
    def validate(cls, settings: dict[str, Any], secrets: dict[str, str]) -> dict[str, str]:
        problems = super().validate(settings, secrets)
        if str(settings.get("source") or "folder") == "sftp":
            return {**sftp_problems(cls, settings, secrets), **problems}
        if not str(settings.get("folder") or "").strip():
            problems.setdefault("folder", "Folder is required.")
        return problems

    def _setting(self, name: str) -> Any:
        return self.field(name).coerce(self.settings.get(name))

    @property
    def source(self) -> str:
        return str(self._setting("source") or "folder")

    @property
    def entity(self) -> str:
        return str(self._setting("entity"))

    @property
    def chunk_rows(self) -> int:
        return int(self._setting("chunk_rows"))

    @property
    def folder(self) -> Path:
        return Path(str(self._setting("folder") or ""))

    @property
    def pattern(self) -> str:
        return str(self._setting("file_pattern"))

    def reader(self) -> ExtractReader:
        return ExtractReader(
            self.entity,
            encoding=str(self._setting("encoding")),
            delimiter=str(self._setting("delimiter")),
        )

    # --- where the files come from -----------------------------------------------------
    def pickup(self) -> SftpPickup:
        """The SFTP side of this connection (one per run: it remembers what it read)."""
        if self._pickup is None:
            from app.connectors.dms_sftp import SftpPickup  # paramiko loads only when used

            self._pickup = SftpPickup(
                self.sftp_settings(),
                matches=partial(name_matches, pattern=self.pattern),
                newest_only=self._setting("files") == "newest",
                settle_s=int(self._setting("sftp_settle_ms")) / 1000,
                work_dir=self.hooks.work_dir,
                pin=partial(self.learn, HOST_KEY),
            )
        return self._pickup

    def sftp_settings(self) -> SftpSettings:
        return settings_of(self, timeout_s=float(self._setting("sftp_timeout_s")))

    def files_to_read(self) -> list[Path]:
        """The extract files to read now, as local files (SFTP ones downloaded first)."""
        if self.source == "sftp":
            return self.pickup().poll()
        return self._local_files()

    def _local_files(self) -> list[Path]:
        folder = self.folder
        if not str(self._setting("folder") or "").strip():
            raise ConnectorError("The DMS extract connection has no folder set.")
        try:
            files = matching_files(folder, self.pattern)
            if self._setting("files") == "newest" and files:
                return [max(files, key=lambda p: (p.stat().st_mtime, p.name.lower()))]
        except OSError as exc:
            raise ConnectorError(
                f"Could not open the folder {folder}: {exc.strerror or exc}.",
                hint="Check the path, that the share is reachable, and read permission.",
            ) from exc
        return files

    def mark_processed(self) -> list[str]:
        """After the run that read the files committed: move the SFTP ones it read to
        ``processed/`` (a folder's files are never touched). The paths they moved to."""
        if self._pickup is None:
            return []
        return self._pickup.move_processed()

    def keep_read_files(self) -> None:
        """The files read so far stay where they are after the commit."""
        if self._pickup is not None:
            self._pickup.forget()

    def close(self) -> None:
        if self._pickup is not None:
            self._pickup.discard_downloads()

    # --- Test connection ---------------------------------------------------------------
    def check(self) -> CheckResult:
        if self.source == "sftp":
            from app.connectors.dms_sftp import check_sftp

            return check_sftp(self)
        try:
            files = self._local_files()
        except ConnectorError as exc:
            return CheckResult(False, str(exc))
        if not files:
            return CheckResult(False, f"No file in {self.folder} matches {self.pattern} yet.")
        newest = files[-1]
        return self.describe(newest, f"Found {len(files)} file(s) to read; ")

    def describe(self, path: Path, before: str) -> CheckResult:
        """Read the header of an extract file and say what it is."""
        reader = self.reader()
        try:
            next(iter(reader.rows(path)), None)
        except (FormatError, OSError) as exc:
            return CheckResult(False, f"{before}could not read {path.name}: {exc}")
        headers = reader.headers
        assert headers is not None
        key = ENTITIES[self.entity][1]
        if key not in headers.mapped():
            return CheckResult(False, f"{before}{path.name}: {_no_key_reason(key)}.")
        delimiter = {v: k for k, v in DELIMITERS.items() if v}.get(reader.delimiter, "?")
        message = (
            f"{before}{path.name} is {reader.encoding}, {delimiter}-separated, with "
            f"{len(headers.mapped())} recognised column(s)."
        )
        if headers.ignored:
            message += f" Ignored columns: {', '.join(headers.ignored)}."
        return CheckResult(True, message, details={"ignored": list(headers.ignored)})

    def streams(self) -> dict[str, Stream]:
        stream = ExtractStream(self)
        return {stream.spec.name: stream}
