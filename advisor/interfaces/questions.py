"""Question mode: `advise` alone on a terminal asks the fields of the table (`templates/fields.yaml`)
one at a time (Enter skips), in the user's language, then prints the advice as `advise CODE …` would.

Each answer is checked as it is given, alone and together with the answers before it (a refund
before the dispute, a date after today): a wrong one is said at once and asked again, so nothing
typed is lost or silently changed. A follow-up (the seller's answer to a dispute, what is wrong
with goods that arrived) is asked only after the answer it follows; the rarer fields only after
"more details?" is answered yes.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Callable, Mapping, Protocol, TypeVar

import click

from advisor.base.sentences import fill
from advisor.interfaces import fields
from advisor.interfaces.options import LANG, _
from advisor.base.errors import AdvisorError, FactsError
from advisor.reading.facts import merge
from advisor.interfaces.fieldtable import Field, table

if TYPE_CHECKING:
    from advisor.api import Advisor

T = TypeVar("T")


class Check(Protocol):
    """An answer -> the same answer, or a FactsError saying what is wrong with it (`_Checker`)."""

    def __call__(self, value: T, /) -> T: ...

YES = {"y", "yes", "д", "да"}
NO = {"n", "no", "н", "нет"}


def _ask(question: str, check: Callable[[str], T]) -> T | None:
    """One question; Enter gives None. `check(text)` raises FactsError for a wrong answer."""
    while True:
        text = click.prompt(question, default="", show_default=False,
                            prompt_suffix=" " if question.endswith("?") else ": ").strip()
        if not text:
            return None
        try:
            return check(text)
        except FactsError as e:
            click.echo("  " + e.said(LANG)[0], err=True)


def _yes_no(question: str, check: Check | None = None) -> bool | None:
    def read(text: str) -> bool:
        word = text.lower()
        if word not in YES and word not in NO:
            raise FactsError(_("answer y or n, or press Enter to skip"))
        return check(word in YES) if check else word in YES
    return _ask(question + " " + _("[y/n]"), read)


def _one_of(question: str, choices: dict[str, str], check: Check | None = None) -> str | None:
    """A choice by its number or its id: `1) …  2) …`."""
    keys = list(choices)
    click.echo(question)
    for i, key in enumerate(keys, 1):
        click.echo(f"  {i}) {choices[key]}")

    def read(text: str) -> str:
        if text.isdigit() and 1 <= int(text) <= len(keys):
            text = keys[int(text) - 1]
        if text not in choices:
            raise FactsError(_("type a number from 1 to {n}, or press Enter to skip").format(n=len(keys)))
        return check(text) if check else text
    return _ask(_("Your answer"), read)


def _pasted(question: str, check: Check) -> str | None:
    """A pasted history: lines until an empty one; a history that cannot be read is said and asked again."""
    while True:
        click.echo(f"{question} ({table().asking['after_history'][_lang()]}):")
        lines: list[str] = []
        while True:
            line = click.prompt("", default="", show_default=False, prompt_suffix="")
            if not line.strip():
                break
            lines.append(line)
        if not lines:
            return None
        try:
            return check("\n".join(lines))
        except FactsError as e:
            click.echo("  " + e.said(LANG)[0], err=True)


class _Checker:
    """Each answer read alone (its kind), then with the answers before it as the facts they make."""

    def __init__(self, advisor: Advisor, today: dt.date, lang: str):
        self.advisor, self.today, self.lang = advisor, today, lang
        self.errors = _error_texts(advisor)
        self.answers: dict[str, object] = {}

    def __call__(self, f: Field) -> Check:
        def check(value: T) -> T:
            try:
                fields.read_answer(f, value, f.name, self.today)
                facts = fields.to_facts(fields.Answers.of({**self.answers, f.name: value}), self.today,
                                        set(self.advisor.vocab["stages"]), lambda name: name)
                doc = merge({}, facts)
                if f.kind == "history":
                    doc["events"] = fields.read_pasted(str(value).encode("utf-8"), f.name)[0]
                self.advisor.facts(doc, today=self.today)
            except AdvisorError as e:
                raise FactsError(self._said(f, e, value)) from None
            return value
        return check

    def _said(self, f: Field, e: AdvisorError, value: object) -> str:
        """The problem with an answer, in the user's language: the kind's own words for an
        answer that cannot be read, the page's words for answers that cannot be true together."""
        kind = "date_left" if f.kind == "date_left" else f.kind
        said = table().kind_text(kind, "error", self.lang) if e.key in ("bad_date", "bad_amount", "bad_number",
                                                                         "bad_country") else None
        said = said or (self.errors.get(e.key or "") or {}).get(self.lang)
        shown = str(getattr(e, "lines", "")) if f.kind == "history" else str(value)   # the lines a refused paste names
        return fill(said, text=shown, value=shown) if said else e.render(LANG)


def ask(advisor: Advisor, today: dt.date) -> fields.Answers:
    """The answers, as the command line's options would give them."""
    lang, t = _lang(), table()
    check = _Checker(advisor, today, lang)
    click.echo(_("A few questions about your parcel. Press Enter to skip one you do not know."))
    more: bool | None = None
    for f in t.fields:
        if not _follows(f, check.answers):
            continue
        if f.more and more is None:
            more = _yes_no(t.asking["more"][lang]) or False
        if f.more and not more:
            continue
        value = _question(f, advisor, lang, check(f))
        if value is not None:
            check.answers[f.name] = value
    click.echo("")
    return fields.Answers({**fields.Answers.of(check.answers).values, "history": check.answers.get("history")})


def _follows(f: Field, answers: Mapping[str, object]) -> bool:
    """A follow-up is asked only when the answers it follows were given as it says."""
    return all(name in answers if want == "given" else answers.get(name) == want for name, want in f.ask_if.items())


def _question(f: Field, advisor: Advisor, lang: str, check: Check) -> object:
    question = f.text("question", lang) or ""      # every row has its question (fieldtable.TEXTS)
    hint = table().kind_text(f.kind, "hint", lang)
    if f.kind == "bool":
        return _yes_no(question, check)
    if f.kind == "choice":
        choices = ({c: words[lang] for c, words in f.choices.items()} if isinstance(f.choices, dict)
                   else {p: (prof.get("name") or {}).get(lang, p) for p, prof in advisor.profiles.items()})
        return _one_of(question, choices, check)
    if f.kind == "history":
        return _pasted(question, check)
    return _ask(f"{question} ({hint})" if hint else question, check)


def _error_texts(advisor: Advisor) -> dict[str, dict[str, str]]:
    """The page's error texts by key (`templates/page/texts.yaml`): one wording of "this date is
    after today" for the page and the questions."""
    from pathlib import Path
    from advisor.base.yamlfile import load
    texts: dict[str, dict[str, str]] = load(Path(advisor.templates_dir) / "page" / "texts.yaml",
                                            "templates/page/texts.yaml").get("errors") or {}
    return texts


def _lang() -> str:
    from advisor.interfaces.options import LANG
    return LANG
