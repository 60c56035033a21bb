"""The Elead specs as tests read them: loaded from the copies in
``tests/contracts/specs/elead`` (the one place that says where they are), ``$ref``s
resolved, and JSON Schema validators for an operation's body or answer that also check
the ``uuid`` and ``date-time`` formats (as Prism does)."""

from __future__ import annotations

import json
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SPEC_DIR = Path(__file__).resolve().parents[1] / "contracts" / "specs" / "elead"
FILES = {
    "customers": "customer-sales.swagger.json",
    "opportunities": "sales-opportunities.swagger.json",
}
CREDENTIAL_QUERY = ("client_id", "client_secret", "subscription_id")
FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("uuid", raises=ValueError)
def _uuid(value: object) -> bool:
    return not isinstance(value, str) or (len(value) == 36 and bool(uuid.UUID(value)))


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    from datetime import datetime

    if "T" not in value:
        raise ValueError(f"{value!r} has no time")
    datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return value[-1] in "Zz" or value[-6] in "+-"


@cache
def load(name: str) -> dict[str, Any]:
    """One spec by its short name (see ``FILES``)."""
    data = json.loads((SPEC_DIR / FILES[name]).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def path_of(name: str) -> Path:
    return SPEC_DIR / FILES[name]


def base_path(name: str) -> str:
    return str(load(name).get("basePath") or "")


def resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def operation(name: str, operation_id: str) -> tuple[str, str, dict[str, Any]]:
    """(method, path, operation) of ``operation_id``."""
    for path, ops in load(name)["paths"].items():
        for method, op in ops.items():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return method.upper(), path, op
    raise KeyError(operation_id)


def operation_ids(name: str) -> list[str]:
    return [
        op["operationId"]
        for ops in load(name)["paths"].values()
        for op in ops.values()
        if isinstance(op, dict) and "operationId" in op
    ]


def parameters(name: str, operation_id: str) -> list[dict[str, Any]]:
    spec = load(name)
    return [resolve(spec, p) for p in operation(name, operation_id)[2].get("parameters", [])]


def _validator(name: str, schema: dict[str, Any]) -> jsonschema.Draft4Validator:
    root = {"definitions": load(name).get("definitions", {}), "allOf": [schema]}
    return jsonschema.Draft4Validator(root, format_checker=FORMATS)


def body_validator(name: str, operation_id: str) -> jsonschema.Draft4Validator:
    for param in parameters(name, operation_id):
        if param.get("in") == "body":
            return _validator(name, param["schema"])
    raise KeyError(f"{operation_id} takes no body")


def answer_validator(name: str, operation_id: str, status: int) -> jsonschema.Draft4Validator:
    spec = load(name)
    responses = {str(k): v for k, v in operation(name, operation_id)[2]["responses"].items()}
    return _validator(name, resolve(spec, responses[str(status)])["schema"])


def definition_validator(name: str, definition: str) -> jsonschema.Draft4Validator:
    return _validator(name, {"$ref": f"#/definitions/{definition}"})


def problems(validator: jsonschema.Draft4Validator, instance: Any) -> list[str]:
    """Every violation as ``path: message`` (empty when the instance is valid)."""
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


def example(name: str, definition: str) -> Any:
    return load(name)["definitions"][definition]["example"]
