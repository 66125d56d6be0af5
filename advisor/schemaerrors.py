"""jsonschema errors in our one-line style, for facts (named by field) and rule files (by line).

One translation serves both contracts so a rule editor and an embedder read the same wording.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from .errors import did_you_mean, one_of

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError


@dataclass
class Problem:
    message: str
    help: str | None
    path: list[str | int]  # where in the document (keys and indexes)
    key: str | None       # the offending key inside `path`, when there is one


def field_path(parts: Iterable[str | int]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _shown(inst: object) -> str:
    shown = json.dumps(inst, ensure_ascii=False, default=str)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def describe(err: ValidationError) -> Problem:
    """One jsonschema ValidationError as a lower-case sentence with the value in backticks."""
    path = list(err.absolute_path)
    v, inst, shown = err.validator, err.instance, _shown(err.instance)
    # jsonschema types these for errors made outside validation (Unset); ours come from validating
    schema: Any = err.schema
    value: Any = err.validator_value
    if v == "additionalProperties":
        allowed = set((schema.get("properties") or {}).keys())
        extra = sorted(set(inst) - allowed) if isinstance(inst, dict) else []
        name = str(extra[0]) if extra else "?"
        return Problem(f"unknown field `{name}`", did_you_mean(name, allowed) or one_of(allowed), path, name)
    if v == "pattern" and str(schema.get("pattern", "")).startswith("^[0-9]{4}"):
        return Problem(f"expected a date as YYYY-MM-DD, got `{inst}`", None, path, None)
    if v == "pattern":
        return Problem(f"the value `{inst}` has the wrong shape (expected {schema.get('pattern')})", None, path, None)
    if v == "type":
        want = value if isinstance(value, str) else " or ".join(value)
        return Problem(f"expected {want}, got `{shown}`", None, path, None)
    if v == "enum":
        values = [str(x) for x in value]
        return Problem(f"unknown value `{inst}`", did_you_mean(str(inst), values) or one_of(values), path, None)
    if v == "const":
        return Problem(f"expected `{value}`, got `{shown}`", None, path, None)
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return Problem(f"the value `{inst}` is out of range ({v} {value})", None, path, None)
    if v == "maxLength":
        return Problem(f"the text is longer than {value} characters", None, path, None)
    if v == "minLength":
        return Problem("the text is empty", None, path, None)
    if v == "maxItems":
        return Problem(f"more than {value} items", None, path, None)
    if v == "minItems":
        return Problem("the list is empty", None, path, None)
    if v == "minProperties":
        return Problem("the mapping is empty", None, path, None)
    if v == "required":
        # the first required field the mapping lacks, from the schema and the value (not the message's words)
        have = err.instance if isinstance(err.instance, dict) else {}
        missing = next((str(k) for k in value if k not in have), "?")
        return Problem(f"missing field `{missing}`", None, path, None)
    return Problem(err.message[:1].lower() + err.message[1:], None, path, None)
