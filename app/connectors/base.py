"""What every connector kind declares: its config fields, a connection test, its streams."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlparse

MAX_SETTING_CHARS = 4_000  # an address, a path, a name, a fingerprint: never more
MAX_SECRET_CHARS = 64_000  # a private key in PEM is a few kilobytes


class FieldType(StrEnum):
    TEXT = "text"
    URL = "url"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    PATH = "path"
    MAPPING = "mapping"  # name -> value pairs (an API's URL per stream, a path, a JSON key)


class MapValues(StrEnum):
    """What the values of a MAPPING setting are."""

    ADDRESS = "address"  # a web address: https://…
    PATH = "path"  # a path on the API's server: /customers
    NAME = "name"  # a name, e.g. the JSON key the API uses for a field


@dataclass(frozen=True)
class ConfigField:
    """One setting of a connector kind; the profile editor form is generated from these."""

    name: str
    label: str
    type: FieldType = FieldType.TEXT
    required: bool = False
    secret: bool = False
    help: str = ""
    default: Any = None
    choices: tuple[str, ...] = ()
    # CHOICE only: what the editor shows for each of ``choices`` (plain words, same order);
    # empty: the values themselves
    choice_labels: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    placeholder: str = ""
    # Does this setting say where the profile's secrets are sent? None: web addresses and
    # host/port settings do. A stored secret never follows such a change unasked.
    address: bool | None = None
    # shown only while another setting has one of these values, e.g. ("auth_mode", ("oauth2",))
    visible_if: tuple[str, tuple[str, ...]] | None = None
    advanced: bool = False  # tucked under "Advanced settings" in the editor
    # the connector saves it itself when it learns it by using the system, if it is empty
    # (a host key pinned on first use; see ``Connector.learn``)
    learned: bool = False
    # MAPPING only: what the values are, and whether ``choices`` only suggest the names
    # (then the kind's own ``validate`` checks them)
    map_values: MapValues = MapValues.ADDRESS
    open_keys: bool = False

    def choice_label(self, value: Any) -> str:
        """The plain words the editor shows for one of ``choices``."""
        text = str(value)
        if text in self.choices and len(self.choice_labels) == len(self.choices):
            return self.choice_labels[self.choices.index(text)]
        return text

    def visible(self, settings: dict[str, Any], default_of: dict[str, Any]) -> bool:
        """Whether the editor shows this field, given the other settings' values."""
        if self.visible_if is None:
            return True
        other, values = self.visible_if
        return str(settings.get(other) or default_of.get(other) or "") in values

    @property
    def is_address(self) -> bool:
        if self.address is not None:
            return self.address
        if self.type is FieldType.MAPPING:
            return self.map_values is MapValues.ADDRESS
        return self.type is FieldType.URL or self.name.endswith(("_host", "_port"))

    def validate(self, value: Any) -> str | None:
        """Return a readable problem with ``value``, or None if it is acceptable."""
        empty = value is None or (isinstance(value, str) and not value.strip())
        if empty:
            return f"{self.label} is required." if self.required else None
        limit = MAX_SECRET_CHARS if self.secret else MAX_SETTING_CHARS
        if isinstance(value, str) and len(value) > limit:
            return f"{self.label} is {len(value):,} characters long; at most {limit:,} fit here."
        if self.type is FieldType.URL:
            parsed = urlparse(str(value).strip())
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                return f"{self.label} must be a web address starting with https://"
        if self.type is FieldType.INTEGER:
            number = whole_number(value)
            if number is None:
                return f"{self.label} must be a whole number."
            if self.minimum is not None and number < self.minimum:
                return f"{self.label} must be at least {self.minimum}."
            if self.maximum is not None and number > self.maximum:
                return f"{self.label} must be at most {self.maximum}."
        if self.type is FieldType.CHOICE and str(value) not in self.choices:
            words = ", ".join(self.choice_label(c) for c in self.choices)
            return f"{self.label} must be one of: {words}."
        if self.type is FieldType.BOOLEAN and not isinstance(value, bool):
            return f"{self.label} must be yes or no."
        if self.type is FieldType.MAPPING:
            return self._mapping_problem(value)
        return None

    def _mapping_problem(self, value: Any) -> str | None:
        try:
            pairs = parse_mapping(value)
        except ValueError as exc:
            return f"{self.label}: {exc}"
        for key, value in pairs.items():
            if self.choices and not self.open_keys and key not in self.choices:
                return f"{self.label}: '{key}' is not one of {', '.join(self.choices)}."
            problem = _map_value_problem(self.map_values, value)
            if problem:
                return f"{self.label}: {problem.replace('{key}', key)}"
        return None

    def coerce(self, value: Any) -> Any:
        """Turn a value from a form or a JSON file into this field's Python type."""
        if self.type is FieldType.MAPPING:
            return parse_mapping(value) if value else dict(self.default or {})
        if value is None or (isinstance(value, str) and not value.strip()):
            return self.default
        if self.type is FieldType.INTEGER:
            number = whole_number(value)
            if number is None:  # validate() says why; never cut 2.5 down to 2 quietly
                raise ValueError(f"{self.label} must be a whole number.")
            return number
        if self.type is FieldType.BOOLEAN:
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "y", "on")
            return bool(value)
        return str(value).strip() if not self.secret else str(value)


