"""The advice as typed parts (steps, flags, warnings, deadlines, messages with real dates), made
complete by `advice.build` and turned into the `parcel-advice/1` JSON once, at the edge
(`Advice.to_dict`/`to_json`): the guarantees and the views read dates, not strings.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from advisor.base.i18n import DEFAULT

if TYPE_CHECKING:
    from advisor.text.calendarfile import CalendarTexts
    from advisor.engine.derive import Seen

SCHEMA = "parcel-advice/1"
SEVERITY_RANK = {"high": 0, "warn": 1, "info": 2}
LAST_DAY = dt.date.max           # where an undated step sorts: after every dated one


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


@dataclass(slots=True)
class PlanStep:
    """A step of the plan: what to do (`action` id), by when, the rule that gave it and the
    guidance it cites; `unless` names the planned steps it is the fallback of."""

    action: str
    due: dt.date | None
    rule: str
    text: str | None
    source: list[str]
    unless: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = {"action": self.action, "due": _iso(self.due), "rule": self.rule, "text": self.text,
               "source": self.source}
        if self.unless:
            out["unless"] = self.unless
        return out

    def head(self) -> dict[str, Any]:
        """The step as `next_step` gives it."""
        return {"action": self.action, "due": _iso(self.due), "rule": self.rule, "text": self.text}


@dataclass(slots=True)
class Flag:
    id: str
    severity: str
    rule: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "severity": self.severity, "rule": self.rule, "text": self.text}


@dataclass(slots=True)
class AdviceWarning:
    id: str
    rule: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "rule": self.rule, "text": self.text}


@dataclass(slots=True)
class Deadline:
    id: str
    date: dt.date
    text: str
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "date": self.date.isoformat(), "text": self.text, "rule": self.rule}


@dataclass(slots=True)
class Message:
    """A message to the seller, a dispute text or a request to the post, in every language
    (`texts`); a dispute's `parts` are its form, text to paste and evidence, per language."""

    kind: str
    purpose: str
    rule: str
    title: dict[str, str]
    texts: dict[str, str]
    parts: dict[str, dict[str, str]] = field(default_factory=dict)
    send: str = DEFAULT             # the language it is sent in (the platform's seller's; the post's)

    @property
    def id(self) -> str:
        return f"{self.kind}/{self.purpose}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "purpose": self.purpose, "rule": self.rule, "title": self.title,
                **self.texts, "send": self.send, **self.parts}


@dataclass
class Advice:
    """The advice for one parcel, complete as made; `to_dict()` is exactly the CLI's JSON.
    `notes`, `missing` and `trace` are records whose fields vary by kind: they stay mappings."""

    today: dt.date
    platform: str
    lang: str
    track: dict[str, Any] | None
    stage: str
    days: dict[str, int | None]
    steps: list[PlanStep]
    flags: list[Flag]
    warnings: list[AdviceWarning]
    deadlines: list[Deadline]
    messages: list[Message]
    season: str | None
    events: list["Seen"]
    notes: list[dict[str, Any]]
    missing: list[dict[str, Any]]
    trace: list[dict[str, Any]]
    extra: dict[str, Any] | None = None
    # the calendar's texts, set by the Advisor that gave this advice (`to_ics`)
    calendar: "CalendarTexts | None" = field(default=None, repr=False, compare=False)
    _dict: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def next_step(self) -> dict[str, Any] | None:
        return self.steps[0].head() if self.steps else None

    def to_dict(self) -> dict[str, Any]:
        """The `parcel-advice/1` document, its fields in their order (made once)."""
        if self._dict is None:
            data = {
                "schema": SCHEMA, "today": self.today.isoformat(), "platform": self.platform, "lang": self.lang,
                "track": self.track, "stage": self.stage, "days": self.days, "next_step": self.next_step,
                "actions": [s.to_dict() for s in self.steps], "flags": [f.to_dict() for f in self.flags],
                "warnings": [w.to_dict() for w in self.warnings], "deadlines": [d.to_dict() for d in self.deadlines],
                "messages": [m.to_dict() for m in self.messages], "season": self.season,
                "events": [event_dict(e) for e in self.events], "notes": self.notes, "missing": self.missing,
                "trace": self.trace,
            }
            if self.extra:
                data.update(self.extra)
            self._dict = data
        return self._dict

    @property
    def data(self) -> dict[str, Any]:
        """The JSON document (the name older callers used)."""
        return self.to_dict()

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_ics(self) -> bytes:
        """The dated steps and dates as an iCalendar file (see calendarfile.py)."""
        from advisor.text.calendarfile import to_ics
        if self.calendar is None:
            raise ValueError("this advice was not made by an Advisor: it has no calendar texts")
        return to_ics(self.to_dict(), self.calendar)


def event_dict(e: "Seen") -> dict[str, Any]:
    """One event as read, echoed so an embedder sees what was understood: its place in the input
    (`index`; null for the tracker's own current status), its time and offset as given, where,
    the stage and how it was read (`stage` id, `code`, `text` or `unknown`), and for a text the
    words that decided it (`matched`: a known line, or the words of rules/reading.yaml), and the
    place read from the line or fields (`place`, when one was)."""
    out: dict[str, Any] = {"date": e.date.isoformat(), "status": e.status, "stage": e.stage, "postal": e.postal,
           "index": e.index if e.index >= 0 else None, "time": e.time, "offset": e.offset,
           "country": e.country, "city": e.city, "how": e.how, "matched": e.matched}
    place = e.place.to_dict() if e.place else None
    if place:       # where it happened as read from its line or fields, and its kind (placeread.py)
        out["place"] = place
    return out
