"""Turning fired rules into the advice (`parcel-advice/1`): evaluate due dates, order the plan,
merge flags, warnings and deadlines, render texts and messages, and record the trace.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .conditions import holds
from .derive import FACTS, Derived
from .facts import Facts
from .render import LANGS, Renderer
from .rulebook import Rule, RuleBook

if TYPE_CHECKING:
    from .calendarfile import CalendarTexts

SCHEMA = "parcel-advice/1"
SEVERITY_RANK = {"high": 0, "warn": 1, "info": 2}


@dataclass
class Advice:
    """The advice for one parcel; `to_dict()` is exactly the CLI's JSON."""

    data: dict
    # the calendar's texts, set by the Advisor that gave this advice (`to_ics`)
    calendar: "CalendarTexts | None" = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        return self.data

    def to_ics(self) -> bytes:
        """The dated steps and dates as an iCalendar file (see calendarfile.py)."""
        from .calendarfile import to_ics
        if self.calendar is None:
            raise ValueError("this advice was not made by an Advisor: it has no calendar texts")
        return to_ics(self.data, self.calendar)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.data, ensure_ascii=False, indent=indent)

    @property
    def next_step(self) -> dict | None:
        return self.data.get("next_step")


# A dispute template's blocks: the answers to the platform's form, the text to paste, the evidence
DISPUTE_PARTS = ("form", "text", "attach")

# message kind -> the profile field holding the platform's length limit for it
LIMITS = {"seller": "seller_message_max_chars", "dispute": "dispute_text_max_chars"}


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def template_context(facts: Facts, derived: Derived, track: dict | None, profile: dict, book_posts) -> dict:
    """Everything a rule text or message template may use. Absent facts are None, not missing.
    `profile` is the platform's public profile (no `_` keys); templates cannot change what they
    are given (the sandbox is immutable), so nothing here is copied."""
    f = derived.engine
    o = facts.order
    dest = o.destination
    origin = track["origin_country"] if track else None
    dest_cc = dest.country if dest else None
    price = {"amount": o.price.amount, "currency": o.price.currency} if o.price else None
    offered = None
    if facts.dispute and facts.dispute.offered_refund:
        m = facts.dispute.offered_refund
        offered = {"amount": m.amount, "currency": m.currency or (o.price.currency if o.price else None)}
    ctx = {
        "code": track["code"] if track else None,
        "track": track or {},
        "platform": facts.platform,
        "platform_name": profile.get("name", {}),
        "profile": profile,
        "today": facts.today,
        "dates": derived.dates,
        "f": f,
        "stage": f.get("stage"),
        "origin_country": origin,
        "destination_country": dest_cc,
        "destination_city": dest.city if dest else None,
        "tracked_country": facts.tracked_destination.country if facts.tracked_destination else None,
        "tracked_city": facts.tracked_destination.city if facts.tracked_destination else None,
        "origin_post": book_posts(origin),
        "destination_post": book_posts(dest_cc),
        "price": price,
        "offered_refund": offered,
        "season_name": derived.season_name,
        "extension_days": _extension_days(f, profile),
    }
    # Precedence: the names above, then the dates (None when absent, even where an engine fact
    # has the same name: `seller_messaged`), then every engine fact (None when absent).
    merged = _NO_FACTS.copy()
    merged.update(f)
    merged.update(_NO_DATES)
    merged.update(derived.dates)
    merged.update(ctx)
    return merged


_DATE_NAMES = ("paid", "track_issued", "protection_ends", "last_event", "first_event", "stage_since",
               "pre_advice_since", "seller_messaged", "dispute_opened", "promised_by")
_NO_FACTS = dict.fromkeys(FACTS)
_NO_DATES = dict.fromkeys(_DATE_NAMES)


def _extension_days(f: dict, profile: dict) -> int | None:
    """How many days to ask the seller for: the profile's request, never past its cap (S6)."""
    ask = profile.get("extension_request_days")
    room = f.get("extension_room_days")
    if ask is None or f.get("protection_left") is None:
        return None
    return ask if room is None else max(0, min(ask, room))