_LOOPBACK = ("localhost", "127.0.0.1", "::1")


def whole_number(value: Any) -> int | None:
    """``value`` as a whole number, or None: 2.5, true or "2.5" are not (``int()`` would
    take 2.5 as 2 and true as 1 without a word)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _plain_http(url: str) -> bool:
    parsed = urlparse(url.strip())
    host = (parsed.hostname or "").lower()
    return parsed.scheme == "http" and not (host in _LOOPBACK or host.startswith("127."))


def http_warning(labels: list[str]) -> str:
    """The warning for ``Connector.unencrypted_addresses``, or '' when there are none."""
    if not labels:
        return ""
    return (
        f"{', '.join(labels)} starts with http://, so customer data and the connection's "
        "password or key travel unencrypted; use https:// for a real system."
    )


_PATH_FORBIDDEN = frozenset(" \t?#{}")


def _map_value_problem(kind: MapValues, value: str) -> str | None:
    """What is wrong with one value of a MAPPING (``{key}`` stands for its name)."""
    if kind is MapValues.ADDRESS:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            return "the address for '{key}' must start with https://"
    elif kind is MapValues.PATH:
        if not value.startswith("/") or "://" in value:
            return "the path for '{key}' must start with / (e.g. /customers), not " + repr(value)
        if _PATH_FORBIDDEN & set(value):
            return "the path for '{key}' must not contain spaces, ?, #, { or }"
    elif any(ch.isspace() for ch in value):
        return "the name for '{key}' must not contain spaces"
    return None


def parse_mapping(value: Any) -> dict[str, str]:
    """A MAPPING setting as ``{name: value}``: from a JSON object, or from text with one
    ``name = value`` per line. A nested object (``{"a": {"b": v}}``, what a dotted
    ``--set …a.b=v`` makes) gives ``a.b``. Raises ``ValueError`` saying what is wrong."""
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        items = []
        for key, inner in value.items():
            if isinstance(inner, dict):
                items += [(f"{key}.{k}", v) for k, v in inner.items()]
            else:
                items.append((key, inner))
    elif isinstance(value, str):
        items = []
        for number, line in enumerate(value.splitlines(), start=1):
            if not line.strip():
                continue
            key, sep, rest = line.partition("=")
            if not sep:
                raise ValueError(f"line {number} needs the form 'name = value'")
            items.append((key, rest))
    else:
        raise ValueError("must be name → value pairs")
    out: dict[str, str] = {}
    for key, url in items:
        if not isinstance(key, str) or not isinstance(url, str):
            raise ValueError("names and values must be text")
        if key.strip() and url.strip():
            out[key.strip()] = url.strip()
    return out


@dataclass(frozen=True)
class CheckResult:
    """The answer to "Test connection"."""

    ok: bool
    message: str
    elapsed_ms: int = 0
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ConnectorHooks:
    """What the service that made a connector from a saved profile lends it (a connector
    knows no store).

    ``work_dir``: a folder of the connector's own for files it downloads (None: it makes a
    temporary one). ``remember(name, value)``: saves a setting the connector learned by
    using the system -- a host key pinned on first use -- on the profile, unless one is
    saved already; answers the value saved now. ``store`` and ``uid``: the app's store and
    the profile's uid, for a kind that keeps what a system pushes to it (a webhook inbox)
    until a run reads it (None and '' for an unsaved editor's test).
    ``credential_expiry(what, at)``: notes when one of the profile's credentials stops
    working (an OAuth server's answer said), for the credential_expiry alert.
    """

    work_dir: Path | None = None
    remember: Callable[[str, Any], Any] | None = None
    store: Any = None
    uid: str = ""
    credential_expiry: Callable[[str, datetime], None] | None = None


def parse_day(text: str) -> datetime | None:
    """A YYYY-MM-DD date as midnight UTC (None when it is not one)."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None


class Connector(ABC):
    """A configured external system. Subclasses declare ``kind``, ``label`` and ``fields``."""

    kind: ClassVar[str]
    label: ClassVar[str]
    description: ClassVar[str] = ""
    # what carries the data, in two or three words ("STAR REST", "CDK Fortellis"): the
    # Flows screen's "Carried by" column; empty means the label says it
    protocol: ClassVar[str] = ""
    fields: ClassVar[tuple[ConfigField, ...]]

    def __init__(self, settings: dict[str, Any], secrets: dict[str, str]) -> None:
        self.settings = settings
        self.secrets = secrets
        self.hooks = ConnectorHooks()
        # settings learned by using the system (see ``learn``), for an editor to fill in
        self.learned: dict[str, Any] = {}

    def learn(self, name: str, value: Any) -> Any:
        """Keep a setting learned by using the system (a host key pinned on first use):
        saved on the profile when the connector was made from one (``hooks.remember``),
        and in ``learned`` either way. Returns the value now in force."""
        if self.hooks.remember is not None:
            value = self.hooks.remember(name, value)
        self.settings = {**self.settings, name: value}
        self.learned[name] = value
        return value

    @property
    def saves_learned(self) -> bool:
        """Whether ``learn`` saves on a profile (False: an unsaved editor's test)."""
        return self.hooks.remember is not None

    @classmethod
    def field(cls, name: str) -> ConfigField:
        for f in cls.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @classmethod
    def secret_field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in cls.fields if f.secret)

    @classmethod
    def validate(cls, settings: dict[str, Any], secrets: dict[str, str]) -> dict[str, str]:
        """Problems per field name (empty when everything is acceptable)."""
        problems: dict[str, str] = {}
        for f in cls.fields:
            value = secrets.get(f.name) if f.secret else settings.get(f.name, f.default)
            problem = f.validate(value)
            if problem:
                problems[f.name] = problem
        return problems

    @classmethod
    def address_changes(cls, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
        """Labels of the settings that say where secrets go and differ between two sets
        of settings (compared as the profile would store them)."""
        changed = []
        for f in cls.fields:
            if f.secret or not f.is_address:
                continue
            try:
                old, new = (
                    f.coerce(before.get(f.name, f.default)),
                    f.coerce(after.get(f.name, f.default)),
                )
            except (TypeError, ValueError):
                old, new = before.get(f.name), after.get(f.name)
            if old != new:
                changed.append(f.label)
        return changed

    @classmethod
    def unencrypted_addresses(cls, settings: dict[str, Any]) -> list[str]:
        """Labels of the web addresses that send data (and secrets) unencrypted: http://
        to anything but this computer (the demo's simulated systems are on 127.0.0.1)."""
        found: list[str] = []
        for f in cls.fields:
            if f.type not in (FieldType.URL, FieldType.MAPPING) or f.secret:
                continue
            value = settings.get(f.name, f.default)
            try:
                urls = (
                    list(parse_mapping(value).values()) if f.type is FieldType.MAPPING else [value]
                )
            except ValueError:
                continue
            if any(_plain_http(str(u or "")) for u in urls):
                found.append(f.label)
        return found

    @abstractmethod
    def check(self) -> CheckResult:
        """Really connect to the system and say whether it works, in plain words."""

    def close(self) -> None:  # noqa: B027 — optional hook, most kinds hold nothing
        """Release network clients; the default holds none."""
