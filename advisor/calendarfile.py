"""The advice's dates as an iCalendar file (RFC 5545, written by the `icalendar` library).

One all-day event per dated step of the plan and per date of the advice (`deadlines`), in the
advice's language (texts: `templates/calendar.yaml`). Deadlines get two alarms, the day before
and on the day, at 09:00; steps one, on the day. Each event's UID is made of the parcel (its
track code, else its payment or code date) and the step, and SEQUENCE grows with the advice's
date, so importing a newer file for the same parcel updates its events instead of adding copies.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Callable

from .errors import RulesError

PRODID = "-//parcel-advisor//advice//EN"
SEQUENCE_EPOCH = dt.date(2020, 1, 1)
ALARM_HOUR = 9


class CalendarTexts:
    """What the calendar says, in each language: the texts of `templates/calendar.yaml`, the
    steps' names and timings (rules/vocabulary.yaml) and the platforms' names."""

    KEYS = ("name", "step_title", "step_when", "deadline_title", "footer", "alarm_before", "alarm_on")

    def __init__(self, texts: dict[str, Any], vocab: dict[str, Any], profiles: dict[str, Any], inline: Callable[..., str]):
        missing = [k for k in self.KEYS if k not in (texts or {})]
        if missing:
            raise RulesError(f"the calendar texts lack `{missing[0]}`", where="templates/calendar.yaml:1:1")
        self.texts = texts
        self.labels = vocab["actions"]
        self.timing = {action: kind for kind, ids in (vocab.get("timing") or {}).items() for action in ids}
        self.platform_names = {name: p.get("name") or {} for name, p in profiles.items()}
        self._inline = inline

    def say(self, key: str, lang: str, values: dict[str, Any], sub: str | None = None) -> str:
        text = self.texts[key][sub] if sub else self.texts[key]
        where = f"templates/calendar.yaml ({key}{'.' + sub if sub else ''})"
        return self._inline(text[lang], lang, where, values)


def parcel_key(advice: dict[str, Any]) -> str:
    """What names this parcel across advices: its code, else the day it was paid or its code was
    given (from today and the day counts), else the advice's date (no better name is known)."""
    track = advice.get("track") or {}
    if track.get("code"):
        return "code:" + str(track["code"])
    today = dt.date.fromisoformat(advice["today"])
    for name in ("since_paid", "since_track_issued"):
        n = (advice.get("days") or {}).get(name)
        if n is not None:
            return f"{name}:{(today - dt.timedelta(days=n)).isoformat()}"
    return "today:" + str(advice["today"])


def to_ics(advice: dict[str, Any], texts: CalendarTexts) -> bytes:
    """The advice's dated steps and dates as an .ics file."""
    lang = advice["lang"]
    cal = new_calendar(texts.say("name", lang, _base(advice, texts)))
    for spec in events(advice, texts):
        add_event(cal, spec, texts, lang)
    ical: bytes = cal.to_ical()
    return ical


def new_calendar(name: str) -> Any:
    from icalendar import Calendar
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    return cal


def _base(advice: dict[str, Any], texts: CalendarTexts) -> dict[str, Any]:
    code = (advice.get("track") or {}).get("code") or ""
    platform = texts.platform_names.get(advice["platform"], {}).get(advice["lang"]) or advice["platform"]
    return {"code": code, "platform": platform, "today": dt.date.fromisoformat(advice["today"])}


def parcel_uid(advice: dict[str, Any]) -> str:
    """The part of every event's UID that names the parcel."""
    return hashlib.sha256(f"{advice['platform']}|{parcel_key(advice)}".encode()).hexdigest()[:20]


def events(advice: dict[str, Any], texts: CalendarTexts) -> list[dict[str, Any]]:
    """The events of one advice, each {uid, day, title, description, alarms, sequence, stamp}."""
    lang = advice["lang"]
    base = _base(advice, texts)
    today = base["today"]
    parcel = parcel_uid(advice)
    footer = texts.say("footer", lang, base)
    out: list[dict[str, Any]] = []

    def event(uid: str, day: dt.date, title: str, description: str, alarms: tuple[int, ...]) -> None:
        out.append({"uid": f"{parcel}-{uid}@parcel-advisor", "day": day, "title": title,
                    "description": f"{description}\n\n{footer}", "alarms": alarms,
                    "sequence": max(0, (today - SEQUENCE_EPOCH).days),
                    "stamp": dt.datetime.combine(today, dt.time(0, 0), tzinfo=dt.timezone.utc)})

    seen: dict[str, int] = {}
    for step in advice.get("actions") or []:
        if not step.get("due"):
            continue
        day = dt.date.fromisoformat(step["due"])
        action = step["action"]
        seen[action] = seen.get(action, 0) + 1
        uid = f"step-{action}" + (f"-{seen[action]}" if seen[action] > 1 else "")
        values = dict(base, label=texts.labels[action][lang], date=day, text=step.get("text") or "")
        when = texts.say("step_when", lang, values, sub=texts.timing.get(action, "by"))
        event(uid, day, texts.say("step_title", lang, values), f"{when}\n{values['text']}".strip(), (0,))
    for d in advice.get("deadlines") or []:
        day = dt.date.fromisoformat(d["date"])
        values = dict(base, text=d["text"], date=day)
        alarms = (1, 0) if day > today else (0,)
        title = texts.say("deadline_title", lang, values)
        event(f"date-{d['id']}", day, title, title, alarms)
    return out


def add_event(cal: Any, spec: dict[str, Any], texts: CalendarTexts, lang: str, status: str | None = None) -> None:
    """One event of `events()` into the calendar; `status` (CONFIRMED, CANCELLED) when the file
    says which events are gone (`advise watch --ics`); a cancelled event has no alarms."""
    from icalendar import Alarm, Event
    e = Event()
    e.add("uid", spec["uid"])
    e.add("dtstamp", spec["stamp"])
    e.add("sequence", spec["sequence"])
    e.add("dtstart", spec["day"])
    e.add("dtend", spec["day"] + dt.timedelta(days=1))
    if spec.get("title"):
        e.add("summary", spec["title"])
    if spec.get("description"):
        e.add("description", spec["description"])
    e.add("transp", "TRANSPARENT")
    if status:
        e.add("status", status)
    for days_before in spec["alarms"] if status != "CANCELLED" else ():
        a = Alarm()
        a.add("action", "DISPLAY")
        a.add("trigger", dt.timedelta(hours=ALARM_HOUR - 24 * days_before))
        a.add("description", texts.say("alarm_before" if days_before else "alarm_on", lang, {"title": spec["title"]}))
        e.add_component(a)
    cal.add_component(e)
