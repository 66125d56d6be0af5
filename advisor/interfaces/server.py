"""`advise serve`: the advisor over HTTP (FastAPI on uvicorn, the optional `server` extra).

No `from __future__ import annotations` here: FastAPI reads the annotations at runtime.

The same contracts as the CLI: facts in (`parcel-facts/1`), advice out (`parcel-advice/1`).
Anything a client sends that is wrong is a 4xx with our error object, never a 500: 422 with the
field path for bad facts, 413 for bodies over the limit.
"""

import asyncio
import datetime as dt
import json
import functools
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from advisor.base.errors import AdvisorError, FactsError, InternalError, RequestError
from advisor.base.dates import read_day
from advisor.base.i18n import DEFAULT, LANGS
from advisor.base.jsonio import check_json, compact, duplicates_in_batch, read_json
from advisor.interfaces.openapi import served
from advisor.interfaces.pageroutes import add_page
from advisor.version import __version__

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from advisor.api import Advisor
# a body's bytes or the answer that refuses it; a parsed body or the answer that refuses it
BodyRead = tuple[bytes | None, "JSONResponse | None"]
JsonRead = tuple[Any, "JSONResponse | None"]
ReadBody = Callable[["Request", int], Awaitable[BodyRead]]

MAX_BODY = 1024 * 1024            # one facts document
MAX_BATCH_BODY = 16 * 1024 * 1024
MAX_BATCH_ITEMS = 1000
BATCH_PIECE = 25                  # parcels a batch request advises before single requests get a turn
BATCHES_AT_ONCE = 2               # batch requests advised at the same time per process; more wait
BATCHES_WAITING = 8               # batch requests that may wait for a turn; beyond, 503
BATCHES_PER_CLIENT = 2            # batch requests one client address may have in progress; beyond, 503
MAX_CONNECTIONS = 1000            # open connections per process; beyond, the oldest idle one is closed, or 503
HEADER_TIMEOUT = 10.0             # seconds a connection has to send a request head (connections.py)
BODY_TIMEOUT = 30.0               # seconds a request has to send its whole body; then 408
# The event loop shares the interpreter lock with the threads advising: at CPython's 5 ms it waited
# behind four of them (`/healthz` 0.8 s under 32 page posts); at 0.2 ms, 0.03 s, for a tenth of the
# throughput of single requests (bench/load.py).
SWITCH_INTERVAL = 0.0002

log = logging.getLogger("parcel_advisor.server")
_LANG_PATTERN = "^(" + "|".join(LANGS) + ")$"


def create_app(advisor: "Advisor | None" = None, max_body: int = MAX_BODY, max_batch_body: int = MAX_BATCH_BODY,
               body_timeout: float = BODY_TIMEOUT) -> "FastAPI":
    try:
        from fastapi import FastAPI
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise AdvisorError("the HTTP server needs the `server` extra",
                           help="pip install 'parcel-advisor[server]'") from None
    from advisor.api import default_advisor

    adv = (advisor or default_advisor()).warm()     # dictionaries load now, not in the first request
    app = FastAPI(title="parcel-advisor", version=__version__,
                  description="Advice for parcels whose track code is not tracked. "
                              "Facts in (parcel-facts/1), advice out (parcel-advice/1).")
    app.openapi = lambda: served(app, sorted(adv.profiles), adv.adapters.names)  # type: ignore[method-assign]  # FastAPI's way to serve our own schema
    # Single parcels and batches wait in different queues: a batch is advised a piece at a time
    # on its own threads, so a few large batches cannot hold every thread a single request needs.
    singles = ThreadPoolExecutor(max_workers=4, thread_name_prefix="advice")
    pieces = ThreadPoolExecutor(max_workers=BATCHES_AT_ONCE, thread_name_prefix="batch")
    read_body = functools.partial(_read_body, timeout=body_timeout)
    _add_advice(app, adv, singles, max_body, read_body)
    _add_payload(app, adv, singles, max_body, read_body)
    _add_batch(app, adv, pieces, max_batch_body, read_body)
    add_page(app, adv, singles, read_body)
    _add_track_and_health(app, adv, singles, __version__)
    _add_error_handlers(app)
    return app


def _error(status: int, err: AdvisorError) -> "JSONResponse":
    from fastapi.responses import JSONResponse
    return JSONResponse({"error": err.to_dict()}, status_code=status)


