"""`advise serve`: the advisor over HTTP (FastAPI on uvicorn, the optional `server` extra).

No `from __future__ import annotations` here: FastAPI reads the annotations at runtime.

The same contracts as the CLI: facts in (`parcel-facts/1`), advice out (`parcel-advice/1`).
Anything a client sends that is wrong is a 4xx with our error object, never a 500: 422 with the
field path for bad facts, 413 for bodies over the limit.
"""

import asyncio
import datetime as dt
import json

from .errors import AdvisorError, FactsError
from .facts import check_json
from .jsonio import loads

MAX_BODY = 1024 * 1024            # one facts document
MAX_BATCH_BODY = 16 * 1024 * 1024
MAX_BATCH_ITEMS = 1000


def create_app(advisor=None, max_body: int = MAX_BODY, max_batch_body: int = MAX_BATCH_BODY):
    try:
        from fastapi import FastAPI, Query, Request
        from fastapi.responses import JSONResponse
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise AdvisorError("the HTTP server needs the `server` extra",
                           help="pip install 'parcel-advisor[server]'") from None
    from . import __version__
    from .api import default_advisor

    adv = advisor or default_advisor()
    app = FastAPI(title="parcel-advisor", version=__version__,
                  description="Advice for parcels whose track code is not tracked. "
                              "Facts in (parcel-facts/1), advice out (parcel-advice/1).")

    def error(status: int, err: AdvisorError | dict) -> JSONResponse:
        body = err.to_dict() if isinstance(err, AdvisorError) else err
        return JSONResponse({"error": body}, status_code=status)

    async def read_json(request: Request, limit: int):
        too_large = {"kind": "request", "message": f"the body is larger than {limit // 1024} KiB"}
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            return None, error(413, too_large)
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:     # counted while reading: a body without a length stops here
                return None, error(413, too_large)
            chunks.append(chunk)
        try:
            text = b"".join(chunks).decode("utf-8")
            doc = loads(text)
            check_json(text, doc, "body")
            return doc, None
        except UnicodeDecodeError as e:
            return None, error(422, FactsError(f"the body is not UTF-8 (byte {e.start})", where="body"))
        except json.JSONDecodeError as e:
            return None, error(422, FactsError(f"invalid JSON: {e.msg.lower()}", where=f"body:{e.lineno}:{e.colno}"))
        except FactsError as e:
            return None, error(422, e)

    def today_of(value: str | None) -> dt.date | None:
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise FactsError(f"`{value}` is not a date", where="today", help="write YYYY-MM-DD") from None

    def advise_one(doc, today, lang, messages) -> dict:
        if not isinstance(doc, dict):
            raise FactsError(f"expected a facts object, got `{type(doc).__name__}`", where="body")
        return adv.advise(doc, today=today, lang=lang, messages=messages).to_dict()

    @app.post("/v1/advice", summary="Advice for one parcel")
    async def advice(request: Request, lang: str = Query("en", pattern="^(en|ru)$"), messages: bool = True,
                     today: str | None = Query(None, description="advise as of this date (YYYY-MM-DD)")):
        doc, problem = await read_json(request, max_body)
        if problem:
            return problem
        try:
            return await asyncio.to_thread(advise_one, doc, today_of(today), lang, messages)
        except AdvisorError as e:
            return error(422, e)

    @app.post("/v1/advice/batch", summary="Advice for many parcels: a JSON array of facts in, an array out")
    async def advice_batch(request: Request, lang: str = Query("en", pattern="^(en|ru)$"), messages: bool = True,
                           today: str | None = None):
        docs, problem = await read_json(request, max_batch_body)
        if problem:
            return problem
        if not isinstance(docs, list):
            return error(422, FactsError("expected a JSON array of facts objects", where="body"))
        if len(docs) > MAX_BATCH_ITEMS:
            return error(413, {"kind": "request", "message": f"more than {MAX_BATCH_ITEMS} parcels in one request"})
        try:
            day = today_of(today)
        except AdvisorError as e:
            return error(422, e)

        def run_all():
            out = []
            for i, doc in enumerate(docs):
                try:
                    out.append(advise_one(doc, day, lang, messages))
                except AdvisorError as e:
                    out.append({"index": i, "error": e.to_dict()})
            return out
        return await asyncio.to_thread(run_all)

    @app.get("/v1/track/{code}", summary="What a track code is, where it is tracked")
    async def track(code: str, platform: str | None = None,
                    shipping: str | None = Query(None, max_length=200, description="the order's shipping method, e.g. FedEx")):
        if platform is not None and platform not in adv.profiles:
            return error(422, FactsError(f"unknown platform `{platform}`", where="platform",
                                         help="one of " + ", ".join(sorted(adv.profiles))))
        if len(code) > 200:
            return error(422, FactsError("the code is longer than 200 characters", where="code"))
        try:
            return adv.track(code, platform, shipping)
        except AdvisorError as e:
            return error(422, e)

    @app.get("/healthz", summary="Liveness, and which rules are loaded")
    async def healthz():
        return {"status": "ok", "version": __version__, "rules": adv.book.digest, "rule_count": len(adv.book.rules)}

    from fastapi.exceptions import RequestValidationError

    @app.exception_handler(RequestValidationError)
    async def bad_request(_request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body"))
        return error(422, {"kind": "request", "message": str(first.get("msg", "bad request")).lower(), "where": where})

    return app


def serve(host: str, port: int, advisor=None) -> None:
    try:
        import uvicorn
    except ImportError:
        raise AdvisorError("the HTTP server needs the `server` extra",
                           help="pip install 'parcel-advisor[server]'") from None
    uvicorn.run(create_app(advisor), host=host, port=port, log_level="warning")
