"""The Klaviyo specs as tests read them: loaded from the copies in
``tests/contracts/specs/klaviyo`` (the one place that says where they are), and JSON
Schema validators for an operation's request body or answer, or a named schema.

OpenAPI 3.0's ``nullable: true`` is not JSON Schema: the validators see it as "or null"
(Klaviyo marks most attributes nullable)."""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema import Draft7Validator, FormatChecker

SPEC_DIR = Path(__file__).resolve().parents[1] / "contracts" / "specs" / "klaviyo"
FILES = {"profiles": "profiles.json", "lists": "lists.json", "data_privacy": "data_privacy.json"}
MEDIA_TYPE = "application/vnd.api+json"


@cache
def load(name: str) -> dict[str, Any]:
    """One spec by its short name (see ``FILES``), as published."""
    data = json.loads((SPEC_DIR / FILES[name]).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _nullable(node: Any) -> Any:
    if isinstance(node, list):
        return [_nullable(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items() if k not in ("nullable", "example")}
    if node.get("nullable") is True:
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@cache
def _components(name: str) -> dict[str, Any]:
    return dict(_nullable(copy.deepcopy(load(name)["components"])))


def resolve(name: str, node: Any) -> Any:
    spec = load(name)
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def operation(name: str, operation_id: str) -> tuple[str, str, dict[str, Any]]:
    """(METHOD, path, operation) of ``operation_id``."""
    for path, ops in load(name)["paths"].items():
        for method, op in ops.items():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return method.upper(), path, op
    raise KeyError(operation_id)


_FORMATS = FormatChecker()


@_FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if isinstance(value, str):
        if not re.match(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}", value):
            raise ValueError(f"{value!r} is not an RFC 3339 date-time")
        datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return True


def _validator(name: str, schema: dict[str, Any]) -> Draft7Validator:
    root = {"components": _components(name), "allOf": [_nullable(schema)]}
    return Draft7Validator(root, format_checker=_FORMATS)


def request_validator(name: str, operation_id: str) -> Draft7Validator:
    """Validates the JSON:API request body of ``operation_id``."""
    body = resolve(name, operation(name, operation_id)[2]["requestBody"])
    return _validator(name, body["content"][MEDIA_TYPE]["schema"])


def response_validator(name: str, operation_id: str, status: str | int) -> Draft7Validator:
    """Validates the body ``operation_id`` answers with ``status`` ("200", "4XX"…)."""
    response = resolve(name, operation(name, operation_id)[2]["responses"][str(status)])
    return _validator(name, response["content"][MEDIA_TYPE]["schema"])


def schema_validator(name: str, schema: str) -> Draft7Validator:
    return _validator(name, {"$ref": f"#/components/schemas/{schema}"})


def problems(validator: jsonschema.protocols.Validator, instance: Any) -> list[str]:
    """Every violation as ``path: message`` (empty when the instance is valid)."""
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


def revision(name: str, operation_id: str) -> str:
    """The default of the required ``revision`` header of an operation."""
    for param in operation(name, operation_id)[2].get("parameters", []):
        param = resolve(name, param)
        if param.get("in") == "header" and param.get("name") == "revision":
            return str(param["schema"]["default"])
    raise KeyError(f"{operation_id} has no revision header")