async def _read_body(request: "Request", limit: int, timeout: float = BODY_TIMEOUT) -> BodyRead:
    """The body's bytes, counted while reading: a body without a length stops at `limit`, and a
    body still coming after `timeout` seconds is answered 408 and its connection closed."""
    from starlette.requests import ClientDisconnect
    too_large = RequestError(f"the body is larger than {limit // 1024} KiB")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return None, _error(413, too_large)
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    return None, _error(413, too_large)
                chunks.append(chunk)
    except TimeoutError:
        log.warning("a body was still coming after %g s (%d bytes read)", timeout, size)
        late = _error(408, RequestError(f"the body did not arrive within {timeout:g} s ({size} bytes came)",
                                        help="send the body at once, or a smaller one"))
        late.headers["Connection"] = "close"
        return None, late
    except ClientDisconnect:
        log.warning("a client disconnected before its body ended (%d bytes read)", size)
        return None, _error(400, RequestError("the client disconnected before the body ended"))
    return b"".join(chunks), None


async def _read_json(request: "Request", limit: int, read_body: ReadBody, batch: bool = False, executor: ThreadPoolExecutor | None = None) -> JsonRead:
    """The body read (`read_body`), then parsed and checked off the event loop (16 MB of JSON is
    a tenth of a second of CPU that `/healthz` would otherwise wait for)."""
    data, problem = await read_body(request, limit)
    if problem or data is None:
        return None, problem
    return await asyncio.get_running_loop().run_in_executor(executor, _parse_json, data, batch)


def _parse_json(data: bytes, batch: bool) -> JsonRead:
    """The body's JSON; in a batch, a parcel with a key given twice becomes its error alone."""
    try:
        doc = read_json(data, "body", check=False)
        try:
            check_json(data, doc, "body")
        except FactsError as e:
            if not (batch and isinstance(doc, list) and "twice" in e.message):
                raise
            twice = duplicates_in_batch(data.decode("utf-8"))
            if not twice:
                raise
            doc = [twice.get(i, item) for i, item in enumerate(doc)]
            check_json(data, doc, "body", duplicates=False)
        return doc, None
    except FactsError as e:
        return None, _error(422, e)


def _today_of(value: str | None) -> dt.date | None:
    return read_day(value)


def _facts_object(doc: Any) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise FactsError(f"expected a facts object, got `{type(doc).__name__}`", where="body")
    return doc


