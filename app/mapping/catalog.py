"""What the editor needs to know about each transform: a label, a sentence of help, its
category and a declared parameter schema, so the step form is built generically and a
step's configuration can be checked before a mapping is saved."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.mapping.model import Rule, Step
from app.mapping.transforms import COMBINERS, TRANSFORMS


@dataclass(frozen=True)
class ParamSpec:
    name: str
    label: str
    type: str = "text"  # text | integer | boolean | choice | regex | table | date_format
    default: Any = None
    help: str = ""
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class TransformSpec:
    name: str
    label: str
    description: str
    category: str  # Text | Contact | Values | Combine
    params: tuple[ParamSpec, ...] = ()
    combiner: bool = False
    example: str = ""

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params if p.default is not None}


_P = ParamSpec
_SPECS = (
    TransformSpec("trim", "Trim spaces", "Remove spaces at the start and end.", "Text",
                  example="'  Bob ' → 'Bob'"),
    TransformSpec("collapse_spaces", "Collapse spaces",
                  "Runs of spaces, tabs and line breaks become one space; ends trimmed.",
                  "Text", example="'12  Main   St' → '12 Main St'"),
    TransformSpec("upper", "UPPER CASE", "Every letter in capitals.", "Text"),
    TransformSpec("lower", "lower case", "Every letter in small letters.", "Text"),
    TransformSpec("title", "Title Case", "Each word starts with a capital.", "Text",
                  example="'ROYAL OAK' → 'Royal Oak'"),
    TransformSpec("name_case", "Name case", "Capitalise a person's name the way people "
                  "write it.", "Text", example="'MCDONALD' → 'McDonald'"),
    TransformSpec("regex_replace", "Find and replace (pattern)",
                  "Replace text matching a regular expression.", "Text",
                  (_P("pattern", "Pattern", "regex", "", "A Python regular expression.",
                      required=True),
                   _P("replacement", "Replace with", "text", "", r"\1 refers to a group."))),
    TransformSpec("truncate", "Cut to length", "Keep at most N characters.", "Text",
                  (_P("length", "Length", "integer", 50, "Maximum characters.",
                      required=True),)),
    TransformSpec("split_name", "Take part of a full name",
                  "Pick first, middle or last name (or title, suffix) from a full name.",
                  "Text",
                  (_P("part", "Part", "choice", "first", "Which part to keep.",
                      choices=("first", "middle", "last", "title", "suffix", "nickname")),),
                  example="'Dr. Mary Ann Smith Jr.' → 'Mary'"),
    TransformSpec("phone_e164", "Phone → E.164", "International phone format; numbers "
                  "that cannot be real are flagged.", "Contact",
                  (_P("region", "Default country", "choice", "US",
                      "Country for numbers typed without +code.", choices=("US", "CA")),),
                  example="'(313) 555-0142' → '+13135550142'"),
    TransformSpec("email", "E-mail (check and clean)", "Lower-cased and checked; invalid "
                  "addresses are flagged.", "Contact", example="'Bob@Mail.COM' → "
                  "'bob@mail.com'"),
    TransformSpec("zip5", "ZIP code (5 digits)", "US ZIP code, first five digits.",
                  "Contact", example="'48067-1234' → '48067'"),
    TransformSpec("zip_plus4", "ZIP+4", "US ZIP code with the +4 part when present.",
                  "Contact", example="'480671234' → '48067-1234'"),
    TransformSpec("vin", "VIN (check digit)", "Upper-cased; a VIN with a wrong length, "
                  "letters I/O/Q or a bad check digit is flagged.", "Contact"),
    TransformSpec("date", "Date → ISO 8601", "Read a date in the given format and write "
                  "it as 2024-03-15.", "Values",
                  (_P("input_format", "Input format", "date_format", "",
                      "strptime codes, e.g. %m/%d/%Y for 03/15/2024. Empty = ISO 8601."),
                   _P("output", "Write as", "choice", "date", "A date, or date and time.",
                      choices=("date", "datetime")))),
    TransformSpec("number", "Number / currency", "Read '$10,499.50' or '(12.00)' as a "
                  "number.", "Values",
                  (_P("decimals", "Decimals", "integer", None,
                      "Fixed decimals (empty = as they come)."),)),
    TransformSpec("boolean", "Yes/No", "Y/N, 1/0, True/False become true/false.",
                  "Values",
                  (_P("negate", "Reverse it", "boolean", False,
                      "e.g. 'opt-in' Y becomes 'opt-out' false."),)),
    TransformSpec("lookup", "Translate codes (lookup table)", "Translate each value with "
                  "a table, e.g. DMS sale types to CRM values.", "Values",
                  (_P("table", "Table", "table", {}, "Source value → new value.",
                      required=True),
                   _P("default", "Value for anything else", "text", None,
                      "Empty = a value missing from the table is an error."),
                   _P("case_sensitive", "Match case", "boolean", False,
                      "Off: 'cash' matches 'CASH'."))),
    TransformSpec("default", "Default if empty", "Use a fixed value when the field is "
                  "empty.", "Values",
                  (_P("value", "Default value", "text", "", required=True),)),
    TransformSpec("constant", "Constant", "Always this value, whatever the source says.",
                  "Values", (_P("value", "Value", "text", "", required=True),)),
    TransformSpec("concat", "Join fields", "Join the rule's source fields with a "
                  "separator, skipping empty ones.", "Combine",
                  (_P("separator", "Separator", "text", " "),), combiner=True,
                  example="'12 Main St' + 'Apt 4' → '12 Main St, Apt 4'"),
    TransformSpec("coalesce", "First non-empty", "The first source field that has a "
                  "value.", "Combine", combiner=True),
    TransformSpec("join_name", "Join name parts", "First, middle and last name as one "
                  "full name.", "Combine",
                  (_P("style", "Style", "choice", "first last", "Word order.",
                      choices=("first last", "last, first")),), combiner=True),
)  # fmt: skip
CATALOG: dict[str, TransformSpec] = {s.name: s for s in _SPECS}
assert set(CATALOG) == set(TRANSFORMS) | set(COMBINERS), "catalog out of step with registry"


def step_label(step: Step) -> str:
    spec = CATALOG.get(step.name)
    return spec.label if spec else step.name


def validate_step(step: Step) -> list[str]:
    """Readable problems with one step's configuration ([] when it is ready to run)."""
    spec = CATALOG.get(step.name)
    if spec is None:
        return [f"'{step.name}' is not a transform this version knows."]
    problems: list[str] = []
    known = {p.name for p in spec.params}
    for extra in sorted(set(step.params) - known):
        problems.append(f"{spec.label}: unknown setting '{extra}'.")
    for p in spec.params:
        value = step.params.get(p.name, p.default)
        empty = value is None or value == "" or value == {}
        if empty:
            if p.required:
                problems.append(f"{spec.label}: '{p.label}' is required.")
            continue
        problem = _check_value(p, value)
        if problem:
            problems.append(f"{spec.label}: {problem}")
    return problems


