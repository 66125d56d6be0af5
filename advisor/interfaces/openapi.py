"""The HTTP contract as OpenAPI 3.1, built from our own JSON Schemas (`schemas/*.json`).

The facts and the advice are described once, in `schemas/`; here they are placed into the
OpenAPI document FastAPI makes (their `$defs` become components, their references rewritten),
and every operation gets its request body, its answer and the one error shape every status
code answers in. A client generator reads the result (tests/test_openapi_client.py).
"""
from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any, Callable

from advisor.base.resources import schemas_dir

if TYPE_CHECKING:
    from fastapi import FastAPI

ERROR: dict[str, Any] = {"type": "object", "required": ["error"], "additionalProperties": False, "properties": {"error": {
    "type": "object", "required": ["kind", "message"], "additionalProperties": False,
    "properties": {"kind": {"type": "string", "description": "facts, track, history, rules, request or internal"},
                   "message": {"type": "string"}, "where": {"type": "string", "description": "the field or body:line:col"},
                   "help": {"type": "string"},
                   "key": {"type": "string", "description": "which problem (templates/errors.yaml): its text in every language"}}}}}
BATCH_ERROR = {"type": "object", "required": ["index", "error"], "additionalProperties": False,
               "properties": {"index": {"type": "integer", "minimum": 0}, "error": ERROR["properties"]["error"]}}
HEALTH = {"type": "object", "required": ["status", "version", "rules", "rule_count", "pid"],
          "properties": {"status": {"const": "ok"}, "version": {"type": "string"}, "rules": {"type": "string"},
                         "rule_count": {"type": "integer"}, "pid": {"type": "integer"}}}
TRACK = {"type": "object", "required": ["code", "format", "valid", "flags", "trackers"],
         "description": "the code analysis: the same object as `track` in the advice, without its names",
         "properties": {"code": {"type": "string"}, "format": {"type": ["string", "null"]}, "valid": {"type": "boolean"},
                        "flags": {"type": "array", "items": {"type": "string"}},
                        "trackers": {"type": "array", "items": {"type": "object"}}}}
EXAMPLE_FACTS = {"track": "RK190321410CN", "platform": "aliexpress",
                 "order": {"track_issued": "2026-11-10", "protection_ends": "2026-12-20"}}
ERRORS = {400: "the client went away or sent no body", 404: "no such path", 405: "the method is not allowed here",
          413: "the body or the batch is too large", 422: "bad facts or parameters",
          500: "a bug in parcel-advisor (please report it)", 503: "too many batches waiting: try again shortly"}