def _add_advice(app: "FastAPI", adv: "Advisor", singles: ThreadPoolExecutor, max_body: int, read_body: ReadBody) -> None:
    """POST /v1/advice and POST /v1/advice.ics: one parcel's advice, or its dates as a calendar."""
    from fastapi import Query, Request
    from fastapi.responses import Response

    def advise_one(doc: Any, today: dt.date | None, lang: str, messages: bool) -> dict[str, Any]:
        return adv.advise(_facts_object(doc), today=today, lang=lang, messages=messages).to_dict()

    def calendar_of(doc: Any, today: dt.date | None, lang: str) -> bytes:
        return adv.advise(_facts_object(doc), today=today, lang=lang, messages=False).to_ics()

    @app.post("/v1/advice", summary="Advice for one parcel", operation_id="advise", response_model=None)
    async def advice(request: Request, lang: str = Query(DEFAULT, pattern=_LANG_PATTERN), messages: bool = True,
                     today: str | None = Query(None, description="advise as of this date (YYYY-MM-DD)")) -> Any:
        doc, problem = await _read_json(request, max_body, read_body)
        if problem:
            return problem
        try:
            day = _today_of(today)
            return await asyncio.get_running_loop().run_in_executor(singles, advise_one, doc, day, lang, messages)
        except AdvisorError as e:
            return _error(422, e)

    @app.post("/v1/advice.ics", summary="The dates of the advice for one parcel, as an iCalendar file", operation_id="advise_calendar")
    async def advice_ics(request: Request, lang: str = Query(DEFAULT, pattern=_LANG_PATTERN),
                         today: str | None = Query(None, description="advise as of this date (YYYY-MM-DD)")) -> Response:
        doc, problem = await _read_json(request, max_body, read_body)
        if problem:
            return problem
        try:
            day = _today_of(today)
            data = await asyncio.get_running_loop().run_in_executor(singles, calendar_of, doc, day, lang)
        except AdvisorError as e:
            return _error(422, e)
        return Response(data, media_type="text/calendar; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="parcel.ics"'})


def _add_payload(app: "FastAPI", adv: "Advisor", singles: ThreadPoolExecutor, max_body: int, read_body: ReadBody) -> None:
    """POST /v1/advice/from/{provider}: a tracker's payload, with the order's facts beside it
    (`{"payload": ..., "order": {...}}`), or a webhook's body as the tracker sends it."""
    from fastapi import Query, Request

    def advise_payload(doc: Any, provider: str, today: dt.date | None, lang: str, messages: bool) -> dict[str, Any]:
        if isinstance(doc, dict) and "payload" in doc:
            facts = {k: v for k, v in doc.items() if k not in ("payload", "order")}
            return adv.advise_payload(doc["payload"], provider=provider, order=doc.get("order"), facts=facts,
                                      today=today, lang=lang, messages=messages).to_dict()
        return adv.advise_payload(doc, provider=provider, today=today, lang=lang, messages=messages).to_dict()

    @app.post("/v1/advice/from/{provider}", summary="Advice from a tracker's payload", operation_id="advise_payload", response_model=None)
    async def advice_from(provider: str, request: Request, lang: str = Query(DEFAULT, pattern=_LANG_PATTERN),
                          messages: bool = True, today: str | None = Query(None, description="advise as of this date (YYYY-MM-DD)")) -> Any:
        data, problem = await read_body(request, max_body)
        if problem or data is None:
            return problem
        try:
            day = _today_of(today)
        except AdvisorError as e:
            return _error(422, e)
        doc: Any
        if data.lstrip()[:1] == b"<":
            doc = data
        else:                               # parsed off the event loop, as every JSON body is
            doc, problem = await asyncio.get_running_loop().run_in_executor(None, _parse_json, data, False)
            if problem:
                return problem
        try:
            return await asyncio.get_running_loop().run_in_executor(singles, advise_payload, doc, provider, day, lang, messages)
        except AdvisorError as e:
            return _error(422, e)


def _add_batch(app: "FastAPI", adv: "Advisor", pieces: ThreadPoolExecutor, max_batch_body: int, read_body: ReadBody) -> None:
    """POST /v1/advice/batch: advised a piece at a time on its own threads, two at once, eight waiting.

    A body is read before its batch waits for a turn (a slow body used to hold a turn, and ten of
    them every batch), and one client (address) has at most BATCHES_PER_CLIENT batches in progress,
    so a few clients sending slowly cannot stall everyone else's."""
    from fastapi import Query, Request
    from fastapi.responses import Response
    turns = asyncio.Semaphore(BATCHES_AT_ONCE)
    waiting = {"n": 0}
    per_client: dict[str, int] = {}

    @app.post("/v1/advice/batch", summary="Advice for many parcels: a JSON array of facts in, an array out", operation_id="advise_batch")
    async def advice_batch(request: Request, lang: str = Query(DEFAULT, pattern=_LANG_PATTERN), messages: bool = True,
                           today: str | None = None) -> Response:
        try:
            day = _today_of(today)
        except AdvisorError as e:
            return _error(422, e)
        client = request.client.host if request.client else ""
        if per_client.get(client, 0) >= BATCHES_PER_CLIENT:
            return _error(503, RequestError(f"this client already has {BATCHES_PER_CLIENT} batches in progress",
                                            help="send the next batch when one has been answered"))
        per_client[client] = per_client.get(client, 0) + 1
        try:
            docs, problem = await _read_json(request, max_batch_body, read_body, batch=True, executor=pieces)
            if problem:
                return problem
            if not isinstance(docs, list):
                return _error(422, FactsError("expected a JSON array of facts objects", where="body"))
            if len(docs) > MAX_BATCH_ITEMS:
                return _error(413, RequestError(f"more than {MAX_BATCH_ITEMS} parcels in one request"))
            if waiting["n"] >= BATCHES_WAITING:
                return _error(503, RequestError(f"{BATCHES_WAITING} batches are already waiting",
                                                help="send the batch again in a moment, or split it"))
            waiting["n"] += 1
            try:
                async with turns:
                    body = await _advised(adv, pieces, docs, day, lang, messages)
                    return Response(body, media_type="application/json")
            finally:
                waiting["n"] -= 1
        finally:
            per_client[client] -= 1
            if not per_client[client]:
                del per_client[client]


def _advise_piece(adv: "Advisor", piece: list[Any], start: int, day: dt.date | None, lang: str, messages: bool) -> bytes:
    """A piece of a batch as JSON text (the advice is held as bytes, not as objects: a batch's
    answer takes a fraction of the memory its dicts would); a parcel read as an error stays one."""
    out = []
    for i, doc in enumerate(piece, start):
        try:
            if isinstance(doc, FactsError):
                raise doc
            out.append(compact(adv.advise(_facts_object(doc), today=day, lang=lang, messages=messages).to_dict()))
        except AdvisorError as e:
            out.append(compact({"index": i, "error": e.to_dict()}))
    return ",".join(out).encode("utf-8")


async def _advised(adv: "Advisor", pieces: ThreadPoolExecutor, docs: list[Any], day: dt.date | None, lang: str, messages: bool) -> bytes:
    """A batch advised a piece at a time on the `pieces` threads: single requests get turns between."""
    loop = asyncio.get_running_loop()
    parts: list[bytes] = []
    for start in range(0, len(docs), BATCH_PIECE):
        piece = docs[start:start + BATCH_PIECE]
        docs[start:start + BATCH_PIECE] = [None] * len(piece)     # answered parcels are let go
        parts.append(await loop.run_in_executor(pieces, _advise_piece, adv, piece, start, day, lang, messages))
    return b"[" + b",".join(p for p in parts if p) + b"]"


def _add_track_and_health(app: "FastAPI", adv: "Advisor", singles: ThreadPoolExecutor, version: str) -> None:
    from fastapi import Query

    @app.get("/v1/track/{code}", summary="What a track code is, where it is tracked", operation_id="track", response_model=None)
    async def track(code: str, platform: str | None = None,
                    shipping: str | None = Query(None, max_length=200, description="the order's shipping method, e.g. FedEx")) -> Any:
        if platform is not None and platform not in adv.profiles:
            return _error(422, FactsError(f"unknown platform `{platform}`", where="platform",
                                          help="one of " + ", ".join(sorted(adv.profiles))))
        if len(code) > 200:
            return _error(422, FactsError("the code is longer than 200 characters", where="code"))
        try:
            # the code analysis is CPU work: off the event loop, so /healthz never waits for it
            return await asyncio.get_running_loop().run_in_executor(singles, adv.track, code, platform, shipping)
        except AdvisorError as e:
            return _error(422, e)

    @app.get("/healthz", summary="Liveness, and which rules, profiles and templates are loaded", operation_id="healthz", response_model=None)
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "version": version, "rules": adv.digest, "rule_count": len(adv.book.rules),
                "pid": os.getpid()}


