"""Derived facts: the flat, fixed-type fact the engine evaluates, computed from the input facts.

This is arithmetic on dates and lists only; every threshold lives in `rules/`. The catalogue rule
authors write conditions against (`FACTS`, `DATES`) is rulelang.py's.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from advisor.engine import destination
from advisor.text.details import note
from advisor.reading.facts import Facts
from advisor.reading.methods import real_events
from advisor.reading.ordering import in_order, keep_tracker_status, shuffled, tracker_event
from advisor.engine.orderfacts import seller_and_dispute_facts, shipping_facts
from advisor.reading.placeread import EventPlace, event_place
from advisor.knowledge.rulelang import DATES, FACTS  # noqa: F401 - FACTS re-exported: the catalogue is rulelang.py's
from advisor.knowledge.stages import StageBook

if TYPE_CHECKING:
    from advisor.reading.facts import Event
    from advisor.knowledge.files import Knowledge
    from advisor.knowledge.places import Places
    from advisor.knowledge.providers import Providers
    from advisor.knowledge.stages import Classified

@dataclass(slots=True)
class Seen:
    """One event of the history as read: its stage (None when the seller typed it), whether it is
    postal movement, where, and the phrase or code that gave the stage or a problem."""

    date: dt.date
    status: str | None
    stage: str | None
    postal: bool
    country: str | None
    city: str | None
    weight_g: float | None          # as the facts give it: grams, maybe with a fraction
    index: int
    matched: str | None
    problem: str | None
    how: str = "unknown"               # what gave the stage: stage (an id), code, text, or unknown
    time: str | None = None
    offset: str | None = None
    place: EventPlace | None = None    # where it happened, as read (placeread.py)


@dataclass
class Derived:
    engine: dict[str, Any]                       # the flat fact for durable_rules
    dates: dict[str, dt.date]          # named dates for due expressions and templates
    events: list[Seen] = field(default_factory=list)   # classified history, for output
    notes: list[dict[str, Any]] = field(default_factory=list)    # what was assumed or not understood
    season_name: dict[str, Any] | None = None
    mismatch: dict[str, Any] | None = None       # the evidence of another address, for texts (destination.py)
    office: dict[str, Any] | None = None         # the place of the latest delivery-office event, for texts
    # the order's and the tracker's destination as places for texts: names in each language (placenames.py)
    destination_place: dict[str, Any] | None = None
    tracked_place: dict[str, Any] | None = None


def _days(a: dt.date, b: dt.date) -> int:
    return (a - b).days


def classify_events(facts: Facts, stages: StageBook, invented: bool = False,
                    origin: str | None = None, providers: Providers | None = None,
                    places: Places | None = None) -> tuple[list[Seen], list[dict[str, Any]]]:
    """Each event with its stage and whether it is postal; unknown statuses are reported.
    `invented`: the code belongs to a service whose statuses the seller makes up (T8), so no
    event is postal movement. An event in the code's `origin` country (the tracker's
    `tracked_origin` when the code names none) or the order's destination country (the tracker's
    `tracked_destination` when the order names none) is read as being at that end of the route;
    on a domestic route (both ends one country) the country places no event."""
    out: list[Seen] = []
    notes: list[dict[str, Any]] = []
    origin, dest, domestic = _route_ends(facts, origin)
    if invented and facts.events:
        notes.append(note("statuses_invented"))
    exported = False
    ordered = in_order(facts.events) + tracker_event(facts)
    if shuffled(facts.events):
        notes.append(note("events_reordered"))
    rank, classify, export_rank = stages.rank, stages.classify, stages.rank["export"]
    for e in ordered:
        seller_typed, phrase, problem = e.source == "order_page" or invented, None, None
        stage, reading, known, by_text = e.stage, None, False, False
        side = (None if domestic or not e.country else "origin" if e.country == origin and e.country != dest
                else "destination" if e.country == dest else None)
        if stage is None and e.code is not None and providers is not None:
            reading = providers.lookup(e.provider, e.code) if e.provider is not None else None
            if reading is None:
                notes.append(note("unknown_code", {"event": e.index, "provider": e.provider, "code": e.code}))
        if stage is None and reading is None and e.status and providers is not None and not seller_typed:
            reading = providers.for_text(e.status)
            if reading is not None and (stages.is_phrase(e.status) or stages.says_nothing(e.status)):
                reading = None
        if reading is not None and reading.keeps_stage and e.status and not seller_typed:
            reading = None if _says_something(stages, e.status, exported, side) else reading   # the code says nothing: the text may
            by_text = reading is None
        if reading is not None:
            known = True
            phrase = reading.name
            if reading.no_stage:
                problem = reading.no_stage
                notes.append(_no_stage_note(e, reading, providers))
            else:
                stage = reading.stage_at(_at_destination(stages, reading, e.status, side, exported))
        if stage is None and not known and e.status:
            read = classify(e.status, exported, side)
            seller_typed, stage, phrase = seller_typed or read.typed, read.stage, read.matched
            problem = read.problem if not seller_typed else None
            if not seller_typed and (read.problem or read.unsure or (read.stage is None and not read.keeps)):
                notes.extend(_text_notes(e, read))      # (most lines say nothing more: no call for them)
        if stage and rank[stage] >= export_rank and not seller_typed:
            exported = True
        how = ("stage" if e.stage else "text" if by_text and (stage or problem) else "code" if known and e.code is not None
               else "text" if known or stage else "unknown")
        out.append(Seen(e.date, e.status or phrase, None if seller_typed else stage, not seller_typed,
                        e.country, e.city, e.weight_g, e.index, phrase, problem, how, e.time, e.offset,
                        event_place(places, e, phrase, None if seller_typed else stage, exported, dest, rank)))
    keep_tracker_status(out, notes, stages.rank)
    notes.extend(_route_contradictions(out, stages.rank))
    return out, notes


def _route_ends(facts: Facts, origin: str | None) -> tuple[str | None, str | None, bool]:
    """(origin, destination, domestic): the countries at the route's ends, the order's or the
    tracker's destination and the code's or the tracker's origin; domestic when they are one."""
    ends = facts.order.destination or facts.tracked_destination     # the tracker's, when the order names none
    dest = ends.country if ends else None
    origin = origin or (facts.tracked_origin.country if facts.tracked_origin else None)
    return origin, dest, dest is not None and origin == dest


