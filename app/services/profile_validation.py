"""The checks a connection profile passes before it is saved: its name, settings and
secrets valid for its kind, no stored secret sent to a new address, and no kind change
while a flow uses it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.connectors.base import Connector
from app.services.errors import ValidationError
from app.store.models import ConnectionProfile, Flow


def prepare_profile(
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
    elif len(name.strip()) > 200:
        problems["name"] = "The name is longer than 200 characters."
    secret_names = set(cls.secret_field_names())
    given = {k: v for k, v in secret_values.items() if k in secret_names and v}
    check_secrets = {**{k: "stored" for k in already}, **given}
    problems.update(cls.validate(settings, check_secrets))
    if problems:
        raise ValidationError("The profile has problems.", problems)
    clean = {f.name: f.coerce(settings.get(f.name, f.default)) for f in cls.fields if not f.secret}
    return clean, given


def refuse_moving_stored_secrets(cls: type[Connector], moved: list[str], kept: set[str]) -> None:
    """Stored secrets (``kept``) are never sent to a new address: when the address settings
    ``moved``, each must be entered again."""
    if moved and kept:
        raise ValidationError(
            "The connection's address changed, so its stored secrets must be entered again.",
            {
                n: f"{cls.field(n).label}: the {', '.join(moved)} changed — enter it "
                "again (a stored secret is never sent to a new address)."
                for n in sorted(kept)
            },
        )


def refuse_kind_change_in_use(session: Any, row: ConnectionProfile) -> None:
    used = session.scalars(
        select(Flow.name).where(
            (Flow.source_profile_id == row.id) | (Flow.dest_profile_id == row.id)
        )
    ).all()
    if used:
        raise ValidationError(
            f"'{row.name}' is used by {', '.join(sorted(used))}; its kind cannot change. "
            "Delete or change those flows first, or import it under another name."
        )