def _schema(name: str, prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A schema of `schemas/` as an OpenAPI component, and its `$defs` as components of their own."""
    doc = json.loads((schemas_dir() / f"{name}.json").read_text(encoding="utf-8"))
    defs = doc.pop("$defs", {})
    for key in ("$schema", "$id"):
        doc.pop(key, None)

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: (f"#/components/schemas/{prefix}_{v.split('/')[-1]}" if k == "$ref" and isinstance(v, str)
                        and v.startswith("#/$defs/") else rewrite(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [rewrite(x) for x in node]
        return node
    return rewrite(doc), {f"{prefix}_{k}": rewrite(v) for k, v in defs.items()}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": ERRORS[c], "content": {"application/json": {"schema": _ref("Error")}}}
            for c in codes}


def _from_provider(op: dict[str, Any], facts: dict[str, Any], providers: list[str] | None,
                   answer: Callable[..., None]) -> None:
    """The payload route: a tracker's payload with the order's facts beside it, or a webhook's body."""
    op["requestBody"] = {"required": True, "content": {
        "application/json": {"schema": {"type": "object", "description": (
            "`{\"payload\": PAYLOAD, \"order\": {...}}`: the tracker's payload as it sends it, with the order's facts "
            "beside it (parcel-facts/1 `order`; other facts fields such as `platform`, `today`, `seller` beside them); "
            "or a webhook's body alone. Russian Post's SOAP answer may also be sent as it comes, with "
            "`Content-Type: application/xml` (not listed here: client generators do not take XML bodies)"),
            "properties": {"payload": {"description": "the tracker's payload: a JSON object, or XML text (Russian Post)"},
                           "order": facts["properties"]["order"]}}}}}
    answer(op, _ref("ParcelAdvice"), "application/json", 400, 413, 422,
           description="the advice (parcel-advice/1), with `payload` naming the adapter that read it")
    for p in op.get("parameters", []):
        if p["name"] == "provider" and providers:
            p["schema"] = {"type": "string", "enum": ["auto", *sorted(providers)]}


def contract(generated: dict[str, Any], platforms: list[str] | None = None,
             providers: list[str] | None = None) -> dict[str, Any]:
    """FastAPI's document with our bodies, answers and errors put in; `platforms`, the ones this
    server's rules know, are listed where a platform is given."""
    doc = copy.deepcopy(generated)
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    for key in [k for k in components if k in ("HTTPValidationError", "ValidationError")]:
        del components[key]             # FastAPI's own error shape: we answer in ours
    facts, facts_defs = _schema("parcel-facts-1", "ParcelFacts")
    advice, advice_defs = _schema("parcel-advice-1", "ParcelAdvice")
    for name, schema in (("ParcelFacts", facts), ("ParcelAdvice", advice)):
        # a generated client names its types by `title`: the component's name, the long title kept
        schema["description"] = f"{schema.pop('title', name)}. {schema.get('description', '')}".strip()
        schema["title"] = name
    if platforms:
        facts["properties"]["platform"] = dict(facts["properties"]["platform"], enum=sorted(platforms))
    components.update(facts_defs, **advice_defs)
    components.update(ParcelFacts=facts, ParcelAdvice=advice, Error=ERROR, BatchItemError=BATCH_ERROR,
                      Health=HEALTH, TrackAnalysis=TRACK)
    body = {"required": True, "content": {"application/json": {"schema": _ref("ParcelFacts"),
                                                               "example": EXAMPLE_FACTS}}}
    paths = doc["paths"]
    common = (404, 405, 500)

    def answer(op: dict[str, Any], schema: dict[str, Any] | None, media: str = "application/json", *codes: int, description: str) -> None:
        ok = {"description": description, "content": {media: {"schema": schema} if schema else {}}}
        op["responses"] = {"200": ok, **_errors(*sorted(set(codes) | set(common)))}

    op = paths["/v1/advice"]["post"]
    op["requestBody"] = body
    answer(op, _ref("ParcelAdvice"), "application/json", 400, 413, 422, description="the advice (parcel-advice/1)")
    op = paths["/v1/advice/batch"]["post"]
    op["requestBody"] = {"required": True, "content": {"application/json": {
        "schema": {"type": "array", "maxItems": 1000, "description": (
            "parcel-facts/1 objects; an item that is not one is answered in its place as {index, error}, "
            "and the others are advised"),
            "items": {"anyOf": [_ref("ParcelFacts"), {"description": "anything else, answered as {index, error}"}]}},
        "example": [EXAMPLE_FACTS]}}}
    answer(op, {"type": "array", "items": {"oneOf": [_ref("ParcelAdvice"), _ref("BatchItemError")]}},
           "application/json", 400, 413, 422, 503,
           description="one advice per parcel, in order; a parcel that could not be advised is {index, error}")
    op = paths["/v1/advice.ics"]["post"]
    op["requestBody"] = body
    answer(op, {"type": "string"}, "text/calendar", 400, 413, 422,
           description="an iCalendar file (RFC 5545): the advice's dated steps and dates")
    _from_provider(paths["/v1/advice/from/{provider}"]["post"], facts, providers, answer)
    answer(paths["/v1/track/{code}"]["get"], _ref("TrackAnalysis"), "application/json", 422,
           description="what the code is and where it is tracked")
    answer(paths["/healthz"]["get"], _ref("Health"), "application/json",
           description="alive; which rules are loaded")
    for path in paths.values():
        for operation in path.values():
            for p in operation.get("parameters", []):
                if p["name"] == "today":        # checked by our own reader, which names the field
                    p["schema"] = {"type": "string", "format": "date", "description": p.get("description", "")}
                if p["name"] == "platform" and platforms:
                    p["schema"] = {"type": "string", "enum": sorted(platforms)}
    return doc


def served(app: FastAPI, platforms: list[str], providers: list[str]) -> dict[str, Any]:
    """The document the app serves at /openapi.json: FastAPI's with our schemas in it, made once."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi
        app.openapi_schema = contract(get_openapi(title=app.title, version=app.version, description=app.description,
                                                  routes=app.routes), platforms, providers)
    return app.openapi_schema
