"""The parcel's route on the buyers' page: where it is now on a bar of stages, and its events as read.

Every tracker a buyer knows shows a stage bar and the events with their places first; a page that
only said "8 events read" left the buyer to read the route from the raw paste. The bar's steps,
and which of the advice's stages each covers, are data (`route_bar` in templates/page/texts.yaml):
a new stage in rules/vocabulary.yaml is placed by adding it there, and a stage placed nowhere is
refused when the page is built, so the bar never silently shows a parcel at no step.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Mapping

from advisor.base.sentences import fill
from advisor.base.dates import advice_day
from advisor.base.errors import RulesError

SHOWN_EVENTS = 5        # the newest events shown at once; the rest fold under "all N events"


def check_bar(texts: dict[str, Any], stages: Mapping[str, object]) -> None:
    """Every stage of the vocabulary is on the bar (a step's `stages` or `toward`) or `route_off`,
    and the bar names no other; `texts` as loaded, so an error names its file:line."""
    bar = texts["route_bar"]
    placed: dict[str, str] = {s: _where(texts.get("route_off"), texts, "route_off") for s in texts.get("route_off") or ()}
    for i, step in enumerate(bar):
        for stage in [*(step.get("stages") or ()), *(step.get("toward") or ())]:
            placed[stage] = _where(bar, texts, "route_bar", i)
    for stage, where in placed.items():
        if stage not in stages:
            raise RulesError(f"the route bar names the stage `{stage}`, which rules/vocabulary.yaml does not have",
                             where=where, help="name a stage of `stages` in rules/vocabulary.yaml")
    for stage in stages:
        if stage not in placed:
            raise RulesError(f"the route bar places no step for the stage `{stage}`", where=_where(bar, texts, "route_bar"),
                             help="add it to a step's `stages` or `toward`, or to `route_off`")


def _where(node: object, texts: object, key: str, index: int | None = None) -> str:
    """file:line of a located node (templates/page/texts.yaml as loaded), else the key's name."""
    where = getattr(node, "where", None)            # yamlfile.Located or LocatedList
    if where is not None:
        at: str = where(index) if index is not None else where()
        return at
    return f"templates/page/texts.yaml ({key})"


def route_view(advice: dict[str, Any], t: dict[str, Any], stage_names: dict[str, str], date: Callable[[str], str],
               country: Callable[[str], str]) -> dict[str, Any]:
    """The bar's steps (each {id, name, state: done, now, toward or todo}), the words for where
    the parcel is now, and its events newest first, each {when, place, status, stage}."""
    stage = advice["stage"]
    at, state = None, "now"
    for i, step in enumerate(t["route_bar"]):
        if stage in (step.get("stages") or ()):
            at = i
        elif stage in (step.get("toward") or ()):
            at, state = i, "toward"
    steps = [{"id": s["id"], "name": s["name"],
              "state": "todo" if at is None else "done" if i < at else state if i == at else "todo"}
             for i, s in enumerate(t["route_bar"])]
    events = [_event(e, stage_names, date, country) for e in reversed(advice.get("events") or [])]
    return {"steps": steps, "now": fill(t["route_now"], stage=stage_names[stage]),
            "position": None if at is None else fill(t["route_step"], n=at + 1, of=len(steps)),
            "events": events[:SHOWN_EVENTS], "more": events[SHOWN_EVENTS:], "count": len(events)}


def _event(e: dict[str, Any], stage_names: dict[str, str], date: Callable[[str], str],
           country: Callable[[str], str]) -> dict[str, Any]:
    place = e.get("place") or {}
    city = place.get("city") or e.get("city")
    land = place.get("country") or e.get("country")
    where = ", ".join(x for x in (city, country(land) if land else None) if x)
    return {"when": date(e["date"]) + (f", {e['time']}" if e.get("time") else ""), "day": e["date"],
            "place": where, "status": e.get("status") or "",
            "stage": stage_names.get(e["stage"]) if e.get("stage") else None}


def route_marks(advice: dict[str, Any], t: dict[str, Any], stage_names: dict[str, str]) -> list[tuple[str, dt.date, str]]:
    """The route on the timeline picture: the first event of each run of one stage, as
    (id, day, label); a parcel that moved back and forth shows each arrival."""
    marks: list[tuple[str, dt.date, str]] = []
    last = None
    for i, e in enumerate(advice.get("events") or []):
        stage = e.get("stage")
        if not stage or stage == last:
            continue
        last = stage
        place = (e.get("place") or {}).get("city") or e.get("city")
        label = fill(t["timeline_event"], stage=stage_names[stage]) + (f", {place}" if place else "")
        marks.append((f"event-{i}", advice_day(e["date"]), label))
    return marks
