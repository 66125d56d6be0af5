"""`advise serve`: the advisor over HTTP (FastAPI on uvicorn, the optional `server` extra).

No `from __future__ import annotations` here: FastAPI reads the annotations at runtime.

The same contracts as the CLI: facts in (`parcel-facts/1`), advice out (`parcel-advice/1`).
Anything a client sends that is wrong is a 4xx with our error object, never a 500: 422 with the
field path for bad facts, 413 for bodies over the limit.
"""

import asyncio
import datetime as dt
import json
import logging
import os
import re
from concurrent.futures import ThreadPoolExecutor

from .errors import AdvisorError, FactsError, InternalError, RequestError
from .dates import real_today
from .facts import check_json
from .i18n import LANGS
from .jsonio import compact, loads
from .version import __version__

MAX_BODY = 1024 * 1024            # one facts document
MAX_BATCH_BODY = 16 * 1024 * 1024
MAX_BATCH_ITEMS = 1000
BATCH_PIECE = 25                  # parcels a batch request advises before single requests get a turn
BATCHES_AT_ONCE = 2               # batch requests advised at the same time per process; more wait
BATCHES_WAITING = 8               # batch requests that may wait for a turn; beyond, 503
MAX_CONNECTIONS = 1000            # open connections per process; beyond, 503 (file descriptors stay bounded)

log = logging.getLogger("parcel_advisor.server")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_LANG_PATTERN = "^(" + "|".join(LANGS) + ")$"


def create_app(advisor=None, max_body: int = MAX_BODY, max_batch_body: int = MAX_BATCH_BODY):
    try:
        from fastapi import FastAPI
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise AdvisorError("the HTTP server needs the `server` extra",
                           help="pip install 'parcel-advisor[server]'") from None
    from .api import default_advisor

    adv = (advisor or default_advisor()).warm()     # dictionaries load now, not in the first request
    app = FastAPI(title="parcel-advisor", version=__version__,
                  description="Advice for parcels whose track code is not tracked. "
                              "Facts in (parcel-facts/1), advice out (parcel-advice/1).")
    app.openapi = lambda: _contract(app, sorted(adv.profiles), adv.adapters.names)
    # Single parcels and batches wait in different queues: a batch is advised a piece at a time
    # on its own threads, so a few large batches cannot hold every thread a single request needs.
    singles = ThreadPoolExecutor(max_workers=4, thread_name_prefix="advice")
    pieces = ThreadPoolExecutor(max_workers=BATCHES_AT_ONCE, thread_name_prefix="batch")
    _add_advice(app, adv, singles, max_body)
    _add_payload(app, adv, singles, max_body)
    _add_batch(app, adv, pieces, max_batch_body)
    add_page(app, adv, singles, _read_body)
    _add_track_and_health(app, adv, __version__)
    _add_error_handlers(app)
    return app


def _error(status: int, err: AdvisorError):
    from fastapi.responses import JSONResponse
    return JSONResponse({"error": err.to_dict()}, status_code=status)


async def _read_body(request, limit: int):
    """The body's bytes, counted while reading: a body without a length stops at `limit`."""
    from starlette.requests import ClientDisconnect
    too_large = RequestError(f"the body is larger than {limit // 1024} KiB")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return None, _error(413, too_large)
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return None, _error(413, too_large)
            chunks.append(chunk)
    except ClientDisconnect:
        log.warning("a client disconnected before its body ended (%d bytes read)", size)
        return None, _error(400, RequestError("the client disconnected before the body ended"))
    return b"".join(chunks), None


async def _read_json(request, limit: int):
    data, problem = await _read_body(request, limit)
    if problem:
        return None, problem
    try:
        text = data.decode("utf-8")
        doc = loads(text)
        check_json(text, doc, "body")
        return doc, None
    except UnicodeDecodeError as e:
        return None, _error(422, FactsError(f"the body is not UTF-8 (byte {e.start})", where="body"))
    except json.JSONDecodeError as e:
        return None, _error(422, FactsError(f"invalid JSON: {e.msg.lower()}", where=f"body:{e.lineno}:{e.colno}"))
    except FactsError as e:
        return None, _error(422, e)


