"""The audit log table (newest first)."""

from __future__ import annotations

from typing import Any

from app.services.audit import AuditView
from app.ui.formatting import full_time
from app.ui.models.rows_model import Column, RowsTableModel

ACTION_LABELS = {
    "create": "Created",
    "update": "Edited",
    "delete": "Deleted",
    "duplicate": "Duplicated",
    "import": "Imported",
    "export": "Exported",
    "learn_setting": "Learned on use",  # e.g. an SFTP host key pinned on first use
    "pause": "Paused",
    "resume": "Resumed",
    "dismiss": "Dismissed",
    "edit_payload": "Edited and replayed",
    "merge": "Merged",
    "merge_retry": "Retried a merge",
    "unmerge": "Undid a merge",
    "not_duplicate": "Marked not a duplicate",
    "set_pin": "Set the admin PIN",
    "set_mode": "Switched mode",
    "pin_refused": "Wrong admin PIN",
    "privacy_erase": "Erased personal data",
    "privacy_export": "Exported personal data",
    "reveal_personal_data": "Showed personal data",
    "save_mapping": "Saved a mapping",
    "restore_mapping": "Restored a mapping version",
    "import_mapping": "Imported a mapping",
    "save_schedule": "Changed the schedule",
    "set_owner": "Changed who wins a field",
    "shadow": "Started a shadow run",
    "go_live": "Went live",
    "segment.save": "Saved a segment",
    "segment.delete": "Deleted a segment",
    "segment.settings": "Changed segment settings",
    "contact.do_not_contact": "Put on the do-not-contact list",
    "contact.erasure": "Recorded a privacy erasure",
}
OBJECT_LABELS = {
    "connection_profile": "Connection",
    "retry_queue": "Waiting records",
    "parked_record": "Parked record",
    "matching_thresholds": "Duplicate matching",
    "duplicate": "Possible duplicate",
    "privacy_request": "Privacy request",
    "settings": "Settings",
    "setting": "Settings",
}


def _words(code: str) -> str:
    """A code nobody labelled yet, as words rather than 'set_mode' ('Set mode')."""
    text = code.replace("_", " ").replace(".", " ").replace(":", ": ").strip()
    return text[:1].upper() + text[1:]


def action_label(action: str) -> str:
    """How the audit log names an action: 'set_mode' -> 'Switched mode'."""
    if action.startswith("option:"):
        return f"Changed the option {_words(action.removeprefix('option:')).lower()}"
    return ACTION_LABELS.get(action) or _words(action)


def object_label(object_type: str) -> str:
    return OBJECT_LABELS.get(object_type) or _words(object_type)


# short codes in setting names, as people write them
_SHORT = {
    "url": "URL", "id": "ID", "api": "API", "tls": "TLS", "sms": "SMS", "imap": "IMAP",
    "sftp": "SFTP", "dms": "DMS", "crm": "CRM", "vin": "VIN", "pin": "PIN", "oauth": "OAuth",
    "ssn": "SSN", "adf": "ADF", "csv": "CSV", "ca": "CA", "ms": "(ms)", "s": "(s)",
    "mb": "(MB)",
}  # fmt: skip


def field_words(path: str) -> str:
    """A stored field path in words: 'settings.base_url' -> 'Settings › Base URL',
    'settings.rate_limit_per_s' -> 'Settings › Rate limit per second'."""
    parts = []
    for name in path.split("."):
        words = name.replace("per_s", "per_second").split("_")
        text = " ".join(_SHORT.get(w.lower(), w) for w in words if w)
        parts.append(text[:1].upper() + text[1:])
    return " › ".join(parts)


def describe_changes(changes: dict[str, Any], prefix: str = "") -> list[str]:
    """One readable line per changed field: 'Settings › Base URL: a → b'."""
    lines: list[str] = []
    for key, change in changes.items():
        path = f"{prefix}{key}"
        if isinstance(change, dict) and set(change) <= {"before", "after"} and change:
            lines.append(f"{field_words(path)}: {change.get('before')!r} → {change.get('after')!r}")
        elif isinstance(change, dict):
            lines.extend(describe_changes(change, prefix=f"{path}."))
    return lines


def _changes(e: AuditView) -> list[str]:
    return describe_changes(e.diff.get("changes", {}))


class AuditTableModel(RowsTableModel[AuditView]):
    COLUMNS = tuple(
        Column(header, text, sort=sort, tip=lambda e: "\n".join(_changes(e)) or None)
        for header, text, sort in (
            ("When", lambda e: full_time(e.at), lambda e: e.id),
            ("User", lambda e: e.os_user, None),
            ("Action", lambda e: action_label(e.action), None),
            ("Object", lambda e: f"{object_label(e.object_type)}: {e.object_name}", None),
            ("Changes", lambda e: f"{len(_changes(e))} field(s)" if _changes(e) else "—", None),
        )
    )
