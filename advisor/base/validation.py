"""JSON Schema validation of our contracts: fast when the document is valid, exact when it is not.

fastjsonschema compiles a schema to Python once and checks a valid document in microseconds;
only a document it rejects goes through jsonschema, whose errors carry the paths and details
our messages need. Both read the same schema files under `schemas/`.
"""
from __future__ import annotations

import json
import marshal
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable

from advisor.base import cache
from advisor.base.resources import schemas_dir

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError


@lru_cache(maxsize=None)
def schema(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((schemas_dir() / f"{name}.json").read_text(encoding="utf-8"))
    return doc


@lru_cache(maxsize=None)
def _fast(name: str) -> Callable[[Any], Any]:
    """The compiled validator. Generating and compiling its Python costs ~50 ms a start, so the
    code object is kept in the disk cache, keyed by the schema and the fastjsonschema version."""
    import fastjsonschema
    # fastjsonschema speaks draft-07; our schemas use only keywords that mean the same there.
    doc = schema(name)
    defs = doc.get("$defs") or {}
    body = {k: _inline_refs(v, defs) for k, v in doc.items() if k not in ("$schema", "$defs")}
    body["$defs"] = defs    # for the self-referring definitions left as `$ref`
    key = json.dumps([fastjsonschema.VERSION, body], sort_keys=True).encode()
    func, code = cache.cached("schema", key, lambda: _compile(body, name),
                              dumps=marshal.dumps, loads=marshal.loads)
    namespace: dict[str, Any] = {}
    exec(code, namespace)      # noqa: S102 - code fastjsonschema generated from our own schema
    validate: Callable[[Any], Any] = namespace[func]
    return validate


def _compile(body: dict[str, Any], name: str) -> tuple[str, object]:
    """(the validating function's name, the compiled module code); the generated module defines
    that function first, before the ones for its `$defs`."""
    import fastjsonschema
    source = fastjsonschema.compile_to_code(body)
    first = _FIRST_DEF.search(source)
    assert first is not None, "fastjsonschema's module defines the validator first"
    return first.group(1), compile(source, f"<schema {name}>", "exec")


_FIRST_DEF = re.compile(r"^def (\w+)\(", re.M)


_ANNOTATIONS = {"description", "title", "$comment", "examples"}


def _inline_refs(node: Any, defs: dict[str, Any], stack: tuple[str, ...] = ()) -> Any:
    """Put each `#/$defs/x` in place, except where a definition refers to itself (kept as a
    `$ref`): fastjsonschema calls a referenced definition through a `str.format(**locals())` per
    array item, a third of its time on a parcel with events."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        rest = {k: _inline_refs(v, defs, stack) for k, v in node.items() if k != "$ref"}
        if not (isinstance(ref, str) and ref.startswith("#/$defs/")) or ref in stack:
            return node if ref in stack else rest
        target = _inline_refs(defs[ref[len("#/$defs/"):]], defs, stack + (ref,))
        if set(rest) <= _ANNOTATIONS:
            return {**target, **rest}
        return {"allOf": [target, rest]}
    if isinstance(node, list):
        return [_inline_refs(v, defs, stack) for v in node]
    return node


@lru_cache(maxsize=None)
def _full(name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator
    return Draft202012Validator(schema(name))


def errors(name: str, doc: Any) -> list[ValidationError]:
    """jsonschema errors for `doc`, shallowest first; [] when valid (checked the fast way first)."""
    fast = _fast(name)     # outside the try: a schema it cannot compile is our bug, not the document's
    try:
        fast(doc)
        return []
    except Exception:  # noqa: BLE001 - JsonSchemaException, or anything odd: ask the exact validator
        pass
    return sorted(_full(name).iter_errors(doc),
                  key=lambda e: (len(list(e.absolute_path)), list(map(str, e.absolute_path))))
