"""The Generic REST kinds' dialect: what an IT admin sets in a ``dms_rest`` or ``crm_rest``
profile to point it at an API shaped a bit differently from the one it was built on —
the path of each stream, the paging style with its parameter and body names, the
"changed since" parameter, and the JSON key of any field.

Every setting defaults to the kind's own dialect (``DialectDefaults``), so a profile that
sets none of them behaves exactly as before. ``dialect_fields`` declares the settings
(all under "Advanced settings"), ``dialect_problems`` checks them, ``Dialect`` is what the
streams use: a fresh paginator from ``app.connectors.rest.paging``, each stream's path,
and ``FieldNames`` per stream (our field name <-> the API's JSON key, on read and write).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from app.connectors.base import ConfigField, FieldType, MapValues, parse_mapping
from app.connectors.rest.paging import CursorToken, LimitOffset, NextLink, PageNumber, Paginator
from app.connectors.streams import StreamSpec

PAGING_STYLES = ("next_link", "page_number", "limit_offset", "cursor")
BODY_ITSELF = "."  # "Records in the answer" when the answer is the list itself
_NOT_IN_A_NAME = frozenset(" \t&=?#/")


@lru_cache(maxsize=4096)  # a few dozen field names, asked for on every record
def snake(name: str) -> str:
    """``firstName`` -> ``first_name``."""
    return "".join("_" + ch.lower() if ch.isupper() else ch for ch in name)


@lru_cache(maxsize=4096)
def camel(name: str) -> str:
    """``first_name`` -> ``firstName``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _as_is(name: str) -> str:
    return name


# naming -> (our name -> the API's key, the API's key -> our name)
NAMINGS: dict[str, tuple[Callable[[str], str], Callable[[str], str]]] = {
    "camel": (camel, snake),
    "as_is": (_as_is, _as_is),
}


@dataclass(frozen=True)
class DialectDefaults:
    """A kind's own dialect: what each setting means when the profile leaves it empty."""

    paths: Mapping[str, str]  # stream -> path under the API address
    paging: str
    page_size_param: str
    records_at: str
    since_param: str
    naming: str = "as_is"  # "camel": firstName on the wire for our first_name
    next_link_at: str = "links.next"
    page_param: str = "page"
    offset_param: str = "offset"
    cursor_param: str = "cursor"
    cursor_at: str = "next_cursor"
    has_more_at: str = "has_more"
    total_at: str = ""


# setting name -> (label, which paging style shows it or None for all, help)
_WORDS: dict[str, tuple[str, str | None, str]] = {
    "page_size_param": (
        "Page size parameter",
        None,
        "The query parameter that asks for a number of records per page.",
    ),
    "page_param": ("Page number parameter", "page_number", "The query parameter of the page."),
    "offset_param": (
        "Offset parameter",
        "limit_offset",
        "The query parameter that says how many records to skip.",
    ),
    "next_link_at": (
        "Next-page link in the answer",
        "next_link",
        "Where an answer names the next page's address, as a dotted path "
        "(e.g. links.nextPage.href). No link: that was the last page.",
    ),
    "cursor_param": (
        "Cursor parameter",
        "cursor",
        "The query parameter the next page's token is sent back in.",
    ),
    "cursor_at": (
        "Next cursor in the answer",
        "cursor",
        "Where an answer carries the next page's token, as a dotted path.",
    ),
    "has_more_at": (
        "'More pages' flag in the answer",
        "cursor",
        "Where an answer says whether more pages follow; an answer without it leaves it "
        "to the cursor.",
    ),
    "records_at": (
        "Records in the answer",
        None,
        "Where an answer holds its list of records, as a dotted path (e.g. data or "
        "result.items); a single . when the answer is the list itself.",
    ),
    "total_at": (
        "Total count in the answer",
        None,
        "Where an answer says how many records match (optional). Paging stops there, and "
        "a read that got fewer goes over the same range once more, for records that moved "
        "while it paged.",
    ),
    "since_param": (
        "'Changed since' parameter",
        None,
        "The query parameter an incremental read sends with the last change time it saw.",
    ),
}
PARAMETERS = ("page_size_param", "page_param", "offset_param", "cursor_param", "since_param")
BODY_PATHS = ("next_link_at", "cursor_at", "has_more_at", "records_at", "total_at")


