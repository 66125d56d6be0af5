"""Question mode: `advise` alone on a terminal asks the few questions that matter, one at a
time (Enter skips), in the user's language, then prints the advice as `advise CODE …` would.

A wrong answer is said at once and asked again, so nothing typed is lost or silently changed.
The answers become the same options the command line takes (`fields.py` reads them).
"""
from __future__ import annotations

import datetime as dt

import click

from . import fields
from .cli import _
from .cli_types import LANG
from .errors import FactsError

YES = {"y", "yes", "д", "да"}
NO = {"n", "no", "н", "нет"}


def _ask(question: str, check=None):
    """One question; Enter gives None. `check(text)` raises FactsError for a wrong answer."""
    while True:
        text = click.prompt(question, default="", show_default=False, prompt_suffix=": ").strip()
        if not text:
            return None
        try:
            return check(text) if check else text
        except FactsError as e:
            click.echo("  " + _problem(e, text), err=True)


def _problem(e: FactsError, text: str) -> str:
    """The problem with an answer, in the user's language."""
    said = {"bad_date": _("`{text}` is not a date: write it as 20.11.2026, or 12d for 12 days ago"),
            "bad_amount": _("`{text}` is not an amount: write it as 3.00USD")}.get(e.key or "")
    return said.format(text=text) if said else e.said(LANG)[0]


def _yes_no(question: str) -> bool | None:
    def check(text: str) -> bool:
        word = text.lower()
        if word in YES or word in NO:
            return word in YES
        raise FactsError(_("answer y or n, or press Enter to skip"))
    return _ask(question + " " + _("[y/n]"), check)


def _one_of(question: str, choices: dict[str, str]) -> str | None:
    """A choice by its number or its id: `1) …  2) …`."""
    keys = list(choices)
    click.echo(question)
    for i, key in enumerate(keys, 1):
        click.echo(f"  {i}) {choices[key]}")

    def check(text: str) -> str:
        if text.isdigit() and 1 <= int(text) <= len(keys):
            return keys[int(text) - 1]
        if text in choices:
            return text
        raise FactsError(_("type a number from 1 to {n}, or press Enter to skip").format(n=len(keys)))
    return _ask(_("Your answer"), check)


def ask(advisor, today: dt.date) -> fields.Answers:
    """The answers, as the command line's options would give them."""
    def date(text: str) -> str:
        return fields.read_date(text, "date", today) or text

    click.echo(_("A few questions about your parcel. Press Enter to skip one you do not know."))
    kw: dict = {"code": _ask(_("Track code (as the seller gave it)"))}
    platforms = {p: (profile.get("name") or {}).get(_lang(), p) for p, profile in advisor.profiles.items()}
    kw["platform"] = _one_of(_("Where did you buy it?"), platforms)
    hint = _("a date as 20.11.2026, or 12d for 12 days ago")
    kw["paid"] = _ask(_("When did you pay? ({hint})").format(hint=hint), date)
    kw["issued"] = _ask(_("When did the seller give the track code? ({hint})").format(hint=hint), date)
    kw["protection_ends"] = _ask(_("When does buyer protection end? (a date as 20.12.2026)"), date)
    kw["seller_messaged"] = _ask(_("When did you write to the seller about it? ({hint})").format(hint=hint), date)
    if kw["seller_messaged"]:
        kw["seller_replied"] = _yes_no(_("Did the seller answer?"))
    kw["dispute_opened"] = _ask(_("When did you open a dispute? ({hint})").format(hint=hint), date)
    if kw["dispute_opened"]:
        answers = {"none": _("no answer yet"), "rejected": _("rejected the dispute"),
                   "partial_refund": _("offers part of the money back"),
                   "resend_promise": _("promises to send the item again"),
                   "accepted": _("agreed to a full refund")}
        kw["seller_response"] = _one_of(_("What did the seller answer to the dispute?"), answers)
        if kw["seller_response"] == "partial_refund":
            kw["offered_refund"] = _ask(_("How much does the seller offer? (e.g. 3.00USD)"),
                                        lambda t: fields.read_money(t, "amount") and t)
            if kw["offered_refund"]:      # an offer is judged against the price, never guessed (P1-P4)
                kw["price"] = _ask(_("How much did you pay for the order? (e.g. 12.50USD)"),
                                   lambda t: fields.read_money(t, "amount") and t)
    kw["received"] = _yes_no(_("Do you have the parcel in hand?"))
    click.echo("")
    return fields.Answers.of(kw)


def _lang() -> str:
    from .cli import LANG
    return LANG