def _today_of(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        if not _ISO_DAY.fullmatch(value):      # `fromisoformat` also takes 20261122 and 2026-W47
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise FactsError(f"`{value}` is not a date", where="today", help="write YYYY-MM-DD") from None


def _facts_object(doc) -> dict:
    if not isinstance(doc, dict):
        raise FactsError(f"expected a facts object, got `{type(doc).__name__}`", where="body")
    return doc


def _add_advice(app, adv, singles, max_body: int) -> None:
    """POST /v1/advice and POST /v1/advice.ics: one parcel's advice, or its dates as a calendar."""
    from fastapi import Query, Request
    from fastapi.responses import Response

    def advise_one(doc, today, lang, messages) -> dict:
        return adv.advise(_facts_object(doc), today=today, lang=lang, messages=messages).to_dict()

    def calendar_of(doc, today, lang) -> bytes:
        return adv.advise(_facts_object(doc), today=today, lang=lang, messages=False).to_ics()

    @app.post("/v1/advice", summary="Advice for one parcel", operation_id="advise")
    async def advice(request: Request, lang: str = Query("en", pattern=_LANG_PATTERN), messages: bool = True,
                     today: str | None = Query(None, description="advise as of this date (YYYY-MM-DD)")):
        doc, problem = await _read_json(request, max_body)
        if problem:
            return problem
        try:
            day = _today_of(today)
            return await asyncio.get_running_loop().run_in_executor(singles, advise_one, doc, day, lang, messages)
        except AdvisorError as e:
            return _error(422, e)

    @app.post("/v1/advice.ics", summary="The dates of the advice for one parcel, as an iCalendar file", operation_id="advise_calendar")
    async def advice_ics(request: Request, lang: str = Query("en", pattern=_LANG_PATTERN),
                         today: str | None = Query(None, description="advise as of this date (YYYY-MM-DD)")):
        doc, problem = await _read_json(request, max_body)
        if problem:
            return problem
        try:
            day = _today_of(today)
            data = await asyncio.get_running_loop().run_in_executor(singles, calendar_of, doc, day, lang)
        except AdvisorError as e:
            return _error(422, e)
        return Response(data, media_type="text/calendar; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="parcel.ics"'})


def _add_payload(app, adv, singles, max_body: int) -> None:
    """POST /v1/advice/from/{provider}: a tracker's payload, with the order's facts beside it
    (`{"payload": ..., "order": {...}}`), or a webhook's body as the tracker sends it."""
    from fastapi import Query, Request

    def advise_payload(doc, provider, today, lang, messages) -> dict:
        if isinstance(doc, dict) and "payload" in doc:
            facts = {k: v for k, v in doc.items() if k not in ("payload", "order")}
            return adv.advise_payload(doc["payload"], provider=provider, order=doc.get("order"), facts=facts,
                                      today=today, lang=lang, messages=messages).to_dict()
        return adv.advise_payload(doc, provider=provider, today=today, lang=lang, messages=messages).to_dict()

    @app.post("/v1/advice/from/{provider}", summary="Advice from a tracker's payload", operation_id="advise_payload")
    async def advice_from(provider: str, request: Request, lang: str = Query("en", pattern=_LANG_PATTERN),
                          messages: bool = True, today: str | None = Query(None, description="advise as of this date (YYYY-MM-DD)")):
        data, problem = await _read_body(request, max_body)
        if problem:
            return problem
        try:
            day = _today_of(today)
            doc = data if data.lstrip()[:1] == b"<" else (await _parsed(data))
            return await asyncio.get_running_loop().run_in_executor(singles, advise_payload, doc, provider, day, lang, messages)
        except AdvisorError as e:
            return _error(422, e)


async def _parsed(data: bytes):
    """A JSON body, or the error `_read_json` gives for it."""
    try:
        text = data.decode("utf-8")
        doc = loads(text)
    except UnicodeDecodeError as e:
        raise FactsError(f"the body is not UTF-8 (byte {e.start})", where="body") from None
    except json.JSONDecodeError as e:
        raise FactsError(f"invalid JSON: {e.msg.lower()}", where=f"body:{e.lineno}:{e.colno}") from None
    check_json(text, doc, "body")
    return doc


def _add_batch(app, adv, pieces, max_batch_body: int) -> None:
    """POST /v1/advice/batch: advised a piece at a time on its own threads, two at once, eight waiting."""
    from fastapi import Query, Request
    from fastapi.responses import Response
    turns = asyncio.Semaphore(BATCHES_AT_ONCE)
    waiting = {"n": 0}

    def advise_piece(piece, start, day, lang, messages) -> bytes:
        """A piece of a batch as JSON text (the advice is held as bytes, not as objects: a batch's
        answer takes a fraction of the memory its dicts would)."""
        out = []
        for i, doc in enumerate(piece, start):
            try:
                out.append(compact(adv.advise(_facts_object(doc), today=day, lang=lang, messages=messages).to_dict()))
            except AdvisorError as e:
                out.append(compact({"index": i, "error": e.to_dict()}))
        return ",".join(out).encode("utf-8")

    @app.post("/v1/advice/batch", summary="Advice for many parcels: a JSON array of facts in, an array out", operation_id="advise_batch")
    async def advice_batch(request: Request, lang: str = Query("en", pattern=_LANG_PATTERN), messages: bool = True,
                           today: str | None = None):
        try:
            day = _today_of(today)
        except AdvisorError as e:
            return _error(422, e)
        if waiting["n"] >= BATCHES_WAITING:
            return _error(503, RequestError(f"{BATCHES_WAITING} batches are already waiting",
                                            help="send the batch again in a moment, or split it"))
        waiting["n"] += 1
        try:
            async with turns:
                docs, problem = await _read_json(request, max_batch_body)
                if problem:
                    return problem
                if not isinstance(docs, list):
                    return _error(422, FactsError("expected a JSON array of facts objects", where="body"))
                if len(docs) > MAX_BATCH_ITEMS:
                    return _error(413, RequestError(f"more than {MAX_BATCH_ITEMS} parcels in one request"))
                loop = asyncio.get_running_loop()
                parts: list[bytes] = []
                for start in range(0, len(docs), BATCH_PIECE):
                    piece = docs[start:start + BATCH_PIECE]
                    docs[start:start + BATCH_PIECE] = [None] * len(piece)     # answered parcels are let go
                    parts.append(await loop.run_in_executor(pieces, advise_piece, piece, start, day, lang, messages))
                return Response(b"[" + b",".join(p for p in parts if p) + b"]", media_type="application/json")
        finally:
            waiting["n"] -= 1


def _add_track_and_health(app, adv, version: str) -> None:
    from fastapi import Query

    @app.get("/v1/track/{code}", summary="What a track code is, where it is tracked", operation_id="track")
    async def track(code: str, platform: str | None = None,
                    shipping: str | None = Query(None, max_length=200, description="the order's shipping method, e.g. FedEx")):
        if platform is not None and platform not in adv.profiles:
            return _error(422, FactsError(f"unknown platform `{platform}`", where="platform",
                                          help="one of " + ", ".join(sorted(adv.profiles))))
        if len(code) > 200:
            return _error(422, FactsError("the code is longer than 200 characters", where="code"))
        try:
            return adv.track(code, platform, shipping)
        except AdvisorError as e:
            return _error(422, e)

    @app.get("/healthz", summary="Liveness, and which rules, profiles and templates are loaded", operation_id="healthz")
    async def healthz():
        return {"status": "ok", "version": version, "rules": adv.digest, "rule_count": len(adv.book.rules),
                "pid": os.getpid()}


def _add_error_handlers(app) -> None:
    """Every answer that is not advice in our one error shape: the framework's 404, 405 and 422,
    and a bug's 500."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request, exc: StarletteHTTPException):
        answer = _error(exc.status_code, RequestError(str(exc.detail).lower()))
        answer.headers.update(exc.headers or {})       # 405 says which methods are allowed (Allow)
        return answer

    @app.exception_handler(Exception)
    async def internal_error(_request, exc: Exception):
        """A bug: logged with its traceback, answered in our error shape without it."""
        log.error("internal error", exc_info=exc)
        return _error(500, InternalError(f"internal error ({type(exc).__name__})",
                                         help="this is a bug in parcel-advisor; the server's log has the details"))

    @app.exception_handler(RequestValidationError)
    async def bad_request(_request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body"))
        return _error(422, RequestError(str(first.get("msg", "bad request")).lower(), where=where or None))


def add_page(app, adv, executor, read_body) -> None:
    """The buyers' page (page.py): `/`, its calendar file and its two static files."""
    from fastapi import Request
    from fastapi.responses import HTMLResponse, RedirectResponse, Response
    from urllib.parse import parse_qsl
    from .page import Page, STATIC, calendar_name

    page = Page(adv)
    headers = {"Content-Security-Policy": PAGE_POLICY, "X-Content-Type-Options": "nosniff",
               "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}
    loop = asyncio.get_running_loop

    def answer_of(values: dict, request: Request):
        lang = page.language(values.get("lang"), request.headers.get("accept-language"))
        return lang, page.advise(values, lang, real_today())

    def html(answer, lang: str) -> HTMLResponse:
        return HTMLResponse(page.html(answer, lang), status_code=answer.status, headers=headers)

    @app.get("/", include_in_schema=False)
    async def home(request: Request):
        lang, answer = await loop().run_in_executor(executor, answer_of, dict(request.query_params), request)
        return html(answer, lang)

    @app.post("/", include_in_schema=False)
    async def home_posted(request: Request):
        data, problem = await read_body(request, MAX_FORM_BODY)
        lang = page.language(None, request.headers.get("accept-language"))
        if problem:            # said on the page, in its language: a browser shows what it is sent
            return html(page.refused("form_too_large" if problem.status_code == 413 else "form_unreadable",
                                     problem.status_code), lang)
        try:
            values = dict(parse_qsl(data.decode("utf-8"), keep_blank_values=True, max_num_fields=100,
                                    strict_parsing=bool(data)))
        except (UnicodeDecodeError, ValueError):
            return html(page.refused("form_unreadable", 400), lang)
        lang, answer = await loop().run_in_executor(executor, answer_of, values, request)
        target = page.redirect_target(answer, lang) if not answer.errors else None
        if target:            # POST-redirect-GET: the answer's address holds the answers
            return RedirectResponse(target, status_code=303, headers=headers)
        return html(answer, lang)

    @app.get("/advice.ics", include_in_schema=False)
    async def page_calendar(request: Request):
        lang, answer = await loop().run_in_executor(executor, answer_of, dict(request.query_params), request)
        if answer.advice is None:
            return html(answer, lang) if answer.errors else RedirectResponse("/", status_code=303)
        return Response(answer.advice.to_ics(), media_type="text/calendar; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{calendar_name(answer.advice)}"',
                                 "X-Content-Type-Options": "nosniff"})

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str):
        if name not in STATIC:
            return Response(status_code=404)
        path, media = STATIC[name]
        return Response(path.read_bytes(), media_type=media,
                        headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"})


# the page loads nothing from elsewhere and runs no inline script or style
PAGE_POLICY = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
MAX_FORM_BODY = 256 * 1024


def _contract(app, platforms: list[str], providers: list[str]) -> dict:
    """The OpenAPI document, with our schemas in it (openapi.py), made once."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi
        from .openapi import contract
        app.openapi_schema = contract(get_openapi(title=app.title, version=app.version, description=app.description,
                                                  routes=app.routes), platforms, providers)
    return app.openapi_schema

# what a worker process needs to build its Advisor (`--workers`: each process builds its own)
_OPTIONS_ENV = "PARCEL_ADVISOR_SERVE_OPTIONS"


def app_from_environment():
    """The app as `advise serve --workers N` runs it in each worker process."""
    from .api import advisor_for
    options = json.loads(os.environ.get(_OPTIONS_ENV) or "{}")
    return create_app(advisor_for(**options))


def serve(host: str, port: int, advisor=None, workers: int = 1, options: dict | None = None,
          max_connections: int = MAX_CONNECTIONS) -> None:
    """Serve on `host:port`: one process, or `workers` processes sharing the port (each with its
    own Advisor, built from `options`). Connections beyond `max_connections` per process get 503."""
    try:
        import uvicorn
    except ImportError:
        raise AdvisorError("the HTTP server needs the `server` extra",
                           help="pip install 'parcel-advisor[server]'") from None
    logging.basicConfig(format="%(levelname)s: %(message)s")
    common = dict(host=host, port=port, log_level="warning", limit_concurrency=max_connections,
                  timeout_keep_alive=5)
    if workers > 1:
        os.environ[_OPTIONS_ENV] = json.dumps({k: str(v) if v else None for k, v in (options or {}).items()})
        uvicorn.run("advisor.server:app_from_environment", factory=True, workers=workers, **common)
    else:
        uvicorn.run(create_app(advisor), **common)
