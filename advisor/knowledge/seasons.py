"""Seasons that stretch wait windows (`rules/seasons.yaml`): a window around a day of the year or
around the Chinese New Year, which the lunisolar calendar itself gives."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from advisor.base.memo import Memo


class Seasons:
    """The windows of `seasons.yaml`. Which one applies depends only on two dates and one flag,
    which parcels share, so answers are remembered (bounded)."""

    def __init__(self, items: list[dict[str, Any]]):
        self.items = list(items)
        self._memo: Memo[dict[str, Any] | None] = Memo(4096)

    def find(self, today: dt.date, ordered: dt.date | None, exported: bool) -> dict[str, Any] | None:
        return self._memo.get((today, ordered, exported), lambda: _season(today, ordered, self.items, exported))


def _season(today: dt.date, ordered: dt.date | None, seasons: list[dict[str, Any]], exported: bool) -> dict[str, Any] | None:
    best = None
    for s in seasons:
        if s.get("only_before_export") and exported:
            continue
        day = ordered if s.get("applies_to") == "paid" else today
        if day is None:
            continue
        for anchor in _anchors(s, day):
            start = anchor + dt.timedelta(days=int(s.get("from_days", 0)))
            end = anchor + dt.timedelta(days=int(s.get("to_days", 0)))
            if start <= day <= end and (best is None or s["extra_days"] > best["extra_days"]):
                best = s
    return best


# The lunisolar new year always falls between these two days of the Gregorian year.
CNY_EARLIEST, CNY_LATEST = (1, 21), (2, 20)


def _anchors(season: dict[str, Any], today: dt.date) -> list[dt.date]:
    years = [y for y in (today.year - 1, today.year, today.year + 1) if 1 <= y <= 9999]
    if season.get("anchor") == "chinese_new_year":
        # Ask the calendar only for years whose festival window could contain `today`
        # (the results are cached, but most days are far from any festival).
        lo, hi = dt.timedelta(days=int(season.get("from_days", 0))), dt.timedelta(days=int(season.get("to_days", 0)))
        near = [y for y in years if 1950 <= y <= 2099
                and dt.date(y, *CNY_EARLIEST) + lo <= today <= dt.date(y, *CNY_LATEST) + hi]
        return [d for d in (chinese_new_year(y) for y in near) if d]
    if season.get("month_day"):
        m, d = (int(x) for x in str(season["month_day"]).split("-"))
        return [dt.date(y, m, d) for y in years]
    return []


@lru_cache(maxsize=512)
def chinese_new_year(year: int) -> dt.date | None:
    """The Spring Festival: the first day of the first month of the Chinese lunisolar calendar.

    Computed from the calendar itself (`lunardate`), not looked up by holiday name: the names a
    holiday calendar gives follow the process locale and its releases (one named the eve as the
    festival), and the season silently moved or vanished with them."""
    if not 1950 <= year <= 2099:
        return None
    from lunardate import LunarDate
    return LunarDate(year, 1, 1).to_solar_date()