def _no_stage_note(e: Event, reading: Any, providers: Providers | None) -> dict[str, Any]:
    return note("status_no_stage", {
        "event": e.index, "reason": reading.no_stage, "status": e.status or reading.name,
        "status_ru": e.status or reading.ru or reading.name,
        "reported_by": providers.reporters.get(e.provider)
        if providers is not None and e.code is not None and e.provider is not None else None},
        name=reading.name)


def _says_something(stages: StageBook, status: str, exported: bool, side: str | None) -> bool:
    """Whether a status text gives a stage or a problem: then it reads an event whose code the
    table keeps as saying nothing (Shippo's `UNKNOWN` beside "The shipping label has been created")."""
    read = stages.classify(status, exported, side)
    return not read.typed and (read.stage is not None or read.problem is not None)


def _at_destination(stages: StageBook, reading: Any, status: str | None, side: str | None, exported: bool) -> bool:
    """Which end a code both ends record (`TRANSIT`, `in_transit`) is at: the event's country's
    end; when the country cannot tell (a domestic route, no country), the end the status text
    reads the same from either end ("origin facility", "arrived at the post office"); else
    whether the parcel was exported."""
    if side is not None or reading.stage is not None or not status:
        return side == "destination" or (side is None and exported)
    near, far = stages.classify(status, exported, "origin"), stages.classify(status, exported, "destination")
    if near.stage is not None and near.stage == far.stage and not near.typed:
        rank = stages.rank
        if rank[near.stage] < rank["export"]:
            return False
        if rank[near.stage] > rank["export"]:
            return True
    return exported


def _text_notes(e: Event, read: Classified) -> list[dict[str, Any]]:
    """What the advice says of a status text: a problem no stage says, a costly reading the
    line's other words put in doubt, or a text not understood (`read` is stages.Classified)."""
    status = e.status or ""         # read only when the event has a status text
    if read.problem:
        return [note("status_no_stage", {"event": e.index, "reason": read.problem, "status": e.status,
                                          "status_ru": e.status, "reported_by": None}, name=e.status)]
    if read.unsure:
        return [note("status_unsure", {"event": e.index, "status": status[:120], "reading": read.doubted,
                                       "words": list(read.words), "against": list(read.unsure)},
                     short=status[:60], said=", ".join(read.unsure))]
    if read.stage is None and not read.keeps:
        return [note("unknown_status", {"event": e.index, "status": status[:120]}, short=status[:60])]
    return []


