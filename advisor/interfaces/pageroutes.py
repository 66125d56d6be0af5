"""The buyers' page on the HTTP server (`advise serve`): `/`, its calendar file, its static files.

No `from __future__ import annotations` here: FastAPI reads the annotations at runtime. The
page's answer and its HTML are both built on the executor's threads, never on the event loop
(32 clients posting 64 KB histories used to hold `/healthz` for two seconds). A page that
carries a buyer's facts is never stored by a cache (`Cache-Control: no-store`).
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Awaitable, Callable

from advisor.base.dates import real_today

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.responses import HTMLResponse as Html

    from advisor.api import Advisor
    from advisor.interfaces.page import Answer
    from advisor.interfaces.server import ReadBody

    AnswerOf = Callable[[dict[str, str], str | None], tuple[str, Answer]]
    HtmlOf = Callable[[Answer, str], Awaitable[Html]]


def add_page(app: "FastAPI", adv: "Advisor", executor: ThreadPoolExecutor, read_body: "ReadBody") -> None:
    """The buyers' page (page.py): `/`, its calendar file and its two static files."""
    from fastapi import Request
    from fastapi.responses import HTMLResponse, RedirectResponse, Response
    from urllib.parse import parse_qsl
    from advisor.interfaces.page import Page

    page = Page(adv)
    headers = {"Content-Security-Policy": PAGE_POLICY, "X-Content-Type-Options": "nosniff",
               "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY", "Cache-Control": "no-store"}
    loop = asyncio.get_running_loop

    def answered(values: dict[str, str], accept: str | None) -> tuple[str, "Answer", str]:
        """The answer and its HTML, on an executor thread."""
        lang = page.language(values.get("lang"), accept)
        answer = page.advise(values, lang, real_today())
        return lang, answer, page.html(answer, lang)

    async def html(answer: "Answer", lang: str) -> HTMLResponse:
        text = await loop().run_in_executor(executor, page.html, answer, lang)
        return HTMLResponse(text, status_code=answer.status, headers=headers)

    @app.get("/", include_in_schema=False)
    async def home(request: Request) -> HTMLResponse:
        lang, answer, text = await loop().run_in_executor(executor, answered, dict(request.query_params),
                                                          request.headers.get("accept-language"))
        return HTMLResponse(text, status_code=answer.status, headers=headers)

    @app.post("/", include_in_schema=False)
    async def home_posted(request: Request) -> Response:
        data, problem = await read_body(request, MAX_FORM_BODY)
        lang = page.language(None, request.headers.get("accept-language"))
        if problem or data is None:            # said on the page, in its language: a browser shows what it is sent
            status = problem.status_code if problem else 400
            return await html(page.refused("form_too_large" if status == 413 else "form_unreadable", status), lang)
        try:
            values = dict(parse_qsl(data.decode("utf-8"), keep_blank_values=True, max_num_fields=100,
                                    strict_parsing=bool(data)))
        except (UnicodeDecodeError, ValueError):
            return await html(page.refused("form_unreadable", 400), lang)
        lang, answer = await loop().run_in_executor(executor, answer_of, values, request.headers.get("accept-language"))
        target = page.redirect_target(answer, lang) if not answer.errors else None
        if target:            # POST-redirect-GET: the answer's address holds the answers
            return RedirectResponse(target, status_code=303, headers=headers)
        return await html(answer, lang)

    def answer_of(values: dict[str, str], accept: str | None) -> tuple[str, "Answer"]:
        lang = page.language(values.get("lang"), accept)
        return lang, page.advise(values, lang, real_today())

    _add_files(app, executor, answer_of, html)


def _add_files(app: "FastAPI", executor: ThreadPoolExecutor, answer_of: "AnswerOf", html: "HtmlOf") -> None:
    """The page's calendar file (its answer's dates) and its static files."""
    from fastapi import Request
    from fastapi.responses import RedirectResponse, Response
    from advisor.interfaces.page import STATIC, calendar_name
    loop = asyncio.get_running_loop

    @app.get("/advice.ics", include_in_schema=False)
    async def page_calendar(request: Request) -> Response:
        lang, answer = await loop().run_in_executor(executor, answer_of, dict(request.query_params),
                                                    request.headers.get("accept-language"))
        if answer.advice is None:
            return (await html(answer, lang)) if answer.errors else RedirectResponse("/", status_code=303)
        data = await loop().run_in_executor(executor, answer.advice.to_ics)
        return Response(data, media_type="text/calendar; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{calendar_name(answer.advice)}"',
                                 "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        if name not in STATIC:
            return Response(status_code=404)
        path, media = STATIC[name]
        return Response(path.read_bytes(), media_type=media,
                        headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"})


# the page loads nothing from elsewhere and runs no inline script or style
# its list of parcels (static/parcels.js) asks this server's POST /v1/advice: connect-src 'self'
PAGE_POLICY = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; "
               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
MAX_FORM_BODY = 256 * 1024
