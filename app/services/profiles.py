"""Connection profiles: settings in SQLite, secrets in the keyring, every change audited.
How a profile is shown is in ``profile_info``, its keyring entries in ``profile_secrets``,
the checks it passes before a save in ``profile_validation``."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app import secrets
from app.connectors.base import (
    CheckResult,
    Connector,
    ConnectorHooks,
    http_warning,
    parse_day,
)
from app.connectors.registry import get_kind
from app.services import audit
from app.services.errors import ValidationError
from app.services.profile_info import ProfileInfo, audit_snapshot, profile_info
from app.services.profile_secrets import (
    ADDRESS_FIELD,
    address_fingerprint,
    secret_owner,
    secrets_swapped,
    to_reenter,
)
from app.services.profile_validation import (
    prepare_profile,
    refuse_kind_change_in_use,
    refuse_moving_stored_secrets,
)
from app.store import Store, alert_signals
from app.store.errors import DuplicateNameError, NotFoundError
from app.store.models import ConnectionProfile, utcnow


class ProfileService:
    """Create, edit, test and delete connection profiles (files: ``profile_transfer``)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # --- reading -------------------------------------------------------------------
    def list(self) -> list[ProfileInfo]:
        with self.store.session() as s:
            rows = s.scalars(select(ConnectionProfile).order_by(ConnectionProfile.name)).all()
            return [profile_info(r) for r in rows]

    def get(self, profile_id: int) -> ProfileInfo:
        with self.store.session() as s:
            return profile_info(self._row(s, profile_id))

    def get_by_name(self, name: str) -> ProfileInfo:
        with self.store.session() as s:
            row = s.scalar(select(ConnectionProfile).where(ConnectionProfile.name == name))
            if row is None:
                raise NotFoundError(f"There is no connection profile named '{name}'.")
            return profile_info(row)

    def secrets_for(self, profile_id: int) -> dict[str, str]:
        """The profile's secret values, read from the keyring (for connectors only)."""
        info = self.get(profile_id)
        values: dict[str, str] = {}
        for name in info.secrets_set:
            value = secrets.get_secret(secret_owner(info.uid), name)
            if value is not None:
                values[name] = value
        return values

    def identity_system(self, profile: ProfileInfo) -> str:
        """The system a profile's records belong to, for identity links: its own uid, or
        that of the connection it names in ``same_records_as`` (two APIs of one DMS —
        STAR for customers, CDK for repair orders — share one set of customer numbers)."""
        other = str(profile.settings.get("same_records_as") or "").strip()
        if not other or other == profile.name:
            return profile.uid
        try:
            return self.get_by_name(other).uid
        except NotFoundError:
            raise ValidationError(
                f"'{profile.name}' says its records are those of '{other}', but there is no "
                "connection of that name.",
                {"same_records_as": "Name an existing connection, or leave it empty."},
            ) from None

    def connector(self, profile_id: int) -> Connector:
        """The profile's connector, lent a work folder of its own and a way to save the
        settings it learns on first use (``remember_setting``)."""
        info = self.get(profile_id)
        connector = get_kind(info.kind)(info.settings, self.secrets_for(profile_id))
        connector.hooks = ConnectorHooks(
            work_dir=self.store.paths.work_dir / info.uid,
            remember=partial(self.remember_setting, profile_id),
            store=self.store,
            uid=info.uid,
            credential_expiry=partial(self._note_oauth_expiry, info.uid, info.name),
        )
        return connector

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
        adopt: Iterable[str] = (),
    ) -> ProfileInfo:
        """Create a profile; ``require_secrets=False`` lets an import leave a required
        secret for the admin to enter later. ``adopt``: secrets already in the keyring
        under ``uid`` (the same profile, exported from another data folder here)."""
        cls = get_kind(kind)
        adopted = set(adopt) & set(cls.secret_field_names())
        already = adopted if require_secrets else set(cls.secret_field_names())
        clean, given = prepare_profile(cls, name, settings, secret_values or {}, already=already)
        uid = uid or str(uuid.uuid4())
        for field_name, value in given.items():
            secrets.set_secret(secret_owner(uid), field_name, value)
        if given or adopted:
            secrets.set_secret(secret_owner(uid), ADDRESS_FIELD, address_fingerprint(cls, clean))
        try:
            with self.store.session() as s:
                now = utcnow()
                row = ConnectionProfile(
                    uid=uid,
                    name=name.strip(),
                    kind=kind,
                    settings=clean,
                    secret_fields=sorted(set(given) | adopted),
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
                    after=audit_snapshot(row, given),
                )
                info = profile_info(row)
        except IntegrityError:
            for field_name in given:
                secrets.delete_secret(secret_owner(uid), field_name)
            raise DuplicateNameError(
                f"A connection profile named '{name.strip()}' already exists.",
                hint="Choose another name.",
            ) from None
        self._note_expiry(info)
        return info

    def update(
        self,
        profile_id: int,
        *,
        name: str | None = None,
        settings: dict[str, Any] | None = None,
        secret_values: dict[str, str | None] | None = None,
        kind: str | None = None,
        require_secrets: bool = True,
    ) -> ProfileInfo:
        """Change a profile. In ``secret_values`` a value replaces the secret, None deletes
        it, and a field that is absent keeps its stored secret — unless the settings now
        send it somewhere else (another address, host, port or TLS setting): then every
        stored secret must be given again or cleared (a ``ValidationError`` says which).

        Everything is validated before anything changes; the row changes in one
        transaction and the keyring is put back if that transaction fails. ``kind``
        changes the kind (an import's replace); a profile a flow uses keeps its kind.
        ``require_secrets=False`` lets an import leave a required secret to enter later."""
        secret_values = secret_values or {}
        with self.store.session() as s:
            row = self._row(s, profile_id)
            new_kind = kind or row.kind
            cls = get_kind(new_kind)
            new_name = row.name if name is None else name
            new_settings = dict(row.settings) if settings is None else settings
            stored = set(row.secret_fields or ()) & set(cls.secret_field_names())
            moved = cls.address_changes(row.settings or {}, new_settings)
            if new_kind != row.kind:
                refuse_kind_change_in_use(s, row)
                moved = moved or ["kind"]
            kept = {n for n in stored if n not in secret_values}
            refuse_moving_stored_secrets(cls, moved, kept)
            to_set = {k: v for k, v in secret_values.items() if v}
            already = kept if require_secrets else set(cls.secret_field_names())
            clean, given = prepare_profile(cls, new_name, new_settings, to_set, already=already)
            before = audit_snapshot(row)
            obsolete = set(row.secret_fields or ()) - set(cls.secret_field_names())
            cleared = [k for k, v in secret_values.items() if not v and k in stored] + sorted(
                obsolete
            )
            row.name = new_name.strip()
            row.kind = new_kind
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
                after=audit_snapshot(row, given),
            )
            # Last, so a refused row change leaves the keyring as it was; a keyring that
            # refuses rolls the row back and gets the secrets it already took back.
            fingerprint = (
                {ADDRESS_FIELD: address_fingerprint(cls, clean)} if row.secret_fields else {}
            )
            with secrets_swapped(secret_owner(row.uid), {**given, **fingerprint}, cleared):
                s.commit()
            info = profile_info(row)
        self._note_expiry(info)
        return info

    def _note_expiry(self, info: ProfileInfo) -> None:
        """The date the profile's settings say its credentials stop working, for the
        credential_expiry alert (forgotten when the setting is cleared)."""
        key = f"profile:{info.uid}:settings"
        day = parse_day(str(info.settings.get("credential_expires_on") or ""))
        if day is None:
            alert_signals.forget(self.store, alert_signals.CREDENTIAL, key)
        else:
            label = f"{info.name}: the credentials"
            alert_signals.put(self.store, alert_signals.CREDENTIAL, key, label, day)

    def _note_oauth_expiry(self, uid: str, name: str, what: str, at: datetime) -> None:
        """An OAuth answer said when one of the profile's credentials ends."""
        key = f"profile:{uid}:{what}"
        alert_signals.put(self.store, alert_signals.CREDENTIAL, key, f"{name}: the {what}", at)

    def remember_setting(self, profile_id: int, name: str, value: Any) -> Any:
        """Save a setting a connector learned by using the system (a host key pinned on
        first use) unless the profile has a value already; answers the value saved.
        Only settings the kind declares ``learned`` can be saved this way."""
        with self.store.session() as s:
            # take the write lock first, so the value read below is the latest one and
            # two processes pinning at once cannot overwrite each other
            s.execute(
                update(ConnectionProfile)
                .where(ConnectionProfile.id == profile_id)
                .values(updated_at=ConnectionProfile.updated_at)
            )
            row = self._row(s, profile_id)
            s.refresh(row)
            spec = get_kind(row.kind).field(name)
            if not spec.learned or spec.secret:
                raise ValidationError(f"'{spec.label}' is not a setting a connection learns.")
            current = (row.settings or {}).get(name)
            if current not in (None, ""):
                return current
            before = audit_snapshot(row)
            row.settings = {**(row.settings or {}), name: spec.coerce(value)}
            row.updated_at = utcnow()
            audit.record(
                s,
                "learn_setting",
                "connection_profile",
                object_id=row.uid,
                object_name=row.name,
                before=before,
                after=audit_snapshot(row),
            )
            return row.settings[name]

    def secrets_to_reenter(self, profile_id: int, settings: dict[str, Any]) -> dict[str, str]:
        """For an editor: stored secrets that must be typed again if the profile is saved
        with ``settings`` (field name -> why), because they would go somewhere new."""
        info = self.get(profile_id)
        return to_reenter(get_kind(info.kind), info.settings, info.secrets_set, settings)

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
            before = audit_snapshot(row)
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
        for field_name in [*fields, ADDRESS_FIELD]:
            secrets.delete_secret(secret_owner(uid), field_name)
        alert_signals.forget_prefix(self.store, alert_signals.CREDENTIAL, f"profile:{uid}:")

    # --- testing -------------------------------------------------------------------
    def test(self, profile_id: int) -> CheckResult:
        """Run the kind's connection test and remember the result on the profile."""
        connector = self.connector(profile_id)
        try:
            result = connector.check()
        finally:
            connector.close()
        warning = http_warning(type(connector).unencrypted_addresses(connector.settings))
        if warning:
            result = replace(result, message=f"{result.message} Warning: {warning}")
        return self.record_test(profile_id, result)

    def record_test(self, profile_id: int, result: CheckResult) -> CheckResult:
        """Remember ``result`` as the profile's last test (the editor tested exactly the
        settings and secrets it then saved, so its result holds for the saved profile)."""
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
            result = connector.check()
        finally:
            connector.close()
        if connector.learned:  # e.g. a host key pinned on first use: the editor fills it in
            result = replace(result, details={**result.details, "learned": connector.learned})
        return result

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