def build(facts: Facts, derived: Derived, track: dict | None, track_public: dict | None, fired: list[str],
          book: RuleBook, renderer: Renderer, lang: str, messages: bool, context: dict,
          extra: dict | None = None, plan=None, requires: dict | None = None) -> Advice:
    """`plan` (`safety.Plan`): how late steps may be dated for this parcel, and which may not
    outlast which (rules/safety.yaml). `requires`: per message, the compiled conditions its text
    takes for true (vocabulary.yaml); a message whose conditions fail is withheld, with a note."""
    rules: list[Rule] = [book.by_id[rid] for rid in fired]
    date_of = derived.dates.get

    def number_of(name: str) -> int:
        if name.startswith("profile."):
            return int(context["profile"].get(name.split(".", 1)[1], 0))
        return int(derived.engine.get(name, 0))

    actions, flags, warnings, deadlines, msgs, trace = [], {}, {}, {}, {}, []
    dropped: dict[str, list[str]] = {}
    replacers = [r for r in rules if r.replaces]

    def replaced(action_id: str, rule: Rule) -> bool:
        # A rule replaces actions of rules that are not more urgent than itself (a lower
        # priority number is more urgent), so a frozen order's "wait" outranks routine advice.
        # The steps the plan's guarantees need come from rules of priority 1 (rules/safety.yaml).
        return any(action_id in r.replaces for r in replacers if r is not rule and r.priority <= rule.priority)

    engine = derived.engine
    for rule in rules:
        superseded = bool(replacers and rule.action_ids) and all(replaced(a, rule) for a in rule.action_ids)
        for out in rule.outputs:
            when = out.due.evaluate(date_of, number_of) if out.due else None
            if replacers and out.kind == "action" and replaced(out.id, rule):
                dropped.setdefault(rule.id, []).append(out.id)
                continue  # a more specific rule that fired says this action no longer applies
            if plan is not None and out.kind == "action":
                when, keep = plan.limit(out.id, when)    # never past the last safe day
                if not keep:
                    dropped.setdefault(rule.id, []).append(out.id)
                    continue
            text = (renderer.inline(out.text[lang], lang, context, rule.where,
                                    extra={"due": when, "rule_id": rule.id}) if out.text else None)
            if out.kind == "action":
                actions.append({"action": out.id, "due": _iso(when), "rule": rule.id, "text": text,
                                "source": rule.source, "_prio": rule.priority, "_order": rule.order,
                                "_out": out, "_rule": rule})
            elif out.kind == "flag":
                prev = flags.get(out.id)
                label = book.vocab["flags"][out.id][lang]
                item = {"id": out.id, "severity": out.severity, "rule": rule.id, "text": text or label}
                if prev is None or SEVERITY_RANK[out.severity] < SEVERITY_RANK[prev["severity"]]:
                    flags[out.id] = item
            elif out.kind == "warning":
                if out.id not in warnings:
                    warnings[out.id] = {"id": out.id, "rule": rule.id,
                                        "text": text or book.vocab["warnings"][out.id][lang]}
            elif out.kind == "deadline":
                if when is not None and (out.id not in deadlines or when < dt.date.fromisoformat(deadlines[out.id]["date"])):
                    deadlines[out.id] = {"id": out.id, "date": _iso(when),
                                         "text": book.vocab["deadlines"][out.id][lang], "rule": rule.id}
        if rule.message and messages and not superseded and rule.message not in msgs:
            _message(rule, msgs, (requires or {}).get(rule.message), engine, derived.notes, book, renderer, context)
        trace.append({"rule": rule.id, "file": rule.file, "line": rule.line, "source": rule.source,
                      "facts": {name: engine.get(name) for name in rule.reads}})

    actions = _dedupe_actions(actions)
    if plan is not None:
        _wait_no_longer_than_dispute(actions, plan, renderer, lang, context)
    actions.sort(key=lambda a: (a["due"] or "9999-12-31", a["_prio"], a["_order"]))
    _credit(trace, actions, flags, warnings, deadlines, msgs, dropped)
    for a in actions:
        del a["_prio"], a["_order"], a["_out"], a["_rule"]
    return Advice(_document(facts, derived, track_public, lang, actions, flags, warnings, deadlines, msgs, trace, extra))


def _message(rule: Rule, msgs: dict, needs: list | None, engine: dict, notes: list, book: RuleBook,
             renderer: Renderer, context: dict) -> None:
    """The rule's message in both languages, unless what it says does not fit these facts (its
    `requires`: withheld, with a note); a message longer than the platform's box is noted."""
    kind, purpose = rule.message.split("/", 1)
    if needs and not all(holds(t, engine) for t in needs):
        if not any(n.get("message") == rule.message for n in notes if n["kind"] == "message_withheld"):
            notes.append({"kind": "message_withheld", "message": rule.message, "rule": rule.id,
                          "detail": f"message `{rule.message}` of rule `{rule.id}` is not given: what "
                                    "it says does not fit these facts (vocabulary.yaml `requires`)"})
        return
    ctx = dict(context, rule_id=rule.id)
    title = (book.vocab.get("messages") or {}).get(rule.message) or {}
    msgs[rule.message] = {"kind": kind, "purpose": purpose, "rule": rule.id,
                          "title": {lg: title.get(lg) or purpose.replace("_", " ") for lg in LANGS},
                          **{lg: renderer.file(f"{rule.message}.j2", lg, ctx) for lg in LANGS}}
    if kind == "dispute":
        # the platform's form, the text to paste, the evidence to attach: kept apart
        parts = {lg: renderer.blocks(f"{rule.message}.j2", lg, ctx, DISPUTE_PARTS) for lg in LANGS}
        for part in DISPUTE_PARTS:
            if all(part in parts[lg] for lg in LANGS):
                msgs[rule.message][part] = {lg: parts[lg][part] for lg in LANGS}
    limit = context["profile"].get(LIMITS.get(kind, ""))
    if limit and len(msgs[rule.message]["en"]) > int(limit):
        # Said, never cut: a truncated dispute text would lose its evidence list.
        n = len(msgs[rule.message]["en"])
        notes.append({"kind": "message_too_long", "message": rule.message, "length": n,
                      "limit": int(limit), "detail": f"message `{rule.message}` is {n} characters; "
                      f"the platform's box takes {limit}: shorten it before sending"})


