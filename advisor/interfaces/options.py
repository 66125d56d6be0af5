"""The command line's language and its option types: each type checks what was typed while click
reads the options, and a wrong value is said in our style (`error: --paid: ...`, a `help:`
line, exit 2) before anything is advised."""
from __future__ import annotations

import datetime as dt
import os
import re
import sys
from typing import IO, TYPE_CHECKING, Any, Callable, Generic, TypeVar

import click

from advisor.base.sentences import fill
from advisor.interfaces import fields
from advisor.base import i18n
from advisor.base.dates import real_today
from advisor.base.errors import AdvisorError, label
from advisor.interfaces.fieldtable import Field, table

# The help and the CLI's own messages speak the user's language (`--lang`, else the locale): the
# options are declared when the CLI is imported, so the catalog is chosen then.
LANG = i18n.language(sys.argv, os.environ)
_ = i18n.translations(LANG).gettext

Command = Callable[..., Any]
Option = Callable[[Command], Command]     # a click option or argument, as the decorator of a command

T = TypeVar("T")

if TYPE_CHECKING:                         # click >= 8.2 types a ParamType by what it converts to
    _DayType = click.ParamType[dt.date]

    class _Base(click.ParamType[T]):
        pass
else:
    _DayType = click.ParamType

    class _Base(click.ParamType, Generic[T]):
        pass


class Reported(click.ClickException):
    """One of our errors met while click reads the options, shown as the CLI shows every error."""

    def __init__(self, err: AdvisorError):
        super().__init__(err.message)
        self.err = err
        self.exit_code = err.exit_code  # type: ignore[misc]  # click declares it on the class; ours is the error's own

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"{label('error', LANG)}: {self.err.render(LANG)}", err=True)


def translated(err: AdvisorError) -> AdvisorError:
    """The error with its help line from the CLI's catalog, and its sentence too when it was
    made from a template and values (a refused pasted history: layouts.REFUSALS)."""
    err.help = _(err.help) if err.help else None
    template = getattr(err, "template", None)     # set on a refused history only (layouts.refusal)
    if template:
        err.message = fill(_(template), getattr(err, "values"))
    return err


def as_options(err: AdvisorError, answered: Callable[[str], object]) -> AdvisorError:
    """An error of the facts about an answer given as an option, said in the options' words:
    `--goods-problem`, not `order.problem`; `--received`, not `received: true`."""
    f = fields.field_of_path(err.where)
    if f is None or answered(f.name) is None:
        return err
    err.where = f.option_name
    for other in table().fields:
        err.message = err.message.replace(f"`{other.path}`", f"`{other.option_name}`")
        if err.help and other.kind == "bool":
            on, off = other.flags or (other.option_name, "--no-" + other.option_name[2:])
            err.help = re.sub(rf"`{re.escape(other.path)}: (true|false)`", _flag_of(on, off), err.help)
        if err.help:
            err.help = err.help.replace(f"`{other.path}`", f"`{other.option_name}`")
    return err


def _flag_of(on: str, off: str) -> Callable[[re.Match[str]], str]:
    """`path: true` -> `--on`, `path: false` -> `--off`."""
    return lambda m: f"`{on if m[1] == 'true' else off}`"


class _Read(_Base[T]):
    """A text read by `fields`' reader of its kind into its typed value while click reads the
    options (the page and the questions read their texts with the same readers); a date counted
    from today (`12d`) stays counted until the day advised for is known (`--today`, the facts file)."""

    def read(self, value: str, where: str) -> T:
        raise NotImplementedError

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> T:
        if not isinstance(value, str):      # a default, or a value click converted already
            return value  # type: ignore[no-any-return]
        try:
            return self.read(value, param.opts[0] if param is not None else self.name)
        except AdvisorError as e:
            raise Reported(translated(e)) from None


class DateText(_Read[fields.Day]):
    name = "date"

    def __init__(self, counts: str = "ago"):
        self.counts = counts

    def read(self, value: str, where: str) -> fields.Day:
        return fields.parse_date_answer(value, where, self.counts)


class PlaceText(_Read[fields.Place]):
    name = "place"

    def read(self, value: str, where: str) -> fields.Place:
        place = fields.read_place(value, where)
        assert place is not None
        return place


class MoneyText(_Read[fields.Money]):
    name = "amount"

    def read(self, value: str, where: str) -> fields.Money:
        money = fields.read_money(value, where)
        assert money is not None
        return money


class EventText(_Read[fields.Event]):
    """`DATE=STATUS`; whether the status is a stage id is decided with the rules in use."""

    name = "event"

    def read(self, value: str, where: str) -> fields.Event:
        return fields.parse_event(value, where)


class Day(_DayType):
    """`--today`: a date as buyers write it, counted from the real date; converted to a date."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            where = param.opts[0] if param else "--today"
            return fields.resolve_day(fields.parse_date_answer(value, where), where, real_today())
        except AdvisorError as e:
            raise Reported(translated(e)) from None


DATE, PLACE, MONEY, EVENT, DAY = DateText(), PlaceText(), MoneyText(), EventText(), Day()
_TYPES = {"date": (DATE, "DATE"), "date_left": (DateText("left"), "DATE"), "place": (PLACE, "CC[,CITY]"),
          "amount": (MONEY, "AMOUNT[CUR]"), "number": (click.IntRange(0, fields.MAX_DAYS), "DAYS"),
          "text": (None, "TEXT")}


def field_option(f: Field) -> Option:
    """The click option (or the argument) of one field of the table, its help in the CLI's language;
    a date's help says what `Nd` means for it."""
    help_ = f.text("help", LANG) or ""
    hint = table().kind_text(f.kind, "hint", LANG) if f.kind in ("date", "date_left") else None
    if hint:
        help_ += f" ({hint})"
    if f.option == "CODE":
        return click.argument(f.name, required=False)
    if f.kind == "bool":
        on, off = f.flags or (f.option_name, "--no-" + f.option_name[2:])
        return click.option(f"{on}/{off}", f.name, default=None, help=help_)
    if f.kind == "history":
        return click.option(f.option_name, f"{f.name}_file", metavar="FILE", help=help_)
    if f.kind == "choice" and f.choice_ids():
        return click.option(f.option_name, f.name, type=click.Choice(f.choice_ids()), help=help_)
    type_, metavar = _TYPES.get(f.kind, (None, "NAME"))
    return click.option(f.option_name, f.name, type=type_, metavar=metavar, help=help_)


def field_options() -> list[Option]:
    """Every field of the table as the CLI asks it: `advise CODE --paid 12d ...`. A table its
    editor broke is said as our error (`templates/fields.yaml:LINE:COL`), not a traceback."""
    try:
        fields_ = table().fields
    except AdvisorError as e:
        click.echo(f"error: {e.render()}", err=True)
        sys.exit(e.exit_code)
    return [field_option(f) for f in fields_]