def _route_contradictions(events: list[Seen], rank: dict[str, int]) -> list[dict[str, Any]]:
    """Statuses that do not fit the route they are on: movement after a delivery or in the middle
    of a return, a delivery of an exported parcel never seen arriving. They are kept (a tracker
    may print them), and said, so the buyer checks them instead of trusting the last line."""
    notes, staged = [], [e for e in events if e.postal and e.stage]
    # the first delivery or return, and the first movement after it: one pass, whatever the length
    end = next((i for i, e in enumerate(staged) if e.stage in ("delivered", "returned")), None)
    if end is not None:
        after = next((x for x in staged[end + 1:] if x.stage not in ("delivered", "returned")), None)
        if after is not None:
            notes.append(note("moved_after_delivery" if staged[end].stage == "delivered" else "moved_after_return",
                              {"event": after.index, "status": (after.status or "")[:120]}))
    for i, e in enumerate(staged):
        if e.stage == "delivered":
            before = staged[:i]
            # import and every stage after it happen in the destination country
            if any(x.stage == "export" for x in before) and not any(rank[x.stage] >= rank["import"] for x in before if x.stage):
                notes.append(note("delivered_unseen_arrival", {"event": e.index, "status": (e.status or "")[:120]}))
            break
    return notes


def derive(facts: Facts, track: dict[str, Any] | None, knowledge: "Knowledge", alternatives: list[dict[str, Any]] | tuple[Any, ...] = ()) -> Derived:
    """The facts the rules test, in one flat mapping, and the named dates (see FACTS, DATES), from
    the facts, the code's analysis (`track`; `alternatives`: readings nearly as likely) and what
    the rules directory knows (stages, places, providers' codes, seasons, shipping methods)."""
    today = facts.today
    o = facts.order
    formats, places = knowledge.formats, knowledge.places
    f: dict[str, Any] = {"platform": facts.platform, "received": facts.received}
    dates: dict[str, dt.date] = {"today": today}
    _code_facts(f, track, formats.misread_changes)
    origin = track["origin_country"] if track is not None else None
    events, notes, postal = _history_facts(f, dates, facts, track, knowledge.stages, formats.invented_status_flags,
                                           knowledge.providers, alternatives, places)
    _order_dates(f, dates, facts, knowledge.profiles[facts.platform])
    dest = o.destination
    if dest and dest.country:
        f["destination_country"] = dest.country
    mismatch = destination.find(facts, postal, origin, places, notes)
    f["destination_mismatch"] = mismatch is not None
    if mismatch:
        f["destination_mismatch_level"] = mismatch.level
    shipping_facts(f, o, formats.express_methods, formats.courier_methods)
    seller_and_dispute_facts(f, facts)
    season = knowledge.seasons.find(today, o.paid, f["exported"])        # W11
    f["season"] = season["id"] if season else "none"
    f["season_extra_days"] = int(season["extra_days"]) if season else 0
    f["season_by"] = season.get("applies_to", "today") if season else "none"
    office = destination.office(postal, places, dest)
    tracked = facts.tracked_destination
    return Derived(engine=f, dates=dates, events=events, notes=notes,
                   season_name=season.get("name") if season else None,
                   mismatch=mismatch.to_context() if mismatch else None, office=office,
                   destination_place=destination.view(places, dest.city, None, dest.country, None) if dest and places else None,
                   tracked_place=(destination.view(places, tracked.city, None, tracked.country or (dest.country if dest else None), None)
                                  if tracked and places else None))


def _code_facts(f: dict[str, Any], track: dict[str, Any] | None, misread_changes: list[str]) -> None:
    """What the code analysis found (trackcode.py)."""
    f["has_code"] = track is not None
    if track is None:
        return
    f["code_kind"] = track["kind"]
    f["code_format"] = track["format"]
    f["code_valid"] = track["valid"]
    if track["check_digit_ok"] is not None:
        f["check_digit_ok"] = track["check_digit_ok"]
    f["code_tracked"] = track["tracked"]
    if track["service"]:
        f["code_service"] = track["service"]
    f["code_changed"] = bool(track["changes"])
    f["code_misread"] = any(c["kind"] in misread_changes for c in track["changes"])
    if track["origin_country"]:
        f["code_origin"] = track["origin_country"]
    for flag in track["flags"]:
        f[f"code_flag__{flag}"] = True
    f["code_uncertain"] = bool(track.get("uncertain"))


