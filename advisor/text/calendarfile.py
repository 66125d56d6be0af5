"""The advice's dates as an iCalendar file (RFC 5545, written by ics.py).

One all-day event per date of the advice (`deadlines`) and per dated step of the plan that is not
already one of those dates (a step due on its date is told inside the date's event), in the
advice's language (texts: `templates/calendar.yaml`). Reminders only where they help: nothing on
the advice's own day (the buyer is reading it), one at 09:00 on a later step's or date's day, and
one the day before too for the dates something must be done by. Each event's UID is made of the parcel (its
track code, else its payment or code date) and the step, and SEQUENCE grows with the advice's
date, so importing a newer file for the same parcel updates its events instead of adding copies.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Callable, Mapping

from advisor.base.dates import advice_day
from advisor.base.errors import RulesError
from advisor.base.i18n import DEFAULT

Doc = dict[str, Any]      # the advice's JSON (parcel-advice/1), a YAML file's mapping

PRODID = "-//parcel-advisor//advice//EN"
SEQUENCE_EPOCH = dt.date(2020, 1, 1)
ALARM_HOUR = 9


class CalendarTexts:
    """What the calendar says, in each language: the texts of `templates/calendar.yaml`, the
    steps' names and timings (rules/vocabulary.yaml) and the platforms' names."""

    KEYS = ("name", "step_title", "step_when", "deadline_title", "deadline_when", "footer", "alarm_before",
            "alarm_on", "message_head")

    def __init__(self, texts: Doc, vocab: Doc, profiles: Doc, inline: Callable[..., str]) -> None:
        missing = [k for k in self.KEYS if k not in (texts or {})]
        if missing:
            raise RulesError(f"the calendar texts lack `{missing[0]}`", where="templates/calendar.yaml:1:1")
        self.texts = texts
        self.labels = vocab["actions"]
        self.timing = {action: kind for kind, ids in (vocab.get("timing") or {}).items() for action in ids}
        self.platform_names = {name: p.get("name") or {} for name, p in profiles.items()}
        self._inline = inline
        self.titles: dict[str, dict[str, str]] = texts.get("deadline_titles") or {}
        self.same_as = {k: tuple(v) for k, v in (texts.get("same_as") or {}).items()}
        self.remind_before = set(texts.get("remind_day_before") or ())
        self.not_in_calendar: list[dict[str, str]] = texts.get("not_in_calendar") or []
        self._check_ids(texts, set(vocab.get("deadlines") or ()), set(self.labels))

    def _check_ids(self, texts: Doc, deadlines: set[str], actions: set[str]) -> None:
        """The dates and steps the calendar's own lists name are the vocabulary's: a misspelt one
        would silently give two events again, or no reminder the day before."""
        named = [(d, "deadline_titles", deadlines) for d in self.titles] + \
                [(d, "same_as", deadlines) for d in self.same_as] + \
                [(a, "same_as", actions) for ids in self.same_as.values() for a in ids] + \
                [(d, "remind_day_before", deadlines) for d in self.remind_before]
        for ident, key, known in named:
            if ident not in known:
                where_of = getattr(texts.get(key), "where", None)      # a list or mapping read with its place
                where = where_of() if where_of else f"templates/calendar.yaml ({key})"
                raise RulesError(f"`{key}` names `{ident}`, which is not in rules/vocabulary.yaml", where=where,
                                 help="use an id of `deadlines` (dates) or `actions` (steps) there")

    def title_of(self, deadline: str, lang: str) -> str:
        """A date's title written for a calendar (`deadline_titles`), or "" for its sentence and day."""
        return (self.titles.get(deadline) or {}).get(lang, "")

    def say(self, key: str, lang: str, values: Mapping[str, object], sub: str | None = None) -> str:
        text = self.texts[key][sub] if sub else self.texts[key]
        where = f"templates/calendar.yaml ({key}{'.' + sub if sub else ''})"
        return self._inline(text[lang], lang, where, values)


def parcel_key(advice: Doc) -> str:
    """What names this parcel across advices: its code, else the day it was paid or its code was
    given (from today and the day counts), else the advice's date (no better name is known)."""
    track = advice.get("track") or {}
    if track.get("code"):
        return f"code:{track['code']}"
    today = advice_day(advice["today"])
    for name in ("since_paid", "since_track_issued"):
        n = (advice.get("days") or {}).get(name)
        if n is not None:
            return f"{name}:{(today - dt.timedelta(days=n)).isoformat()}"
    return f"today:{advice['today']}"


