"""The order events are read in: oldest first, whatever order the source gave them in.

A list whose dated lines mostly go back in time is newest first (17TRACK, Cainiao, Ship24 and most
trackers' pages print so), and its events of one day are reversed with it; within a day, events
that carry a time go by it. The tracker's own current status is read after the events, and kept
only when it says more than they do. The day of an event is always the one printed at its place.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any, Sequence, TYPE_CHECKING

if TYPE_CHECKING:
    from advisor.engine.derive import Seen
    from advisor.reading.facts import Event, Facts


def in_order(events: Sequence[Event]) -> list[Event]:
    """The events oldest first. A list whose dated lines mostly go back in time is newest first
    (most trackers print so): its events of one day are taken in the reverse of their order.
    Within a day, events that all carry a time go by it (by the instant, when all carry their
    place's offset); the day itself is always the one printed at the event's place."""
    dates = [e.date for e in events]
    if all(a <= b for a, b in zip(dates, dates[1:])) and not any(e.time for e in events) \
            and all(e.index == i for i, e in enumerate(events)):
        return list(events)     # oldest first already, no times: the order given (what the rest would make)
    newest_first = sum(a > b for a, b in zip(dates, dates[1:])) > sum(a < b for a, b in zip(dates, dates[1:]))
    days: dict[dt.date, list[Event]] = {}
    for e in events:
        days.setdefault(e.date, []).append(e)
    out: list[Event] = []
    for day in sorted(days):
        group = sorted(days[day], key=lambda e: -e.index if newest_first else e.index)
        if all(e.time for e in group):
            zoned = all(e.offset for e in group)
            group.sort(key=lambda e: _seconds(e.time or "") - (_offset_seconds(e.offset or "") if zoned else 0))
        out.extend(group)
    return out


def shuffled(events: Sequence[Event]) -> bool:
    """Whether the dated lines were in no date order: neither oldest first nor newest first (a list
    newest first is how most trackers print, not a disorder worth a note)."""
    dates = [e.date for e in events]
    pairs = list(zip(dates, dates[1:]))
    return any(a > b for a, b in pairs) and any(a < b for a, b in pairs)


def _seconds(time: str) -> float:
    h, m, *rest = time.split(":")
    return int(h) * 3600 + int(m) * 60 + (float(rest[0]) if rest else 0)


def _offset_seconds(offset: str) -> int:
    if offset in ("Z", "z"):
        return 0
    sign, digits = (-1 if offset[0] == "-" else 1), offset[1:].replace(":", "")
    return sign * (int(digits[:2]) * 3600 + int(digits[2:4]) * 60)


def tracker_event(facts: Facts) -> list[Event]:
    """The tracker's current status, read after the events, dated by its own date, else the last
    event's, else today."""
    t = facts.tracker_status
    if t is None:
        return []
    if t.date is None:
        t = replace(t, date=max((e.date for e in facts.events), default=facts.today))
    return [t]


def keep_tracker_status(out: list[Seen], notes: list[dict[str, Any]], rank: dict[str, int]) -> None:
    """The tracker's current status (read last, index -1) stays when it is further along the route
    than the events, or says a problem; otherwise the events say more and it goes, with its notes."""
    if not out or out[-1].index != -1:
        return
    current, staged = out[-1], [e.stage for e in out[:-1] if e.postal and e.stage]
    if current.problem or (current.stage and (not staged or rank[current.stage] > rank[staged[-1]])):
        return
    out.pop()
    notes[:] = [n for n in notes if n.get("event") != -1]
