"""Connection profiles to and from JSON files: how an installer rolls one rooftop's
connections out to the next.

Secrets never leave the keyring in an export: each appears as the reference
``keyring:RooftopSync/profile/<uid>/<field>``. On import, a secret value in the file
goes straight to the keyring; a reference stands only for the same profile's own stored
secret (a file re-imported over the profile it came from). A reference to anything else
— another profile's secret, the admin PIN, a webhook secret — refuses that profile, so a
file can never send a stored secret to a host of its choosing; nor does a profile's own
secret follow it to a new address."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app import __version__, secrets
from app.connectors.base import FieldType, http_warning
from app.connectors.errors import ConnectorError
from app.connectors.registry import get_kind
from app.services import audit
from app.services.errors import ImportFileError, ValidationError
from app.services.profile_info import ProfileInfo
from app.services.profile_secrets import address_fingerprint, secret_owner, stored_fingerprint
from app.services.profiles import ProfileService
from app.store.errors import DuplicateNameError, NotFoundError
from app.store.models import utcnow

EXPORT_FORMAT = "rooftop-sync/profiles"
EXPORT_VERSION = 1
MAX_FILE_BYTES = 10_000_000
_SCALARS = (str, int, float, bool)


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Entry:
    """One profile of a file, its JSON types checked."""

    name: str
    kind: str
    settings: dict[str, Any]
    values: dict[str, str]  # secret values given in the file
    references: dict[str, str]  # secret field -> keyring reference
    uid: str = ""  # the profile's uid where the file was exported


def profile_entries(
    service: ProfileService, profile_ids: Iterable[int] | None = None
) -> list[dict[str, Any]]:
    """Profiles as a file carries them: settings, and secrets only as references."""
    wanted = set(profile_ids) if profile_ids is not None else None
    return [
        {
            "uid": p.uid,
            "name": p.name,
            "kind": p.kind,
            "settings": p.settings,
            "secrets": {
                n: secrets.reference(secret_owner(p.uid), n) for n in sorted(p.secrets_set)
            },
        }
        for p in service.list()
        if wanted is None or p.id in wanted
    ]


def export_profiles(
    service: ProfileService, path: Path, profile_ids: Iterable[int] | None = None
) -> int:
    """Write profiles to a JSON file. Secrets appear only as ``keyring:`` references."""
    entries = profile_entries(service, profile_ids)
    document = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "app_version": __version__,
        "exported_at": utcnow().isoformat(),
        "exported_by": audit.current_os_user(),
        "profiles": entries,
    }
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    with service.store.session() as s:
        audit.record(
            s,
            "export",
            "connection_profile",
            object_name=str(path),
            extra={"profiles": [e["name"] for e in entries]},
        )
    return len(entries)


def import_profiles(service: ProfileService, path: Path, *, replace: bool = False) -> ImportReport:
    """Read a profiles file. Each profile is imported or refused on its own, with a
    readable reason; a refused or failed one changes nothing (a replaced profile and its
    secrets stay as they were)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFileError(
                f"{path.name} is {size / 1e6:,.0f} MB; a profiles file is a few kilobytes "
                f"(at most {MAX_FILE_BYTES // 1_000_000} MB is read).",
                hint="Nothing was imported.",
            )
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFileError(f"Cannot read {path}: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise ImportFileError(
            f"{path.name} is not a Rooftop Sync profiles export.",
            hint=f'Expected "format": "{EXPORT_FORMAT}".',
        )
    entries = document.get("profiles")
    if not isinstance(entries, list):
        raise ImportFileError(f"{path.name} has no list of profiles.")
    return import_entries(service, entries, replace=replace)


def import_entries(
    service: ProfileService, entries: list[Any], *, replace: bool = False
) -> ImportReport:
    """Import profile entries (as ``profile_entries`` writes them), each on its own."""
    report = ImportReport()
    for index, raw in enumerate(entries, start=1):
        label = f"entry {index}"
        if isinstance(raw, dict) and isinstance(raw.get("name"), str) and raw["name"].strip():
            label = raw["name"].strip()
        try:
            entry = _parse(raw)
            _import_one(service, entry, replace, report)
        except (ValidationError, ImportFileError, DuplicateNameError, ConnectorError) as exc:
            report.warnings.append(f"{label}: not imported — {exc}")
            continue
        warning = http_warning(get_kind(entry.kind).unencrypted_addresses(entry.settings))
        if warning and entry.name in (*report.created, *report.replaced):
            report.warnings.append(f"{entry.name}: {warning}")
    return report


