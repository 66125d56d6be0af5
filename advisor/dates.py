"""Dates as buyers write them (the rules' `due` date language is rulelang.py's)."""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from .errors import FactsError
from .location import Location

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_AGO = re.compile(r"^(\d{1,5})\s?[dд]$", re.I)      # 12d, or 12д as a Russian speaker types it


def real_today() -> dt.date:
    """The real date, the machine's local day: the one place the advice reads the clock (every
    interface takes `today` from its input first)."""
    return dt.date.today()


class DateFormatError(ValueError):
    pass


def parse_date(text: object, *, today: dt.date | None = None, relative: bool = False) -> dt.date:
    """ISO `YYYY-MM-DD`; with `relative` (the CLI) also `DD.MM.YYYY` and `Nd` (N days ago)."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    if not isinstance(text, str):
        raise DateFormatError("expected a date as text")
    if not relative:
        return _iso_date(text)
    s = text.strip()
    m = _ISO.match(s)
    if m:
        return _make(int(m[1]), int(m[2]), int(m[3]))
    if relative:
        m = _DMY.match(s)
        if m:
            return _make(int(m[3]), int(m[2]), int(m[1]))
        m = _AGO.match(s)
        if m:
            if today is None:
                raise DateFormatError("a relative date needs today's date")
            try:
                return today - dt.timedelta(days=int(m[1]))
            except OverflowError:
                raise DateFormatError("the date falls before year 1") from None
        raise DateFormatError("expected YYYY-MM-DD, DD.MM.YYYY or Nd (N days ago)")
    raise DateFormatError("expected YYYY-MM-DD")


@lru_cache(maxsize=8192)
def _iso_date(text: str) -> dt.date:
    """`YYYY-MM-DD` (cached: a batch repeats the same few hundred days; errors are not cached)."""
    m = _ISO.match(text.strip())
    if not m:
        raise DateFormatError("expected YYYY-MM-DD")
    return _make(int(m[1]), int(m[2]), int(m[3]))


def _make(y: int, m: int, d: int) -> dt.date:
    try:
        return dt.date(y, m, d)
    except ValueError as e:
        raise DateFormatError(f"not a real date ({e})") from None


# Dates outside these years are typing mistakes (`0202-11-01`), and date arithmetic near year 1 or
# 9999 overflows: refused by name rather than advised on.
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2199, 12, 31)


def read_date(value: object, where: "str | Location") -> dt.date | None:
    """A date of the facts contract (`YYYY-MM-DD`, or a date YAML already read), between
    EARLIEST and LATEST, or a `FactsError` naming `where`: every interface reads facts' dates and
    the day advised for with this one function."""
    if value is None:
        return None
    try:
        d = parse_date(value)
    except DateFormatError as e:
        raise FactsError(f"`{value}` is not a valid date: {e}", where=where, help=_iso_help(value)) from None
    if not EARLIEST <= d <= LATEST:
        raise FactsError(f"`{value}` is outside the years {EARLIEST.year}-{LATEST.year}", where=where,
                         help="check the year", key="out_of_range")
    return d


def _iso_help(value: object) -> str | None:
    """A day written `DD.MM.YYYY` (as on the CLI) gets its contract spelling as help; it is not
    taken silently, since `05.06.2026` read the other way is another day."""
    try:
        d = parse_date(value, relative=True)
    except DateFormatError:
        return None
    return f"facts write dates as YYYY-MM-DD: `{d.isoformat()}`"


def read_day(value: object, where: "str | Location" = "today") -> dt.date | None:
    """The day advised for, as the facts, an HTTP query, a batch or a case give it (None when
    not given: the interface then takes `real_today()`)."""
    return read_date(value, where)
