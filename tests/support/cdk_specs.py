"""The CDK specs as tests read them: loaded from the copies in ``tests/contracts/specs/cdk``
(the one place that says where they are), ``$ref``s resolved, and JSON Schema validators for an
operation's body or answer (Swagger 2 schemas are JSON Schema draft 4 plus a few keywords
a validator ignores)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SPEC_DIR = Path(__file__).resolve().parents[1] / "contracts" / "specs" / "cdk"
FILES = {
    "fortellis_ro": "fortellis-repair-orders.yaml",
    "drive_ro": "drive-repair-orders-v1.yaml",
    "customers": "drive-customers.swagger.json",
    "vehicles": "drive-service-vehicles.swagger.json",
}


@cache
def load(name: str) -> dict[str, Any]:
    """One spec by its short name (see ``FILES``)."""
    path = SPEC_DIR / FILES[name]
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def base_path(name: str) -> str:
    return str(load(name).get("basePath") or "")


def resolve(spec: dict[str, Any], node: Any) -> Any:
    """Follow ``{"$ref": "#/a/b"}`` within the spec (once per level)."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def operation(name: str, operation_id: str) -> tuple[str, str, dict[str, Any]]:
    """(method, path, operation) of ``operation_id``."""
    spec = load(name)
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return method.upper(), path, op
    raise KeyError(operation_id)


def parameters(name: str, operation_id: str) -> list[dict[str, Any]]:
    spec = load(name)
    return [resolve(spec, p) for p in operation(name, operation_id)[2].get("parameters", [])]


def _validator(name: str, schema: dict[str, Any]) -> jsonschema.Draft4Validator:
    root = {"definitions": load(name).get("definitions", {}), "allOf": [schema]}
    return jsonschema.Draft4Validator(root)


def body_validator(name: str, operation_id: str) -> jsonschema.Draft4Validator:
    """Validates the request body of ``operation_id``."""
    for param in parameters(name, operation_id):
        if param.get("in") == "body":
            return _validator(name, param["schema"])
    raise KeyError(f"{operation_id} takes no body")


def answer_validator(name: str, operation_id: str, status: int) -> jsonschema.Draft4Validator:
    """Validates the answer ``operation_id`` gives with ``status``."""
    spec = load(name)
    responses = {str(k): v for k, v in operation(name, operation_id)[2]["responses"].items()}
    response = resolve(spec, responses[str(status)])
    return _validator(name, response["schema"])


def definition_validator(name: str, definition: str) -> jsonschema.Draft4Validator:
    return _validator(name, {"$ref": f"#/definitions/{definition}"})


def problems(validator: jsonschema.Draft4Validator, instance: Any) -> list[str]:
    """Every violation as ``path: message`` (empty when the instance is valid)."""
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]
