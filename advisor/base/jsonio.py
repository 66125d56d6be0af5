"""Compact JSON out, the same text whichever encoder writes it: orjson when the value allows (a
fifth of a batch's time went to the standard encoder), the standard library otherwise."""
from __future__ import annotations

import json
from typing import Any

import orjson

from advisor.base.errors import FactsError
from advisor.base.location import Location


def compact(value: Any) -> str:
    """`value` as one line of JSON, non-ASCII kept as is (what `json.dumps(..., ensure_ascii=False,
    separators=(",", ":"))` writes)."""
    try:
        return orjson.dumps(value).decode("utf-8")
    except (TypeError, orjson.JSONEncodeError):
        # integers beyond 64 bits, non-string keys: the standard encoder takes them
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def line(value: Any) -> bytes:
    """`value` as one line of compact JSON in UTF-8, newline included: what `batch` writes (no
    round trip through `str` and back: a fifth of the cost of writing a line)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_APPEND_NEWLINE)
    except (TypeError, orjson.JSONEncodeError):
        return (json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def loads(text: str | bytes) -> Any:
    """Parse JSON from a user or a tracker. Stricter than `json.loads` where that matters to us:
    `NaN` and `Infinity` are refused (they would slip past every numeric bound). Raises
    `json.JSONDecodeError` (orjson's is a subclass) with `msg`, `lineno` and `colno`."""
    return orjson.loads(text)


def read_json(data: str | bytes, source: str, *, check: bool = True, one_line: bool = False) -> Any:
    """JSON a person or a program sent (a facts file, an HTTP body, a batch line): parsed
    strictly, then (`check`) its depth and keys checked; every problem a `FactsError` naming
    `source`, a syntax error at `source:line:col` (`one_line`, a batch line: at `source`, its
    column said, as a batch's output names its lines). The one reader of a JSON facts body."""
    try:
        doc = loads(data)
    except json.JSONDecodeError as e:
        if isinstance(data, bytes):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as bad:
                raise FactsError.of("text_not_utf8", where=source, at=bad.start) from None
        if one_line:
            raise FactsError.of("invalid_json_column", where=source, reason=e.msg.lower(), column=e.colno) from None
        raise FactsError.of("invalid_json", where=Location(source, e.lineno, e.colno), reason=e.msg.lower()) from None
    if check:
        check_json(data, doc, source)
    return doc


MAX_JSON_DEPTH = 32    # the facts nest four deep; a value nested deeper is an attack or a mistake


def check_json(text: str | bytes, doc: Any, source: str, duplicates: bool = True) -> None:
    """What JSON parsers let through and we do not: a value nested deeper than MAX_JSON_DEPTH
    (deep recursion later would be a crash, not an error) and a key given twice in one object.
    One walk counts the keys; only when the text has more `:` than keys (a duplicate, or a colon
    inside a string) is it parsed again to find the duplicate."""
    stack: list[tuple[Any, int, str]] = [(doc, 1, "")]
    keys = 0
    while stack:
        value, depth, path = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise FactsError.of("json_too_deep", limit=MAX_JSON_DEPTH,
                                where=(f"{source}{path}" if path.startswith("[") else f"{source}.{path}") if path else source)
        if isinstance(value, dict):
            keys += len(value)
            stack.extend((v, depth + 1, f"{path}.{k}" if path else str(k)) for k, v in value.items()
                         if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            stack.extend((v, depth + 1, f"{path}[{i}]") for i, v in enumerate(value) if isinstance(v, (dict, list)))
    if duplicates and (text.count(b":") if isinstance(text, bytes) else text.count(":")) > keys:
        _no_duplicate_keys(text.decode("utf-8") if isinstance(text, bytes) else text, source)


def _no_duplicate_keys(text: str, source: str) -> None:
    """A key given twice in one JSON object is an error, as in YAML: JSON parsers keep the last
    one silently, and the buyer's first value would be dropped without a word. (A second,
    slower parse; one parcel's facts are a few kilobytes.)"""
    for where, key in duplicate_keys(text):
        raise _twice(key, f"{source}{where}" if where.startswith("[") or not where else f"{source}.{where}")


def _twice(key: str, where: str) -> FactsError:
    return FactsError.of("json_duplicate_key", where=where, value=key)


class _Twice(dict[str, Any]):
    """An object in which `key` was given twice."""
    key = ""


def duplicate_keys(text: str) -> list[tuple[str, str]]:
    """Where each object with a key given twice is (`[3].order`), and the key, in document order."""
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        out = _Twice(items)
        for key, _ in items:
            if key in seen and not out.key:
                out.key = key
            seen.add(key)
        return out if out.key else dict(items)
    found: list[tuple[str, str]] = []
    stack: list[tuple[Any, str]] = [(json.loads(text, object_pairs_hook=pairs), "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, _Twice):
            found.append((path, value.key))
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        stack.extend(reversed([(v, f"{path}[{k}]" if isinstance(value, list) else f"{path}.{k}" if path else str(k))
                               for k, v in items if isinstance(v, (dict, list))]))
    return found


def duplicates_in_batch(text: str, source: str = "body") -> dict[int, FactsError]:
    """Each parcel of a JSON array with a key given twice, and its error naming the parcel and
    field: one such parcel fails alone, as a line of `advise batch` does."""
    out: dict[int, FactsError] = {}
    for where, key in duplicate_keys(text):
        if where.startswith("["):
            index = int(where[1:where.index("]")])
            out.setdefault(index, _twice(key, source + where))
    return out
