"""Dates as buyers write them, and as the advice's JSON writes them: the one reader of a date
(the rules' `due` date language is rulelang.py's). In `base/` because every phase reads dates:
the facts, the interfaces, the page, the calendar."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

from advisor.base.errors import FactsError
from advisor.base.location import Location

from advisor.base.errors import Phrase

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_AGO = re.compile(r"^(\d{1,5})\s?[dд]$", re.I)      # 12d, or 12д as a Russian speaker types it


def real_today() -> dt.date:
    """The real date, the machine's local day: the one place the advice reads the clock (every
    interface takes `today` from its input first)."""
    return dt.date.today()


class DateFormatError(ValueError):
    """A date that cannot be read; its one argument is the reason, a `Phrase` of the errors' catalog."""

    @property
    def phrase(self) -> Phrase:
        reason: Phrase = self.args[0]
        return reason


@dataclass(frozen=True)
class Counted:
    """`12d` as a person types it: a day counted from the day advised for, which is known only once
    every input is read (`--today` after the option, the facts file's `today`); `ahead` for what a
    platform shows as "N days left" (buyer protection)."""
    days: int
    ahead: bool = False
    written: str = field(default="", compare=False)     # as typed, for an error that names it

    def on(self, today: dt.date) -> dt.date:
        """The day it stands for; a `DateFormatError` when that is outside the calendar."""
        try:
            return today + dt.timedelta(days=self.days if self.ahead else -self.days)
        except OverflowError:
            raise DateFormatError(Phrase("date_too_far_ahead") if self.ahead else Phrase("date_before_year_1")) from None


def parse_written(text: str, *, ahead: bool = False) -> dt.date | Counted:
    """A date as a person writes it (the CLI, the questions, the page): `YYYY-MM-DD`, `DD.MM.YYYY`
    or `Nd`, the last kept as `Counted` until the day advised for is known."""
    s = text.strip()
    m = _ISO.match(s)
    if m:
        return _make(int(m[1]), int(m[2]), int(m[3]))
    m = _DMY.match(s)
    if m:
        return _make(int(m[3]), int(m[2]), int(m[1]))
    m = _AGO.match(s)
    if m:
        return Counted(int(m[1]), ahead, text)
    raise DateFormatError(Phrase("date_shape_left") if ahead else Phrase("date_shape_relative"))


def parse_date(text: object, *, today: dt.date | None = None, relative: bool = False) -> dt.date:
    """ISO `YYYY-MM-DD`; with `relative` (the CLI) also `DD.MM.YYYY` and `Nd` (N days ago)."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    if not isinstance(text, str):
        raise DateFormatError(Phrase("date_text"))
    if not relative:
        return _iso_date(text)
    day = parse_written(text)
    if isinstance(day, Counted):
        if today is None:
            raise DateFormatError(Phrase("date_needs_today"))
        return day.on(today)
    return day


@lru_cache(maxsize=8192)
def _iso_date(text: str) -> dt.date:
    """`YYYY-MM-DD` (cached: a batch repeats the same few hundred days; errors are not cached)."""
    m = _ISO.match(text.strip())
    if not m:
        raise DateFormatError(Phrase("date_shape"))
    return _make(int(m[1]), int(m[2]), int(m[3]))


def _make(y: int, m: int, d: int) -> dt.date:
    try:
        return dt.date(y, m, d)
    except ValueError as e:
        raise DateFormatError(Phrase("date_not_real", detail=str(e))) from None


# Dates outside these years are typing mistakes (`0202-11-01`), and date arithmetic near year 1 or
# 9999 overflows: refused by name rather than advised on.
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2199, 12, 31)


def read_date(value: object, where: "str | Location") -> dt.date | None:
    """A date of the facts contract (`YYYY-MM-DD`, or a date YAML already read), between
    EARLIEST and LATEST, or a `FactsError` naming `where`: every interface reads facts' dates and
    the day advised for with this one function."""
    if value is None:
        return None
    if type(value) is str:
        known = _READ.get(value)      # a batch repeats the same few hundred days, ten dates a parcel
        if known is not None:
            return known
    try:
        d = parse_date(value)
    except DateFormatError as e:
        raise FactsError.of("bad_date_value", where=where, help=_iso_help(value), value=value,
                            reason=e.phrase) from None
    if not EARLIEST <= d <= LATEST:
        raise FactsError.of("out_of_range", where=where, value=value, first=EARLIEST.year, last=LATEST.year)
    if type(value) is str:
        if len(_READ) >= 8192:
            _READ.clear()
        _READ[value] = d
    return d


_READ: dict[str, dt.date] = {}     # dates read right (errors are never kept), bounded


def _iso_help(value: object) -> Phrase | None:
    """A day written `DD.MM.YYYY` (as on the CLI) gets its contract spelling as help; it is not
    taken silently, since `05.06.2026` read the other way is another day."""
    try:
        d = parse_date(value, relative=True)
    except DateFormatError:
        return None
    return Phrase("iso_spelling", value=d.isoformat())


def read_day(value: object, where: "str | Location" = "today") -> dt.date | None:
    """The day advised for, as the facts, an HTTP query, a batch or a case give it (None when
    not given: the interface then takes `real_today()`)."""
    return read_date(value, where)


def advice_day(text: str | dt.date) -> dt.date:
    """A date of the advice's JSON (`parcel-advice/1`, as `Advice.to_dict` or a kept advice writes
    it) back as a date, for the views that are given the JSON: the page, the calendar, the list."""
    return text if isinstance(text, dt.date) else _iso_date(text)