def _check_value(p: ParamSpec, value: Any) -> str | None:
    if p.type == "integer":
        try:
            int(value)
        except (TypeError, ValueError):
            return f"'{p.label}' must be a whole number."
    elif p.type == "boolean" and not isinstance(value, bool):
        return f"'{p.label}' must be on or off."
    elif p.type == "choice" and str(value) not in p.choices:
        return f"'{p.label}' must be one of {', '.join(p.choices)}."
    elif p.type == "regex":
        try:
            re.compile(str(value))
        except re.error as exc:
            return f"'{p.label}' is not a valid pattern ({exc})."
    elif p.type == "table":
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            return f"'{p.label}' must be a table of text values."
    elif p.type == "date_format":
        try:
            datetime(2024, 3, 15, 13, 45).strftime(str(value))
        except ValueError as exc:
            return f"'{p.label}' is not a valid date format ({exc})."
        if "%" not in str(value):
            return f"'{p.label}' needs % codes such as %m/%d/%Y."
    return None


def validate_rule(rule: Rule) -> list[str]:
    """Problems with a rule's shape and each of its steps."""
    problems: list[str] = []
    if not rule.target:
        problems.append("A rule has no target field.")
    steps = list(rule.steps)
    for i, step in enumerate(steps):
        if step.name in COMBINERS and (i > 0 or len(rule.sources) < 2):
            problems.append(
                f"'{step_label(step)}' combines several source fields; it must be the first "
                "step of a rule with two or more sources."
            )
        problems += validate_step(step)
    if not rule.sources and not any(s.name in ("constant", "default") for s in steps):
        problems.append("No source field and no constant: the value would always be empty.")
    return [f"{rule.target}: {p}" for p in problems]
