"""`rules check` for the page and the calendar: their texts in every language, and the page and a
calendar rendered for a sample parcel in each (a misspelt name in a page template is reported at
its template's line). Given to the checker by the CLI, since the page is an interface."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from advisor.workbench.checker import SAMPLE, _every_language
from advisor.base.errors import AdvisorError, RulesError
from advisor.base.i18n import LANGS
from advisor.text.render import LANG_NAMES

if TYPE_CHECKING:
    from advisor.api import Advisor


def check_page_and_calendar(advisor: Advisor, templates_dir: Path, add: Callable[[AdvisorError], None]) -> None:
    """The page's and the calendar's texts exist in every language, and the page and a calendar
    render for a sample parcel in each (a misspelt name in the page template fails here)."""
    from jinja2 import TemplateError
    from advisor.interfaces.page import Page
    from advisor.base.yamlfile import load
    for rel in ("page/texts.yaml", "calendar.yaml"):
        path = templates_dir / rel
        if not path.is_file():
            add(RulesError("the file is missing", where=f"templates/{rel}", help="copy it from the shipped templates"))
            return
        try:
            _every_language(load(path, f"templates/{rel}"), f"templates/{rel}", add)
        except AdvisorError as e:
            add(e)
            return
    try:
        page = Page(advisor)
    except (AdvisorError, TemplateError) as e:
        add(e if isinstance(e, AdvisorError) else RulesError(f"the page template cannot be read: {e}",
                                                             where="templates/page/page.html.j2"))
        return
    answers = {"code": SAMPLE["track"], "issued_ago": "20", "protection_ends_left": "10", "dest": "RU",
               "history": "15.12.2025 10:00 Приём", "today": "2026-01-01"}
    for lang in LANGS:
        try:
            answer = page.advise(answers, lang, dt.date(2026, 1, 1))
            page.html(answer, lang)
            if answer.advice is not None:
                answer.advice.to_ics()
            page.html(page.advise({"paid": "not a date"}, lang, dt.date(2026, 1, 1)), lang)
        except TemplateError as e:
            name = _template_of(e, ("form.html.j2", "parcels.html.j2", "page.html.j2"))
            line = getattr(e, "lineno", None) or _template_line(e, name)
            add(RulesError(f"the page cannot be shown in {LANG_NAMES[lang]}: {e}", where=f"templates/page/{name}:{line}:1"))
        except AdvisorError as e:
            add(e)


def _template_of(error: Exception, names: tuple[str, ...]) -> str:
    """Which of the page's templates (the page or a partial it includes) a render error is in:
    the innermost one among the traceback's frames."""
    tb, found = error.__traceback__, names[-1]
    while tb is not None:
        found = next((n for n in names if tb.tb_frame.f_code.co_filename.endswith(n)), found)
        tb = tb.tb_next
    return found


def _template_line(error: Exception, name: str) -> int:
    """The line of a template a render error happened on (Jinja puts the template's lines in the
    traceback's frames)."""
    tb, line = error.__traceback__, 1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(name):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
