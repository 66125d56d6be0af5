"""Dates as buyers write them (the rules' `due` date language is rulelang.py's)."""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_AGO = re.compile(r"^(\d{1,5})\s?[dд]$", re.I)      # 12d, or 12д as a Russian speaker types it


def real_today() -> dt.date:
    """The real date, the machine's local day: the one place the advice reads the clock (every
    interface takes `today` from its input first)."""
    return dt.date.today()


class DateFormatError(ValueError):
    pass


def parse_date(text, *, today: dt.date | None = None, relative: bool = False) -> dt.date:
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