def check_entry(raw: Any) -> list[str]:
    """Why an entry could not be imported (empty when it could), nothing changed."""
    try:
        entry = _parse(raw)
    except (ImportFileError, ConnectorError) as exc:
        return [str(exc)]
    cls = get_kind(entry.kind)
    assumed = {n: "given" for n in cls.secret_field_names()}  # secrets may come later
    problems = cls.validate(entry.settings, {**assumed, **entry.values})
    return [f"{name}: {problem}" for name, problem in problems.items()]


def secrets_needed(service: ProfileService, raw: Any) -> list[str]:
    """Labels of the secrets an entry's sign-in needs that its import would leave unset
    (neither a value in the file nor the profile's own secret on this computer)."""
    try:
        entry = _parse(raw)
        try:
            old: ProfileInfo | None = service.get_by_name(entry.name)
        except NotFoundError:
            old = None
        own, _warnings = _check_references(service, entry, old)
    except (ImportFileError, ConnectorError):
        return []
    cls = get_kind(entry.kind)
    if old is not None and not cls.address_changes(old.settings, entry.settings):
        own |= set(old.secrets_set) - set(entry.references)  # kept on replace
    available = {n: "set" for n in (*entry.values, *own)}
    problems = cls.validate(entry.settings, available)
    return [cls.field(n).label for n in cls.secret_field_names() if n in problems]


def _parse(raw: Any) -> _Entry:
    if not isinstance(raw, dict):
        raise ImportFileError("each profile must be a JSON object with a name and a kind")
    name, kind = raw.get("name"), raw.get("kind")
    if not isinstance(name, str) or not name.strip():
        raise ImportFileError('"name" must be a non-empty text')
    if not isinstance(kind, str) or not kind.strip():
        raise ImportFileError('"kind" must be a non-empty text')
    settings = raw.get("settings") if raw.get("settings") is not None else {}
    given = raw.get("secrets") if raw.get("secrets") is not None else {}
    if not isinstance(settings, dict):
        raise ImportFileError(f'"settings" must be a JSON object, not {_json_type(settings)}')
    if not isinstance(given, dict):
        raise ImportFileError(f'"secrets" must be a JSON object, not {_json_type(given)}')
    cls = get_kind(kind.strip())
    mappings = {f.name for f in cls.fields if f.type is FieldType.MAPPING}
    for key, value in settings.items():
        if key in mappings and isinstance(value, dict):
            continue  # name -> address pairs; the field checks each one
        if value is not None and not isinstance(value, _SCALARS):
            raise ImportFileError(
                f'setting "{key}" must be text, a number or true/false, not {_json_type(value)}'
            )
    settings = dict(settings)
    given = dict(given)
    # A hand-written file may put a secret among the settings: it still goes to the keyring.
    for secret_name in cls.secret_field_names():
        if secret_name in settings:
            given.setdefault(secret_name, settings.pop(secret_name))
    values: dict[str, str] = {}
    references: dict[str, str] = {}
    for secret_name, value in given.items():
        if secret_name not in cls.secret_field_names() or value in (None, ""):
            continue
        if not isinstance(value, str):
            raise ImportFileError(f'secret "{secret_name}" must be text, not {_json_type(value)}')
        if secrets.is_reference(value):
            references[secret_name] = value
        else:
            values[secret_name] = value
    uid = str(raw["uid"]) if isinstance(raw.get("uid"), str) else ""
    return _Entry(name.strip(), kind.strip(), settings, values, references, uid)


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false"}
    return names.get(type(value), "a number" if isinstance(value, int | float) else "null")


