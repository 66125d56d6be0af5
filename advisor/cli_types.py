"""The command line's language and its option types: each type checks what was typed while click
reads the options, and a wrong value is said in our style (`error: --paid: ...`, a `help:`
line, exit 2) before anything is advised."""
from __future__ import annotations

import datetime as dt
import os
import sys

import click

from . import fields, i18n
from .dates import real_today
from .errors import AdvisorError, label

# The help and the CLI's own messages speak the user's language (`--lang`, else the locale): the
# options are declared when the CLI is imported, so the catalog is chosen then.
LANG = i18n.language(sys.argv, os.environ)
_ = i18n.translations(LANG).gettext


class Reported(click.ClickException):
    """One of our errors met while click reads the options, shown as the CLI shows every error."""

    def __init__(self, err: AdvisorError):
        super().__init__(err.message)
        self.err = err
        self.exit_code = err.exit_code

    def show(self, file=None) -> None:
        click.echo(f"{label('error', LANG)}: {self.err.render(LANG)}", err=True)


def translated(err: AdvisorError) -> AdvisorError:
    """The error with its help line from the CLI's catalog, and its sentence too when it was
    made from a template and values (a refused pasted history: layouts.REFUSALS)."""
    err.help = _(err.help) if err.help else None
    if getattr(err, "template", None):
        err.message = _(err.template).format(**err.values)
    return err


class _Checked(click.ParamType):
    """A text checked by one of `fields`' readers and kept as typed: dates that count back from
    today are counted once the day advised for is known (`--today` or the facts file)."""

    def check(self, value: str, where: str) -> None:
        raise NotImplementedError

    def convert(self, value, param, ctx):
        try:
            self.check(value, param.opts[0] if param is not None else self.name)
        except AdvisorError as e:
            raise Reported(translated(e)) from None
        return value


class DateText(_Checked):
    name = "date"

    def check(self, value: str, where: str) -> None:
        fields.read_date(value, where, real_today())


class PlaceText(_Checked):
    name = "place"

    def check(self, value: str, where: str) -> None:
        fields.read_place(value, where)


class MoneyText(_Checked):
    name = "amount"

    def check(self, value: str, where: str) -> None:
        fields.read_money(value, where)


class EventText(_Checked):
    """`DATE=STATUS`; whether the status is a stage id is decided with the rules in use."""

    name = "event"

    def check(self, value: str, where: str) -> None:
        fields.read_event(value, where, real_today(), set())


class Day(click.ParamType):
    """`--today`: a date as buyers write it, counted from the real date; converted to a date."""

    name = "date"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(fields.read_date(value, param.opts[0] if param else "--today", real_today()))
        except AdvisorError as e:
            raise Reported(translated(e)) from None


DATE, PLACE, MONEY, EVENT, DAY = DateText(), PlaceText(), MoneyText(), EventText(), Day()