def dialect_fields(
    defaults: DialectDefaults, specs: Mapping[str, StreamSpec]
) -> tuple[ConfigField, ...]:
    """The advanced settings of a Generic REST kind, defaulting to ``defaults``."""
    paths = ", ".join(f"{stream} {path}" for stream, path in defaults.paths.items())
    naming = (
        "camelCase, e.g. firstName for first_name"
        if defaults.naming == "camel"
        else "our own name, e.g. first_name"
    )
    out = [
        ConfigField(
            "stream_paths",
            "Paths per stream",
            FieldType.MAPPING,
            choices=tuple(specs),
            default={},
            advanced=True,
            map_values=MapValues.PATH,
            help=f"Where a stream's records are, under its API address. A stream left out "
            f"uses its default ({paths}). One record is at the path + /id.",
        ),
        ConfigField(
            "paging",
            "Paging style",
            FieldType.CHOICE,
            default=defaults.paging,
            choices=PAGING_STYLES,
            advanced=True,
            help="How the API hands out a long list. next_link: each answer names the next "
            "page's address; page_number: page 1, 2, 3…; limit_offset: skip 0, 100, 200… "
            "records; cursor: each answer carries a token for the next page.",
        ),
    ]
    for name, (label, style, text) in _WORDS.items():
        out.append(
            ConfigField(
                name,
                label,
                default=getattr(defaults, name),
                advanced=True,
                visible_if=("paging", (style,)) if style else None,
                help=text + " Leave empty for the default.",
            )
        )
    out.append(
        ConfigField(
            "field_names",
            "Field names in the API",
            FieldType.MAPPING,
            choices=tuple(sorted({n for spec in specs.values() for n in spec.field_names()})),
            open_keys=True,
            default={},
            advanced=True,
            map_values=MapValues.NAME,
            help=f"Our field name → the JSON key the API uses for it, where it is not the "
            f"default ({naming}). Used on reads and writes. stream.field (e.g. "
            f"customers.email) renames a field in that stream only.",
        )
    )
    return tuple(out)


def dialect_problems(
    settings: Mapping[str, Any], specs: Mapping[str, StreamSpec], defaults: DialectDefaults
) -> dict[str, str]:
    """What is wrong with the dialect settings (setting name -> problem). The per-field
    checks (a path starting with /, a known stream, a paging style) are the fields' own."""
    problems: dict[str, str] = {}
    labels = {name: words[0] for name, words in _WORDS.items()}
    for name in PARAMETERS:
        value = str(settings.get(name) or "").strip()
        if _NOT_IN_A_NAME & set(value):
            problems[name] = f"{labels[name]} must be one word, without spaces, & = ? # or /."
    for name in BODY_PATHS:
        value = str(settings.get(name) or "").strip()
        if not value or (name == "records_at" and value == BODY_ITSELF):
            continue
        if any(ch.isspace() for ch in value) or ".." in f".{value}.":
            problems[name] = f"{labels[name]} must be a dotted path like data or links.next."
    try:
        renames = parse_mapping(settings.get("field_names"))
    except ValueError:
        return problems  # the field's own check says what is wrong
    wrong = _rename_problems(renames, specs, defaults)
    if wrong:
        problems["field_names"] = (
            "Field names in the API: "
            + "; ".join(wrong[:3])
            + (f" (and {len(wrong) - 3} more)" if len(wrong) > 3 else "")
        )
    return problems


def _rename_problems(
    renames: Mapping[str, str], specs: Mapping[str, StreamSpec], defaults: DialectDefaults
) -> list[str]:
    wrong: list[str] = []
    for key in renames:
        stream, dot, name = key.rpartition(".")
        if not dot:
            if not any(name in spec.field_names() for spec in specs.values()):
                wrong.append(f"no stream has a field '{name}'")
        elif stream not in specs:
            wrong.append(f"'{key}': there is no stream '{stream}' (one of {', '.join(specs)})")
        elif name not in specs[stream].field_names():
            wrong.append(f"'{key}': the {stream} stream has no field '{name}'")
    if wrong:
        return wrong
    for stream, spec in specs.items():  # two fields of a stream under one key
        names = FieldNames.of(stream, renames, defaults.naming)
        taken: dict[str, str] = {}
        for ours in spec.field_names():
            theirs = names.api(ours)
            if theirs in taken and (ours in names.renamed or taken[theirs] in names.renamed):
                wrong.append(f"in {stream}, {taken[theirs]} and {ours} would both be '{theirs}'")
            taken.setdefault(theirs, ours)
    return wrong


