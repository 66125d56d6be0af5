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
    _PATTERNS[name] = namespace.get("REGEX_PATTERNS") or {}
    return validate


_PATTERNS: dict[str, dict[str, re.Pattern[str]]] = {}     # each compiled validator's own patterns

# What a schema may say of a document, of an `events` array and of an event for `_plain_events`
# to stand for the validator on `{date, status}` events: anything else and the validator checks them
_TOP_KEYS = {"$schema", "$id", "$defs", "title", "description", "type", "additionalProperties", "properties"}
_ARRAY_KEYS = {"type", "maxItems", "items", "description"}
_ITEM_KEYS = {"type", "additionalProperties", "required", "properties", "anyOf", "dependentRequired", "description"}


def _fills_defaults(node: Any) -> bool:
    """Whether a schema gives a `default` anywhere (the validator would write it into the document
    it checks, so it must be given the document itself)."""
    if isinstance(node, dict):
        return "default" in node or any(_fills_defaults(v) for v in node.values())
    return isinstance(node, list) and any(_fills_defaults(v) for v in node)


@lru_cache(maxsize=None)
def _plain_events(name: str) -> tuple[int, Callable[[Any], bool]] | None:
    """(the most events, a test that one event is exactly `{date, status}` valid as the schema
    says), read from the schema `name` and checked with its validator's own compiled date
    pattern; None when the schema says more of such an event than this test knows.

    Events are most of a facts document, and nearly all are a date and a status: the validator's
    generated code spent a few microseconds on each (an `anyOf` tried, a set of keys made). The
    document's other fields still go through the validator, which holds them to the same schema."""
    doc = schema(name)
    array = (doc.get("properties") or {}).get("events")
    if _fills_defaults(doc) or set(doc) - _TOP_KEYS or not isinstance(array, dict) or set(array) - _ARRAY_KEYS or array.get("type") != "array":
        return None
    item = array.get("items")
    if not isinstance(item, dict) or set(item) - _ITEM_KEYS or item.get("type") != "object" \
            or item.get("additionalProperties") is not False or not set(item.get("required") or []) <= {"date"}:
        return None
    props = item.get("properties") or {}
    date, status = _inline_refs(props.get("date"), doc.get("$defs") or {}), props.get("status")
    if not (isinstance(date, dict) and set(date) <= {"type", "pattern", "description"} and date.get("type") == "string"
            and isinstance(status, dict) and set(status) <= {"type", "maxLength", "description"}
            and status.get("type") == "string" and isinstance(status.get("maxLength"), int)
            and {"required": ["status"]} in (item.get("anyOf") or [{"required": ["status"]}])
            and not {"date", "status"} & set(item.get("dependentRequired") or {})):
        return None
    _fast(name)
    pattern = date.get("pattern")
    found = _PATTERNS.get(name, {}).get(pattern) if pattern is not None else None
    if pattern is not None and found is None:
        return None
    search = found.search if found is not None else None
    longest: int = status["maxLength"]

    def plain(e: Any) -> bool:
        if type(e) is not dict or len(e) != 2:
            return False
        d, s = e.get("date"), e.get("status")
        return type(d) is str and type(s) is str and len(s) <= longest and (search is None or search(d) is not None)
    return int(array.get("maxItems", 1 << 62)), plain


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
        events: Any = doc.get("events") if type(doc) is dict else None
        plain = _plain_events(name) if type(events) is list and events else None
        if plain is not None and len(events) <= plain[0] and all(map(plain[1], events)):
            fast({k: v for k, v in doc.items() if k != "events"})     # the events are as the schema says
        else:
            fast(doc)
        return []
    except Exception:  # noqa: BLE001 - JsonSchemaException, or anything odd: ask the exact validator
        pass
    return sorted(_full(name).iter_errors(doc),
                  key=lambda e: (len(list(e.absolute_path)), list(map(str, e.absolute_path))))
