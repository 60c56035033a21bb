"""Reading the JSON files people hand the app, with problems said where they are: a
syntax error as line:column, a schema error as a JSON path and what is wrong."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from app.errors import RooftopError
from app.resources import resource


class SchemaProblems(RooftopError):
    """A file that is not JSON, or not the JSON it should be."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message, hint="\n".join(f"- {p}" for p in problems))
        self.problems = problems


MAX_FILE_BYTES = 50_000_000


def load_json(path: Path) -> Any:
    """The file's JSON; ``SchemaProblems`` with line:column for a syntax error."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise SchemaProblems(
                f"{path.name} is too big to be a flow or setup file.",
                [f"it is {path.stat().st_size:,} bytes; at most {MAX_FILE_BYTES:,} are read"],
            )
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaProblems(f"{path.name} cannot be read.", [str(exc)]) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaProblems(
            f"{path.name} is not valid JSON.",
            [f"line {exc.lineno}, column {exc.colno}: {exc.msg}"],
        ) from None


@cache
def _registry() -> Registry[Any]:
    """Every shipped schema by its $id, so one can refer to another."""
    found = []
    for path in sorted(resource("schemas").glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        found.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(found)


@cache
def _validator(name: str) -> Draft202012Validator:
    schema = json.loads(resource("schemas", name).read_text(encoding="utf-8"))
    return Draft202012Validator(schema, registry=_registry())


def check_schema(document: Any, schema: str, *, where: str = "$") -> list[str]:
    """Every place ``document`` breaks ``resources/schemas/<schema>``, as
    '<JSON path>: <what is wrong>' (the path starts at ``where``)."""
    problems = []
    for error in sorted(_validator(schema).iter_errors(document), key=lambda e: list(e.path)):
        path = where + error.json_path[1:]
        problems.append(f"{path}: {error.message}")
    return problems


def schema_file(name: str) -> Path:
    return resource("schemas", name)