def _referenced_uid(ref: str, secret_name: str) -> str | None:
    """The profile uid of ``keyring:RooftopSync/profile/<uid>/<secret_name>``, or None
    when the reference points at anything else."""
    body = ref[len(secrets.REFERENCE_PREFIX) :]
    service_name, _, rest = body.partition("/")
    owner, _, field_name = rest.rpartition("/")
    kind, _, uid = owner.partition("/")
    if service_name != secrets.SERVICE or kind != "profile" or not uid or "/" in uid:
        return None
    return uid if field_name == secret_name else None


def _check_references(
    service: ProfileService, entry: _Entry, old: ProfileInfo | None
) -> tuple[set[str], list[str]]:
    """(secrets the reference keeps: this profile's own, stored), warnings. Any other
    reference is refused with the reason, and nothing of the profile is imported.

    A profile's own secret is found two ways: the same-name profile here has the uid the
    reference names; or no profile here has it and this computer's keyring holds that
    profile's secret for the very same address (exported from another data folder here)."""
    own: set[str] = set()
    warnings: list[str] = []
    for secret_name, ref in entry.references.items():
        uid = _referenced_uid(ref, secret_name)
        if uid is not None and old is not None and uid == old.uid:
            own.add(secret_name)
            continue
        if (
            uid is not None
            and old is None
            and uid == entry.uid
            and not _uid_in_use(service, uid)
            and _kept_here_for(entry, uid, secret_name)
        ):
            own.add(secret_name)
            continue
        if uid is None or _uid_in_use(service, uid):
            raise ImportFileError(
                f"its secret '{secret_name}' refers to {ref}, which is not this profile's own "
                "secret. A profiles file may only refer to the stored secret of the profile "
                "it describes; put the value in the file or enter it in the app. Nothing "
                "was sent."
            )
        warnings.append(
            f"{entry.name}: the secret '{secret_name}' is not in this computer's keyring; "
            "enter it in the profile editor."
        )
    return own, warnings


def _kept_here_for(entry: _Entry, uid: str, secret_name: str) -> bool:
    """Whether this computer's keyring holds ``uid``'s secret, stored for the address the
    entry has (a changed address never gets the old secret)."""
    fingerprint = stored_fingerprint(uid)
    wanted = address_fingerprint(get_kind(entry.kind), entry.settings)
    return fingerprint == wanted and secrets.get_secret(f"profile/{uid}", secret_name) is not None


def _uid_in_use(service: ProfileService, uid: str) -> bool:
    return any(p.uid == uid for p in service.list())


def _import_one(
    service: ProfileService, entry: _Entry, replace: bool, report: ImportReport
) -> None:
    try:
        old: ProfileInfo | None = service.get_by_name(entry.name)
    except NotFoundError:
        old = None
    own, warnings = _check_references(service, entry, old)
    if old is not None and not replace:
        report.skipped.append(entry.name)
        return
    if old is None:
        # Imported profiles may still lack a secret that was not in the file.
        service.create(
            entry.name,
            entry.kind,
            entry.settings,
            entry.values,
            action="import",
            require_secrets=False,
            uid=entry.uid if own else None,  # the same profile: its secrets are its own
            adopt=own - set(entry.values),
        )
        report.created.append(entry.name)
        report.warnings.extend(warnings)
        return
    cls = get_kind(entry.kind)
    moved = cls.address_changes(old.settings, entry.settings)
    if entry.kind != old.kind:
        moved = moved or ["kind"]
    stored = old.secrets_set & set(cls.secret_field_names())
    secret_values: dict[str, str | None] = dict(entry.values)
    for secret_name in sorted(stored - set(entry.values)):
        if moved:  # a stored secret never follows its profile somewhere new
            why = f"the {', '.join(moved)} changed"
        elif secret_name in entry.references and secret_name not in own:
            why = "the file refers to another secret"
        else:
            continue
        secret_values[secret_name] = None
        warnings.append(
            f"{entry.name}: {why}, so the stored secret '{secret_name}' was not kept; "
            "enter it in the profile editor."
        )
    service.update(
        old.id,
        settings=entry.settings,
        secret_values=secret_values,
        kind=entry.kind,
        require_secrets=False,
    )
    report.replaced.append(entry.name)
    report.warnings.extend(warnings)