def _credit(trace: list, actions: list, flags: dict, warnings: dict, deadlines: dict, msgs: dict,
            dropped: dict) -> None:
    """Each rule's trace says what it gave and which of its actions another rule replaced."""
    gave: dict[str, list[str]] = {}
    for kind, items, key in (("action", actions, "action"), ("flag", flags.values(), "id"),
                             ("warning", warnings.values(), "id"), ("deadline", deadlines.values(), "id")):
        for item in items:
            gave.setdefault(item["rule"], []).append(f"{kind} {item[key]}")
    for name, m in msgs.items():
        gave.setdefault(m["rule"], []).append(f"message {name}")
    for t in trace:
        t["gave"] = gave.get(t["rule"], [])
        t["replaced"] = dropped.get(t["rule"], [])


def _document(facts: Facts, derived: Derived, track_public: dict | None, lang: str, actions: list, flags: dict,
              warnings: dict, deadlines: dict, msgs: dict, trace: list, extra: dict | None) -> dict:
    """The advice document (parcel-advice/1), its fields in their order."""
    flag_list = sorted(flags.values(), key=lambda x: SEVERITY_RANK[x["severity"]])
    data = {
        "schema": SCHEMA,
        "today": facts.today.isoformat(),
        "platform": facts.platform,
        "lang": lang,
        "track": track_public,
        "stage": derived.engine["stage"],
        "days": {
            "since_paid": derived.engine.get("days_since_paid"),
            "since_track_issued": derived.engine.get("days_since_track_issued"),
            "since_last_event": derived.engine.get("days_since_last_event"),
            "in_stage": derived.engine.get("days_in_stage"),
            "protection_left": derived.engine.get("protection_left"),
        },
        "next_step": ({k: actions[0][k] for k in ("action", "due", "rule", "text")} if actions else None),
        "actions": actions,
        "flags": flag_list,
        "warnings": list(warnings.values()),
        "deadlines": sorted(deadlines.values(), key=lambda d: d["date"]),
        "messages": list(msgs.values()),
        "season": derived.engine.get("season"),
        "events": [{"date": e["date"].isoformat(), "status": e["status"], "stage": e["stage"],
                    "postal": e["postal"]} for e in derived.events],
        "notes": derived.notes,
        "missing": [],
        "trace": trace,
    }
    if extra:
        data.update(extra)
    return data


def _wait_no_longer_than_dispute(actions: list[dict], plan, renderer: Renderer, lang: str, context: dict) -> None:
    """One plan: a "wait" never runs past the day the plan opens the dispute; it is shortened
    to that day and its text rendered again with it."""
    days = [a["due"] for a in actions if a["action"] == plan.dispute and a["due"]]
    if not days:
        return
    first = min(days)
    for a in actions:
        if a["action"] == plan.wait and a["due"] and a["due"] > first:
            a["due"] = first
            rule, out = a["_rule"], a["_out"]
            a["text"] = renderer.inline(out.text[lang], lang, context, rule.where,
                                        extra={"due": dt.date.fromisoformat(first), "rule_id": rule.id})


def _dedupe_actions(actions: list[dict]) -> list[dict]:
    """One entry per action id: the earliest due wins (a later date for the same step would let a
    deadline pass), then the more urgent rule (priority), then the rule-book order. The kept
    entry's text was rendered with its own due, so the text shows the date that stands."""
    best: dict[str, dict] = {}
    for a in actions:
        prev = best.get(a["action"])
        key = (a["due"] or "9999-12-31", a["_prio"], a["_order"])
        if prev is None or key < (prev["due"] or "9999-12-31", prev["_prio"], prev["_order"]):
            best[a["action"]] = a
    return list(best.values())