def _history_facts(f: dict[str, Any], dates: dict[str, Any], facts: Facts, track: dict[str, Any] | None, stages: StageBook,
                   invented_status_flags: list[str], providers: Providers | None,
                   alternatives: list[dict[str, Any]] | tuple[Any, ...], places: Places | None = None) -> tuple[list[Seen], list[dict[str, Any]], list[Seen]]:
    """The tracking history read: its stage, counts and dates; (events, notes, postal events)."""
    o = facts.order
    invented = track is not None and any(flag in invented_status_flags for flag in track["flags"]) \
        and not real_events(facts.events)     # a real post's events: the fake-service reading is a guess

    origin = track["origin_country"] if track is not None else None
    events, notes = classify_events(facts, stages, invented, origin, providers, places)
    if alternatives:        # readings close to the best one: the code is uncertain
        notes.insert(0, note("code_uncertain", {"alternatives": [dict(r["name"]) for r in alternatives]},
                                formats=", ".join(r["format"] for r in alternatives)))
    named = (track or {}).get("named_carrier")
    if track is not None and named and named["matches"] is False:     # said, never silently ignored: the code is none of its formats
        notes.insert(0, note("carrier_unmatched", {"carrier": named["name"], "read_as": track["carrier"]},
                             read_as=track["carrier"] or track["format"]))
    postal = [e for e in events if e.postal]
    f["events_count"] = len(postal)
    f["seller_events_count"] = len(events) - len(postal)
    f["seller_statuses_only"] = bool(events) and not postal
    f["unknown_statuses"] = sum(1 for n in notes if n["kind"] == "unknown_status")
    problems = [e.problem for e in postal if e.problem]
    if problems:
        f["post_problem"] = problems[-1]
    staged = [e for e in postal if e.stage]
    stage = staged[-1].stage if staged else "none"
    f["stage"] = stage
    rank = stages.rank
    ranks = [rank[e.stage] for e in staged if e.stage]
    f["moved"] = any(r > rank["pre_advice"] for r in ranks)
    f["exported"] = any(r >= rank["export"] for r in ranks)
    if postal:
        dates["last_event"] = postal[-1].date
        dates["first_event"] = postal[0].date
    if staged:
        since = staged[-1].date
        for e in reversed(staged):
            if e.stage != stage:
                break
            since = e.date
        dates["stage_since"] = since
    pre = [e for e in staged if e.stage == "pre_advice"]
    if pre:
        dates["pre_advice_since"] = pre[0].date
    start = o.paid or o.track_issued
    f["events_before_order"] = sum(1 for e in postal if start and e.date < start)
    weights = [e.weight_g for e in postal if e.weight_g]
    if len(weights) >= 2:
        f["weight_diff_g"] = int(round(max(weights) - min(weights)))
    return events, notes, postal


def _order_dates(f: dict[str, Any], dates: dict[str, Any], facts: Facts, profile: dict[str, Any]) -> None:
    """The order's dates, and the day counts from and to them."""
    o, today = facts.order, facts.today
    for name, value in (("paid", o.paid), ("track_issued", o.track_issued), ("protection_ends", o.protection_ends),
                        ("seller_messaged", facts.seller.messaged),
                        ("dispute_opened", facts.dispute.opened if facts.dispute else None)):
        if value:
            dates[name] = value
    shipped = [d for d in (o.track_issued, dates.get("first_event")) if d and (not o.paid or d >= o.paid)]
    if shipped:        # a code issued again later does not move the first shipment (D2)
        dates["shipped"] = min(shipped)
    issued = o.track_issued or o.paid
    if o.promised_days is not None and issued:
        dates["promised_by"] = issued + dt.timedelta(days=o.promised_days)
        f["promised_days"] = o.promised_days
    for name, fact in DATES.items():
        if fact and name in dates:
            d = dates[name]
            f[fact] = _days(d, today) if name == "protection_ends" else _days(today, d)
    if o.protection_ends and o.paid:
        f["protection_total_days"] = _days(o.protection_ends, o.paid)
        cap = profile.get("max_protection_days")
        if isinstance(cap, int):
            f["extension_room_days"] = max(0, cap - f["protection_total_days"])