@dataclass(frozen=True)
class FieldNames:
    """One stream's field names on the wire: the kind's naming, with the profile's
    renames. A renamed field is read only from its own key."""

    to_api: Callable[[str], str]
    from_api: Callable[[str], str]
    renamed: Mapping[str, str] = field(default_factory=dict)  # ours -> theirs
    _ours: Mapping[str, str] = field(default_factory=dict)  # theirs -> ours
    # every name translated so far, both ways: a dict look-up per field of every record
    # instead of two calls (a large sync renames millions of keys)
    _to_api: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    _from_api: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, stream: str, renames: Mapping[str, str], naming: str) -> FieldNames:
        """``renames`` as the setting holds them: ``field`` for every stream,
        ``stream.field`` for one (which wins)."""
        own = {k: v for k, v in renames.items() if "." not in k}
        prefix = stream + "."
        own.update({k[len(prefix) :]: v for k, v in renames.items() if k.startswith(prefix)})
        to_api, from_api = NAMINGS[naming]
        return cls(to_api, from_api, own, {v: k for k, v in own.items()})

    def api(self, ours: str) -> str:
        """The API's key for our field."""
        name = self._to_api.get(ours)
        if name is None:
            name = self._to_api[ours] = self.renamed.get(ours) or self.to_api(ours)
        return name

    def _our_name(self, theirs: str) -> str:
        name = self._from_api.get(theirs)
        if name is None:
            name = self._from_api[theirs] = self.from_api(theirs)
        return name

    def row(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """An API record in our field names."""
        if not self.renamed:
            known = self._from_api
            return {known.get(k) or self._our_name(k): v for k, v in item.items()}
        out: dict[str, Any] = {}
        for key, value in item.items():
            ours = self._ours.get(key)
            if ours is None:
                ours = self.from_api(key)
                if ours in self.renamed:
                    continue  # that field is read from its own key
            out[ours] = value
        return out

    def body(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Our fields as the API's JSON object."""
        known = self._to_api
        return {known.get(k) or self.api(k): v for k, v in values.items()}


@dataclass(frozen=True)
class Dialect:
    """The dialect one profile speaks: the kind's defaults with the profile's settings."""

    defaults: DialectDefaults
    paths: Mapping[str, str]
    values: Mapping[str, str]  # the text settings of ``_WORDS``, defaults filled in
    renames: Mapping[str, str]

    @classmethod
    def of(cls, defaults: DialectDefaults, setting: Callable[[str], Any] | None = None) -> Dialect:
        """From a connector's ``setting`` (name -> coerced value); None: the defaults."""

        def text(name: str) -> str:
            value = setting(name) if setting is not None else None
            return str(value or "").strip() or str(getattr(defaults, name))

        paths = dict(defaults.paths)
        renames: dict[str, str] = {}
        if setting is not None:
            paths.update(setting("stream_paths") or {})
            renames = dict(setting("field_names") or {})
        values = {name: text(name) for name in ("paging", *_WORDS)}
        return cls(defaults, paths, values, renames)

    def path(self, stream: str) -> str:
        return self.paths[stream].rstrip("/") or "/"

    @property
    def records_at(self) -> str:
        at = self.values["records_at"]
        return "" if at == BODY_ITSELF else at

    @property
    def total_at(self) -> str | None:
        return self.values["total_at"] or None

    @property
    def page_size_param(self) -> str:
        return self.values["page_size_param"]

    def since(self, cursor: str) -> dict[str, str]:
        """The query of an incremental read."""
        return {self.values["since_param"]: cursor}

    def paginator(self) -> Paginator:
        """A fresh paginator of the chosen style."""
        v = self.values
        style, size = v["paging"], v["page_size_param"]
        if style == "page_number":
            return PageNumber(page=v["page_param"], size=size, total=self.total_at)
        if style == "limit_offset":
            return LimitOffset(limit=size, offset=v["offset_param"], total=self.total_at)
        if style == "cursor":
            return CursorToken(
                param=v["cursor_param"], cursor=v["cursor_at"], more=v["has_more_at"], limit=size
            )
        return NextLink(link=v["next_link_at"], limit=size)

    def names(self, stream: str) -> FieldNames:
        return FieldNames.of(stream, self.renames, self.defaults.naming)