def to_ics(advice: Doc, texts: CalendarTexts) -> bytes:
    """The advice's dated steps and dates as an .ics file."""
    lang = advice["lang"]
    cal = new_calendar(texts.say("name", lang, _base(advice, texts)))
    for spec in events(advice, texts):
        add_event(cal, spec, texts, lang)
    ical: bytes = cal.to_ical()
    return ical


def new_calendar(name: str) -> Any:
    from advisor.text.ics import Calendar
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    return cal


def _base(advice: Doc, texts: CalendarTexts) -> dict[str, Any]:
    code = (advice.get("track") or {}).get("code") or ""
    platform = texts.platform_names.get(advice["platform"], {}).get(advice["lang"]) or advice["platform"]
    return {"code": code, "platform": platform, "today": advice_day(advice["today"])}


def parcel_uid(advice: Doc) -> str:
    """The part of every event's UID that names the parcel."""
    return hashlib.sha256(f"{advice['platform']}|{parcel_key(advice)}".encode()).hexdigest()[:20]


def events(advice: Doc, texts: CalendarTexts) -> list[dict[str, Any]]:
    """The events of one advice, each {uid, day, title, description, alarms, sequence, stamp}:
    one per date of the advice, with the steps that are that date's own (`same_as`) told in it,
    then one per other dated step."""
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

    steps = _dated_steps(advice, texts, base)
    told: set[str] = set()
    for d in advice.get("deadlines") or []:
        day = advice_day(d["date"])
        values = dict(base, text=d["text"], date=day, title=texts.title_of(d["id"], lang))
        own = [s for s in steps if s["day"] == day and s["action"] in texts.same_as.get(d["id"], ())]
        told.update(s["uid"] for s in own)
        lines = [texts.say("deadline_when", lang, values)] + [s["told"] for s in own if s["told"]]
        before = d["id"] in texts.remind_before and day > today + dt.timedelta(days=1)
        alarms = ((1, 0) if before else (0,)) if day > today else ()
        event(f"date-{d['id']}", day, texts.say("deadline_title", lang, values), "\n\n".join(lines), alarms)
    for s in steps:
        if s["uid"] not in told:
            event(s["uid"], s["day"], s["title"], s["description"], (0,) if s["day"] > today else ())
    return out


def _dated_steps(advice: Doc, texts: CalendarTexts, base: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's dated steps, each {uid, action, day, title, description, told}: its timing, its text
    without the words that point elsewhere, and the seller's messages it asks to send."""
    lang = advice["lang"]
    seen: dict[str, int] = {}
    out: list[dict[str, Any]] = []
    for step in advice.get("actions") or []:
        if not step.get("due"):
            continue
        day = advice_day(step["due"])
        action = step["action"]
        seen[action] = seen.get(action, 0) + 1
        text = step.get("text") or ""
        for words in texts.not_in_calendar:
            text = text.replace(words[lang], "")
        values = dict(base, label=texts.labels[action][lang], date=day, text=text)
        parts = [text] if text else []
        for m in advice.get("messages") or []:
            if m.get("kind") == "seller" and m.get("rule") == step.get("rule") and m.get(DEFAULT):
                head = texts.say("message_head", lang, {"title": (m.get("title") or {}).get(lang, "")})
                parts.append(f"{head}\n{m[DEFAULT]}")
        out.append({"uid": f"step-{action}" + (f"-{seen[action]}" if seen[action] > 1 else ""), "action": action,
                    "day": day, "title": texts.say("step_title", lang, values), "told": "\n\n".join(parts),
                    "description": f"{texts.say('step_when', lang, values, sub=texts.timing.get(action, 'by'))}\n"
                                   + "\n\n".join(parts)})
    return out


def add_event(cal: Any, spec: Mapping[str, Any], texts: CalendarTexts, lang: str, status: str | None = None) -> None:
    """One event of `events()` into the calendar; `status` (CONFIRMED, CANCELLED) when the file
    says which events are gone (`advise watch --ics`); a cancelled event has no alarms."""
    from advisor.text.ics import Alarm, Event
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