def _add_error_handlers(app: "FastAPI") -> None:
    """Every answer that is not advice in our one error shape: the framework's 404, 405 and 422,
    and a bug's 500."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: "Request", exc: StarletteHTTPException) -> "JSONResponse":
        answer = _error(exc.status_code, RequestError(str(exc.detail).lower()))
        answer.headers.update(exc.headers or {})       # 405 says which methods are allowed (Allow)
        return answer

    @app.exception_handler(Exception)
    async def internal_error(_request: "Request", exc: Exception) -> "JSONResponse":
        """A bug: logged with its traceback, answered in our error shape without it."""
        log.error("internal error", exc_info=exc)
        return _error(500, InternalError(f"internal error ({type(exc).__name__})",
                                         help="this is a bug in parcel-advisor; the server's log has the details"))

    @app.exception_handler(RequestValidationError)
    async def bad_request(_request: "Request", exc: RequestValidationError) -> "JSONResponse":
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body"))
        return _error(422, RequestError(str(first.get("msg", "bad request")).lower(), where=where or None))


# what a worker process needs to build its Advisor (`--workers`: each process builds its own)
_OPTIONS_ENV = "PARCEL_ADVISOR_SERVE_OPTIONS"


def app_from_environment() -> "FastAPI":
    """The app as `advise serve --workers N` runs it in each worker process."""
    from advisor.api import advisor_for
    options = json.loads(os.environ.get(_OPTIONS_ENV) or "{}")
    body_timeout = options.pop("body_timeout", None)
    sys.setswitchinterval(SWITCH_INTERVAL)        # a spawned worker does not inherit it
    return create_app(advisor_for(**options), body_timeout=float(body_timeout or BODY_TIMEOUT))


def serve(host: str, port: int, advisor: "Advisor | None" = None, workers: int = 1, options: dict[str, Any] | None = None,
          max_connections: int = MAX_CONNECTIONS, per_client: int | None = None,
          header_timeout: float = HEADER_TIMEOUT, body_timeout: float = BODY_TIMEOUT) -> None:
    """Serve on `host:port`: one process, or `workers` processes sharing the port (each with its
    own Advisor, built from `options`). At `max_connections` per process (`per_client` of them
    for one address) the oldest idle connection is closed for a new one; only when all are busy
    is the answer 503 (connections.py)."""
    try:
        import uvicorn
        from advisor.interfaces.connections import GuardedProtocol, configure
    except ImportError:
        raise AdvisorError("the HTTP server needs the `server` extra",
                           help="pip install 'parcel-advisor[server]'") from None
    logging.basicConfig(format="%(levelname)s: %(message)s")
    sys.setswitchinterval(SWITCH_INTERVAL)
    configure(max_connections=max_connections, per_client=per_client or max(1, max_connections // 4),
              header_timeout=header_timeout)
    common: dict[str, Any] = dict(host=host, port=port, log_level="warning", http=GuardedProtocol, timeout_keep_alive=5)
    if workers > 1:
        os.environ[_OPTIONS_ENV] = json.dumps({**{k: str(v) if v else None for k, v in (options or {}).items()},
                                               "body_timeout": body_timeout})
        uvicorn.run("advisor.interfaces.server:app_from_environment", factory=True, workers=workers, **common)
    else:
        uvicorn.run(create_app(advisor, body_timeout=body_timeout), **common)
