"""The list of parcels re-advised: each parcel's advice as of today, what changed since the
buyer last looked, the steps that are due, and one calendar for the whole list.

Storage is `watchlist.py`; the commands and their texts are `watchcmd.py`. An advice is kept
when what it says (stage, dated steps, flags, dates) differs from the last one kept, so the
history of a parcel is its changes, each with its day.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from advisor.base.dates import advice_day
from advisor.base.errors import AdvisorError
from advisor.interfaces.watchlist import Parcel, Stored, WatchList

if TYPE_CHECKING:
    from advisor.api import Advisor
    from advisor.text.calendarfile import CalendarTexts

LAST_VIEW = "last_view"          # meta key: the day the list was last shown
CANCELLED_KEPT_DAYS = 60         # a gone step's cancellation stays in the calendar file this long


@dataclass
class Row:
    """One parcel as the list shows it."""

    parcel: Parcel
    advice: dict[str, Any] | None = None
    error: AdvisorError | None = None
    change: dict[str, Any] | None = None         # what changed since the buyer last looked (see `change_of`)
    history: list[Stored] = field(default_factory=list)

    @property
    def next_due(self) -> str | None:
        step = (self.advice or {}).get("next_step") or {}
        return step.get("due")


def substance(advice: dict[str, Any], today: str | None = None) -> dict[str, Any]:
    """What an advice says, without its wording: compared to tell a change. A step due on or
    before `today` (default: the advice's day) is due "now", so a step still to do is no change."""
    now = today or advice["today"]

    def step(s: dict[str, Any] | None) -> list[Any] | None:
        return [s["action"], "now" if s.get("due") and s["due"] <= now else s.get("due")] if s else None
    return {"stage": advice["stage"],
            "next": step(advice.get("next_step")),
            "actions": [step(a) for a in advice.get("actions") or []],
            "flags": sorted(f["id"] for f in advice.get("flags") or []),
            "deadlines": sorted((d["id"], d["date"]) for d in advice.get("deadlines") or [])}


def digest(advice: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(substance(advice), sort_keys=True).encode()).hexdigest()[:32]


def facts_for_today(parcel: Parcel) -> dict[str, Any]:
    return {k: v for k, v in parcel.facts.items() if k != "today"}


def readvise(watch: WatchList, advisor: Advisor, today: dt.date, lang: str, since: str | None = None,
             with_done: bool = False) -> list[Row]:
    """Every parcel advised as of `today`, each new advice kept; `since` (a day): changes kept
    on or after it are said. Sorted by the next step's date, undated ones last."""
    rows = []
    for parcel in watch.parcels(with_done=with_done):
        row = Row(parcel)
        rows.append(row)
        if parcel.done:
            continue
        try:
            row.advice = advisor.advise(facts_for_today(parcel), today=today, lang=lang, messages=False).to_dict()
        except AdvisorError as e:
            row.error = e
            continue
        watch.keep_advice(parcel, today.isoformat(), digest(row.advice), row.advice)
        row.history = watch.advices(parcel, last=2)
        row.change = change_of(row.history, since)
    rows.sort(key=lambda r: (r.parcel.done is not None, r.next_due is None, r.next_due or "", r.parcel.code))
    return rows


def change_of(history: list[Stored], since: str | None) -> dict[str, Any] | None:
    """What the latest kept advice changed from the one before, when it was kept on or after
    `since` (None: whenever): {day, stage: [old, new], next: [old, new], flags: [added ids]}."""
    if len(history) < 2 or (since and history[-1].day < since):
        return None
    day = history[-1].advice["today"]
    old, new = substance(history[-2].advice, day), substance(history[-1].advice, day)
    out: dict[str, Any] = {"day": history[-1].day}
    if old["stage"] != new["stage"]:
        out["stage"] = [old["stage"], new["stage"]]
    if old["next"] != new["next"]:
        out["next"] = [old["next"], new["next"]]
    added = sorted(set(new["flags"]) - set(old["flags"]))
    if added:
        out["flags"] = added
    return out if len(out) > 1 else None


def due_steps(rows: list[Row], today: dt.date, days: int) -> list[dict[str, Any]]:
    """The dated steps of every parcel due by `today + days`, earliest first; `today` is true
    for the ones due today or before."""
    until = today + dt.timedelta(days=days)
    out = []
    for row in rows:
        advice = row.advice or {}
        for step in advice.get("actions") or []:
            if not step.get("due"):
                continue
            day = advice_day(step["due"])
            if day <= until:
                out.append({"code": row.parcel.code, "action": step["action"], "due": step["due"],
                            "today": day <= today, "overdue": day < today, "text": step.get("text") or "",
                            "stage": advice["stage"]})
    out.sort(key=lambda s: (s["due"], s["code"]))
    return out


def calendar(watch: WatchList, rows: list[Row], advisor: Advisor, today: dt.date, lang: str, name: str) -> bytes:
    """One .ics for the whole list: every parcel's current events (STATUS:CONFIRMED); an event an
    earlier advice had and the current one has not, the events of a parcel marked done and of a
    removed one are STATUS:CANCELLED with a higher SEQUENCE, so a calendar that imports the file
    again removes them. Cancellations older than CANCELLED_KEPT_DAYS are left out."""
    from advisor.text.calendarfile import add_event, events, new_calendar
    texts = advisor.calendar
    cal = new_calendar(name)
    oldest = today - dt.timedelta(days=CANCELLED_KEPT_DAYS)
    sequence = max(0, (today - dt.date(2020, 1, 1)).days) + 1
    stamp = dt.datetime.combine(today, dt.time(0, 0), tzinfo=dt.timezone.utc)
    current: set[str] = set()
    gone: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row.advice is not None and not row.parcel.done:
            for spec in events(row.advice, texts):
                current.add(spec["uid"])
                add_event(cal, spec, texts, lang, status="CONFIRMED")
        for kept in watch.advices(row.parcel):        # oldest first: the latest version of each wins
            for spec in events(kept.advice, texts):
                gone[spec["uid"]] = spec
    for uid, day, _removed in watch.cancelled():
        gone.setdefault(uid, {"uid": uid, "day": advice_day(day), "title": None,
                              "description": None, "alarms": ()})
    for uid, spec in sorted(gone.items()):
        if uid in current or spec["day"] < oldest:
            continue
        add_event(cal, dict(spec, sequence=sequence, stamp=stamp), texts, spec.get("lang", lang), status="CANCELLED")
    ical: bytes = cal.to_ical()
    return ical


def calendar_uids(watch: WatchList, parcel: Parcel, texts: CalendarTexts) -> list[tuple[str, str]]:
    """(UID, day) of every event the parcel's kept advices had: what a removal must cancel."""
    from advisor.text.calendarfile import events
    out: dict[str, str] = {}
    for kept in watch.advices(parcel):
        for spec in events(kept.advice, texts):
            out[spec["uid"]] = spec["day"].isoformat()
    return sorted(out.items())


def merge_facts(stored: dict[str, Any], new: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """`advise watch update`: the new facts over the stored ones (mappings merged key by key,
    values replaced), events added after the stored ones; an event already there (same date,
    time, status, stage and code) is not added twice. (merged facts, events already known)."""
    out = json.loads(json.dumps(stored))
    known = 0
    for key, value in new.items():
        if key == "today":
            continue
        if key == "events":
            have = {_event_key(e) for e in out.get("events") or []}
            for e in value:
                if _event_key(e) in have:
                    known += 1
                    continue
                have.add(_event_key(e))
                out.setdefault("events", []).append(e)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_facts(out[key], value)[0]
        else:
            out[key] = value
    return out, known


def _event_key(e: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(e.get(k) or "").strip().lower() for k in ("date", "time", "status", "stage", "code", "provider"))
