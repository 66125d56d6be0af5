"""The page's timeline picture: the parcel's route and the advice's dates as marks on one vertical line.

Only geometry is made here (where each mark, label line and window goes); the page template
draws it as inline SVG. Vertical, so that it reads at 360 px as well as on a desktop: a mark's
height follows its label, and marks keep their order and a minimum gap while the gaps between
them grow with the days. The route's marks (the first event of each stage, parcelroute.py) come
before today, the advice's dates after it, so the buyer sees how long each part of the way took
against the days left.
"""
from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from advisor.base.dates import advice_day

WIDTH = 340
AXIS_X = 18
TEXT_X = 36
TOP = 14
LINE = 17               # one line of label text
PX_PER_DAY = 5
WRAP = 36               # characters a label line holds at this width


@dataclass
class Mark:
    y: int
    lines: list[str]
    date: str
    kind: str           # today, deadline, past, event (the parcel's route)
    id: str


@dataclass
class Window:
    y1: int
    y2: int
    label: str
    id: str


@dataclass
class Picture:
    height: int
    width: int = WIDTH
    axis_x: int = AXIS_X
    text_x: int = TEXT_X
    marks: list[Mark] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)


def timeline(advice: dict[str, Any], today_label: str, windows: list[dict[str, Any]], window_labels: dict[str, str],
             date_text: Callable[[dt.date], str], relative_text: Callable[[int], str],
             route: Sequence[tuple[str, dt.date, str]] = ()) -> Picture | None:
    """Today, the route's marks (`route`: (id, day, label)) and every date of the advice;
    `windows` (`from`, `to`: deadline ids or `today`) become bands beside the line.
    `date_text(day)` and `relative_text(days)` say a date and its distance from today in the
    page's language. None when there is nothing but today."""
    today = advice_day(advice["today"])
    items = [("today", today, today_label, 1)]
    items += [(ident, day, text, 0) for ident, day, text in route]
    items += [(d["id"], advice_day(d["date"]), d["text"], 2) for d in advice.get("deadlines") or []]
    if len(items) == 1:
        return None
    items.sort(key=lambda x: (x[1], x[3]))
    marks, y, last_day, min_gap = [], TOP, None, 0
    ys: dict[str, int] = {}
    for ident, day, text, order in items:
        if last_day is not None:
            y = max(y + min_gap, y + min(120, (day - last_day).days * PX_PER_DAY))
        lines = textwrap.wrap(text, WRAP) or [text]
        when = date_text(day) if day == today else f"{date_text(day)} · {relative_text((day - today).days)}"
        kind = "today" if order == 1 else "event" if order == 0 else "past" if day < today else "deadline"
        marks.append(Mark(y=y, lines=lines, date=when, kind=kind, id=ident))
        ys[ident] = y
        min_gap = LINE * (len(lines) + 1) + 10
        last_day = day
    bands = []
    for w in windows:
        start, end = ys.get(w["from"]), ys.get(w["to"])
        if start is not None and end is not None and end > start:
            bands.append(Window(y1=start, y2=end, label=window_labels[w["label"]], id=w["label"]))
    return Picture(height=y + LINE * (len(marks[-1].lines) + 1) + 10, marks=marks, windows=bands)
