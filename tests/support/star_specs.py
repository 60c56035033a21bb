"""The published STAR OpenAPI specs, loaded for tests, and JSON-schema validation against them.

``star_spec`` is the one place that knows where the spec files are: the copies in
``tests/contracts/specs/star`` (with their source and licence), or ``$ROOFTOP_STAR_SPECS``.
YAML timestamps are kept as strings, as JSON would have them.
"""

from __future__ import annotations

import functools
import os
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator, FormatChecker

_ROOT = Path(__file__).resolve().parents[2]


class _Loader(yaml.SafeLoader):
    """SafeLoader without the implicit timestamp type: dates stay strings."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@functools.cache
def star_spec(name: str) -> dict[str, Any]:
    """The spec ``name`` (``customer``, ``customer.yaml``...) as a dict."""
    folder = Path(os.environ.get("ROOFTOP_STAR_SPECS") or _ROOT / "tests/contracts/specs/star")
    path = folder / (name if name.endswith(".yaml") else f"{name}.yaml")
    if not path.is_file():
        raise FileNotFoundError(f"STAR spec {path} not found (set ROOFTOP_STAR_SPECS)")
    with path.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_Loader)
    assert isinstance(data, dict)
    return data


_FORMATS = FormatChecker()


@_FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not re.match(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}", value):
        raise ValueError(f"{value!r} is not an RFC 3339 date-time")
    datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return True


@_FORMATS.checks("date", raises=ValueError)
def _date(value: object) -> bool:
    if isinstance(value, str):
        date.fromisoformat(value)
    return True


@functools.cache
def _validator(spec: str, pointer: str) -> Draft7Validator:
    document = dict(star_spec(spec))
    document["$ref"] = pointer  # Draft 7: $ref beside other keys resolves in this document
    return Draft7Validator(document, format_checker=_FORMATS)


def schema_errors(spec: str, schema: str, instance: Any) -> list[str]:
    """Validation errors of ``instance`` against ``#/components/schemas/<schema>``."""
    validator = _validator(spec, f"#/components/schemas/{schema}")
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


def response_errors(spec: str, response: str, instance: Any) -> list[str]:
    """Errors against the JSON schema of ``#/components/responses/<response>``."""
    pointer = f"#/components/responses/{response}/content/application~1json/schema"
    validator = _validator(spec, pointer)
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


def operation_response_errors(
    spec: str, path: str, method: str, status: int, instance: Any
) -> list[str]:
    """Errors against what ``paths[path][method].responses[status]`` says the body is."""
    doc = star_spec(spec)
    responses = doc["paths"][path][method.lower()]["responses"]
    response = responses[str(status)]
    escaped = path.replace("~", "~0").replace("/", "~1")
    if "$ref" in response:
        name = response["$ref"].split("/")[-1]
        return response_errors(spec, name, instance)
    pointer = (
        f"#/paths/{escaped}/{method.lower()}/responses/{status}/content/application~1json/schema"
    )
    validator = _validator(spec, pointer)
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


def example_of(spec: str, schema: str, depth: int = 6) -> Any:
    """An instance built from the schema's own ``example`` values (arrays of one item,
    enums' first value where no example is given), ``depth`` levels deep."""
    doc = star_spec(spec)
    schemas = doc["components"]["schemas"]

    def build(node: dict[str, Any], level: int, seen: frozenset[str]) -> Any:
        if "$ref" in node:
            name = node["$ref"].split("/")[-1]
            if name in seen:
                return None
            return build(schemas[name], level, seen | {name})
        if "example" in node and node.get("type") != "object" and "properties" not in node:
            return node["example"]
        for key in ("allOf", "oneOf", "anyOf"):
            if key in node:
                out: dict[str, Any] = {}
                for part in node[key]:
                    value = build(part, level, seen)
                    if isinstance(value, dict):
                        out.update(value)
                return out
        if "enum" in node:
            return node["enum"][0]
        kind = node.get("type")
        if kind == "array" or "items" in node:
            if level >= depth:
                return []
            item = build(node.get("items", {}), level + 1, seen)
            return [] if item is None else [item]
        if kind == "object" or "properties" in node:
            if level >= depth:
                return {}
            result = {}
            for key, sub in node.get("properties", {}).items():
                value = build(sub, level + 1, seen)
                if value is not None:
                    result[key] = value
            return result
        return {"string": "x", "integer": 1, "number": 1.5, "boolean": True}.get(kind or "")

    return build(schemas[schema], 0, frozenset({schema}))
