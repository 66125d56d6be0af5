"""jsonschema errors in our one-line style, for facts (named by field) and rule files (by line).

One translation serves both contracts so a rule editor and an embedder read the same wording.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from advisor.base.errors import Phrase, suggest

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError


@dataclass
class Problem:
    message: str
    help: str | None
    path: list[str | int]  # where in the document (keys and indexes)
    key: str | None       # the offending key inside `path`, when there is one
    said: Phrase | None = None         # the message by its key in templates/errors.yaml, for the user's language
    said_help: Phrase | None = None


def _said(key: str, help: Phrase | None = None, path: list[str | int] | None = None, offending: str | None = None,
          **values: Any) -> Problem:
    """A problem worded by the errors' catalog (its English is the message)."""
    p = Phrase(key, **values)
    return Problem(p.text(), str(help) if help else None, path or [], offending, p, help)


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
        return _said("unknown_field", suggest(name, allowed), path, name, value=name)
    if v == "pattern" and str(schema.get("pattern", "")).startswith("^[0-9]{4}"):
        return _said("schema_date", None, path, value=inst)
    if v == "pattern":
        return _said("schema_shape", None, path, value=inst, pattern=schema.get('pattern'))
    if v == "type":
        want = value if isinstance(value, str) else " or ".join(value)
        return _said("schema_type", None, path, want=want, value=shown)
    if v == "enum":
        values = [str(x) for x in value]
        return _said("schema_enum", suggest(str(inst), values), path, value=inst)
    if v == "const":
        return _said("schema_const", None, path, want=value, value=shown)
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return _said("schema_range", None, path, value=inst, bound=v, limit=value)
    if v == "maxLength":
        return _said("schema_too_long", None, path, limit=value)
    if v == "minLength":
        return _said("schema_empty_text", None, path)
    if v == "maxItems":
        return _said("schema_too_many", None, path, limit=value)
    if v == "minItems":
        return _said("schema_empty_list", None, path)
    if v == "minProperties":
        return _said("schema_empty_mapping", None, path)
    if v == "required":
        # the first required field the mapping lacks, from the schema and the value (not the message's words)
        have = err.instance if isinstance(err.instance, dict) else {}
        missing = next((str(k) for k in value if k not in have), "?")
        return _said("schema_missing", None, path, value=missing)
    return Problem(err.message[:1].lower() + err.message[1:], None, path, None)
