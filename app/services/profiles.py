"""Connection profiles: settings in SQLite, secrets in the keyring, every change audited."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import __version__, secrets
from app.connectors.base import CheckResult, Connector
from app.connectors.errors import ConnectorError
from app.connectors.registry import get_kind
from app.services import audit
from app.services.errors import ImportFileError, ValidationError
from app.store import Store
from app.store.errors import DuplicateNameError, NotFoundError
from app.store.models import ConnectionProfile, utcnow

EXPORT_FORMAT = "rooftop-sync/profiles"
EXPORT_VERSION = 1


@dataclass(frozen=True)
class ProfileInfo:
    """A profile as the UI and CLI see it: no secret values, only which secrets are set."""

    id: int
    uid: str
    name: str
    kind: str
    kind_label: str
    settings: dict[str, Any]
    secrets_set: frozenset[str]
    is_demo: bool
    created_at: datetime
    updated_at: datetime
    last_test_at: datetime | None
    last_test_ok: bool | None
    last_test_message: str | None
    last_used_at: datetime | None


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _owner(uid: str) -> str:
    return f"profile/{uid}"


def _info(row: ConnectionProfile) -> ProfileInfo:
    try:
        label = get_kind(row.kind).label
    except ConnectorError:  # an unknown kind must not hide the profile from the list
        label = f"{row.kind} (unknown kind)"
    return ProfileInfo(
        id=row.id,
        uid=row.uid,
        name=row.name,
        kind=row.kind,
        kind_label=label,
        settings=dict(row.settings or {}),
        secrets_set=frozenset(row.secret_fields or ()),
        is_demo=row.is_demo,
        created_at=row.created_at,
        updated_at=row.updated_at,
        last_test_at=row.last_test_at,
        last_test_ok=row.last_test_ok,
        last_test_message=row.last_test_message,
        last_used_at=row.last_used_at,
    )


def _snapshot(row: ConnectionProfile, changed_secrets: Iterable[str] = ()) -> dict[str, Any]:
    """What the audit log may see of a profile: secrets only as 'stored' / 'not set'."""
    changed = set(changed_secrets)
    return {
        "name": row.name,
        "kind": row.kind,
        "settings": dict(row.settings or {}),
        "secrets": {
            name: ("stored (new value)" if name in changed else "stored")
            for name in sorted(row.secret_fields or ())
        },
    }


class ProfileService:
    """Create, edit, test, export and import connection profiles."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # --- reading -------------------------------------------------------------------
    def list(self) -> list[ProfileInfo]:
        with self.store.session() as s:
            rows = s.scalars(select(ConnectionProfile).order_by(ConnectionProfile.name)).all()
            return [_info(r) for r in rows]

    def get(self, profile_id: int) -> ProfileInfo:
        with self.store.session() as s:
            return _info(self._row(s, profile_id))

    def get_by_name(self, name: str) -> ProfileInfo:
        with self.store.session() as s:
            row = s.scalar(select(ConnectionProfile).where(ConnectionProfile.name == name))
            if row is None:
                raise NotFoundError(f"There is no connection profile named '{name}'.")
            return _info(row)

    def secrets_for(self, profile_id: int) -> dict[str, str]:
        """The profile's secret values, read from the keyring (for connectors only)."""
        info = self.get(profile_id)
        values: dict[str, str] = {}
        for name in info.secrets_set:
            value = secrets.get_secret(_owner(info.uid), name)
            if value is not None:
                values[name] = value
        return values

    def connector(self, profile_id: int) -> Connector:
        info = self.get(profile_id)
        return get_kind(info.kind)(info.settings, self.secrets_for(profile_id))

    # --- writing -------------------------------------------------------------------
    def create(
        self,
        name: str,
        kind: str,
        settings: dict[str, Any],
        secret_values: dict[str, str] | None = None,
        *,
        is_demo: bool = False,
        uid: str | None = None,
        action: str = "create",
        require_secrets: bool = True,
    ) -> ProfileInfo:
        """Create a profile; ``require_secrets=False`` lets an import leave a required
        secret for the admin to enter later."""
        cls = get_kind(kind)
        already = set() if require_secrets else set(cls.secret_field_names())
        clean, given = self._prepare(cls, name, settings, secret_values or {}, already=already)
        uid = uid or str(uuid.uuid4())
        for field_name, value in given.items():
            secrets.set_secret(_owner(uid), field_name, value)
        try:
            with self.store.session() as s:
                now = utcnow()
                row = ConnectionProfile(
                    uid=uid,
                    name=name.strip(),
                    kind=kind,
                    settings=clean,
                    secret_fields=sorted(given),
                    is_demo=is_demo,
                    created_at=now,
                    updated_at=now,
                )
                s.add(row)
                s.flush()
                audit.record(
                    s,
                    action,
                    "connection_profile",
                    object_id=uid,
                    object_name=row.name,
                    after=_snapshot(row, given),
                )
                return _info(row)
        except IntegrityError:
            for field_name in given:
                secrets.delete_secret(_owner(uid), field_name)
            raise DuplicateNameError(
                f"A connection profile named '{name.strip()}' already exists.",
                hint="Choose another name.",
            ) from None

    def update(
        self,
        profile_id: int,
        *,
        name: str | None = None,
        settings: dict[str, Any] | None = None,
        secret_values: dict[str, str | None] | None = None,
    ) -> ProfileInfo:
        """Change a profile. In ``secret_values`` a value replaces the secret, None deletes
        it, and a field that is absent keeps its stored secret."""
        secret_values = secret_values or {}
        with self.store.session() as s:
            row = self._row(s, profile_id)
            cls = get_kind(row.kind)
            stored = set(row.secret_fields or ())
            kept = {n for n in stored if n not in secret_values}
            new_name = row.name if name is None else name
            new_settings = dict(row.settings) if settings is None else settings
            to_set = {k: v for k, v in secret_values.items() if v}
            clean, given = self._prepare(cls, new_name, new_settings, to_set, already=kept)
            before = _snapshot(row)
            cleared = [k for k, v in secret_values.items() if not v and k in stored]
            for field_name, value in given.items():
                secrets.set_secret(_owner(row.uid), field_name, value)
            for field_name in cleared:
                secrets.delete_secret(_owner(row.uid), field_name)
            row.name = new_name.strip()
            row.settings = clean
            row.secret_fields = sorted(kept | set(given))
            row.updated_at = utcnow()
            try:
                s.flush()
            except IntegrityError:
                raise DuplicateNameError(
                    f"A connection profile named '{row.name}' already exists.",
                    hint="Choose another name.",
                ) from None
            audit.record(
                s,
                "update",
                "connection_profile",
                object_id=row.uid,
                object_name=row.name,
                before=before,
                after=_snapshot(row, given),
            )
            return _info(row)

    def duplicate(self, profile_id: int, new_name: str | None = None) -> ProfileInfo:
        """Copy a profile under a new name, secrets included (copied inside the keyring)."""
        info = self.get(profile_id)
        existing = {p.name for p in self.list()}
        name = new_name or self._free_name(f"{info.name} (copy)", existing)
        return self.create(
            name, info.kind, info.settings, self.secrets_for(profile_id), action="duplicate"
        )

    def delete(self, profile_id: int) -> None:
        with self.store.session() as s:
            row = self._row(s, profile_id)
            before = _snapshot(row)
            uid, fields = row.uid, list(row.secret_fields or ())
            audit.record(
                s,
                "delete",
                "connection_profile",
                object_id=uid,
                object_name=row.name,
                before=before,
            )
            s.delete(row)
            try:
                s.flush()
            except IntegrityError:
                raise ValidationError(
                    f"'{row.name}' is used by a flow; delete or change that flow first."
                ) from None
        for field_name in fields:
            secrets.delete_secret(_owner(uid), field_name)

    # --- testing -------------------------------------------------------------------
    def test(self, profile_id: int) -> CheckResult:
        """Run the kind's connection test and remember the result on the profile."""
        connector = self.connector(profile_id)
        try:
            result = connector.check()
        finally:
            connector.close()
        with self.store.session() as s:
            row = self._row(s, profile_id)
            row.last_test_at = utcnow()
            row.last_test_ok = result.ok
            row.last_test_message = result.message
        return result

    @staticmethod
    def test_unsaved(
        kind: str, settings: dict[str, Any], secret_values: dict[str, str]
    ) -> CheckResult:
        """Test settings typed into the editor before they are saved."""
        cls = get_kind(kind)
        problems = cls.validate(settings, secret_values)
        if problems:
            return CheckResult(
                False, "Fix the highlighted fields first: " + "; ".join(problems.values())
            )
        coerced = {
            f.name: f.coerce(settings.get(f.name, f.default)) for f in cls.fields if not f.secret
        }
        connector = cls(coerced, secret_values)
        try:
            return connector.check()
        finally:
            connector.close()

    # --- export / import -----------------------------------------------------------
    def export(self, path: Path, profile_ids: Iterable[int] | None = None) -> int:
        """Write profiles to a JSON file. Secrets appear only as ``keyring:`` references."""
        wanted = set(profile_ids) if profile_ids is not None else None
        profiles = [p for p in self.list() if wanted is None or p.id in wanted]
        document = {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "app_version": __version__,
            "exported_at": utcnow().isoformat(),
            "exported_by": audit.current_os_user(),
            "profiles": [
                {
                    "uid": p.uid,
                    "name": p.name,
                    "kind": p.kind,
                    "settings": p.settings,
                    "secrets": {
                        n: secrets.reference(_owner(p.uid), n) for n in sorted(p.secrets_set)
                    },
                }
                for p in profiles
            ],
        }
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
        with self.store.session() as s:
            audit.record(
                s,
                "export",
                "connection_profile",
                object_name=str(path),
                extra={"profiles": [p.name for p in profiles]},
            )
        return len(profiles)

    def import_file(self, path: Path, *, replace: bool = False) -> ImportReport:
        """Read a profiles file. Secret values found in it go into the keyring; references
        are resolved from this machine's keyring when they can be."""
        try:
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
        report = ImportReport()
        existing = {p.name: p for p in self.list()}
        for index, entry in enumerate(entries, start=1):
            try:
                self._import_one(entry, existing, replace, report)
            except (ValidationError, ImportFileError, DuplicateNameError, ConnectorError) as exc:
                label = entry.get("name") if isinstance(entry, dict) else f"entry {index}"
                report.warnings.append(f"{label}: not imported — {exc}")
        return report

    def _import_one(
        self,
        entry: Any,
        existing: dict[str, ProfileInfo],
        replace: bool,
        report: ImportReport,
    ) -> None:
        if not isinstance(entry, dict) or not entry.get("name") or not entry.get("kind"):
            raise ImportFileError("each profile needs a name and a kind")
        name, kind = str(entry["name"]).strip(), str(entry["kind"])
        cls = get_kind(kind)
        settings = dict(entry.get("settings") or {})
        raw_secrets = dict(entry.get("secrets") or {})
        # A hand-written file may put a secret among the settings: it still goes to the keyring.
        for secret_name in cls.secret_field_names():
            if secret_name in settings:
                raw_secrets.setdefault(secret_name, settings.pop(secret_name))
        values: dict[str, str] = {}
        for secret_name, value in raw_secrets.items():
            if secret_name not in cls.secret_field_names() or value in (None, ""):
                continue
            if secrets.is_reference(value):
                resolved = self._resolve_reference(str(value))
                if resolved is None:
                    report.warnings.append(
                        f"{name}: the secret '{secret_name}' is not in this computer's "
                        "keyring; enter it in the profile editor."
                    )
                    continue
                values[secret_name] = resolved
            else:
                values[secret_name] = str(value)
        old = existing.get(name)
        if old is not None and not replace:
            report.skipped.append(name)
            return
        if old is not None and old.kind == kind:
            self.update(old.id, settings=settings, secret_values=dict(values))
            report.replaced.append(name)
            return
        if old is not None:
            self.delete(old.id)
        # Imported profiles may still lack a secret that was not in the file.
        self.create(name, kind, settings, values, action="import", require_secrets=False)
        (report.replaced if old is not None else report.created).append(name)

    @staticmethod
    def _resolve_reference(ref: str) -> str | None:
        body = ref[len(secrets.REFERENCE_PREFIX) :]
        service, _, rest = body.partition("/")
        owner, _, field_name = rest.rpartition("/")
        if service != secrets.SERVICE or not owner or not field_name:
            return None
        return secrets.get_secret(owner, field_name)

    # --- helpers -------------------------------------------------------------------
    @staticmethod
    def _row(session: Any, profile_id: int) -> ConnectionProfile:
        row = session.get(ConnectionProfile, profile_id)
        if row is None:
            raise NotFoundError(f"Connection profile #{profile_id} no longer exists.")
        return row

    @staticmethod
    def _free_name(base: str, taken: set[str]) -> str:
        name, n = base, 2
        while name in taken:
            name, n = f"{base} {n}", n + 1
        return name

    @staticmethod
    def _prepare(
        cls: type[Connector],
        name: str,
        settings: dict[str, Any],
        secret_values: dict[str, str],
        *,
        already: set[str],
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Validate and coerce; returns (settings without secrets, secrets to store)."""
        problems: dict[str, str] = {}
        if not name or not name.strip():
            problems["name"] = "Name is required."
        secret_names = set(cls.secret_field_names())
        given = {k: v for k, v in secret_values.items() if k in secret_names and v}
        check_secrets = {**{k: "stored" for k in already}, **given}
        problems.update(cls.validate(settings, check_secrets))
        if problems:
            raise ValidationError("The profile has problems.", problems)
        clean = {
            f.name: f.coerce(settings.get(f.name, f.default)) for f in cls.fields if not f.secret
        }
        return clean, given
