"""JSON Schema validation of our contracts: fast when the document is valid, exact when it is not.

fastjsonschema compiles a schema to Python once and checks a valid document in microseconds;
only a document it rejects goes through jsonschema, whose errors carry the paths and details
our messages need. Both read the same schema files under `schemas/`.
"""
from __future__ import annotations

import json
from functools import lru_cache

from .resources import schemas_dir


@lru_cache(maxsize=None)
def schema(name: str) -> dict:
    return json.loads((schemas_dir() / f"{name}.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _fast(name: str):
    import fastjsonschema
    # fastjsonschema speaks draft-07; our schemas use only keywords that mean the same there.
    body = {k: v for k, v in schema(name).items() if k != "$schema"}
    return fastjsonschema.compile(body)


@lru_cache(maxsize=None)
def _full(name: str):
    from jsonschema import Draft202012Validator
    return Draft202012Validator(schema(name))


def errors(name: str, doc) -> list:
    """jsonschema errors for `doc`, shallowest first; [] when valid (checked the fast way first)."""
    try:
        _fast(name)(doc)
        return []
    except Exception:  # noqa: BLE001 - JsonSchemaException, or anything odd: ask the exact validator
        pass
    return sorted(_full(name).iter_errors(doc),
                  key=lambda e: (len(list(e.absolute_path)), list(map(str, e.absolute_path))))
