"""Turning fired rules into the advice (`parcel-advice/1`): evaluate due dates, order the plan,
merge flags, warnings and deadlines, render texts and messages, and record the trace.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, AbstractSet, Any, Callable

from advisor.advice.model import LAST_DAY, SEVERITY_RANK, Advice, AdviceWarning, Deadline, Flag, Message, PlanStep, event_dict
from advisor.engine.derive import Derived
from advisor.text.details import note
from advisor.reading.facts import Facts
from advisor.text.render import LANGS, Renderer
from advisor.base.i18n import DEFAULT, POST
from advisor.knowledge.rulebook import Output, Rule, RuleBook
from advisor.knowledge.rulelang import DATE_NAMES, FACTS, holds

if TYPE_CHECKING:
    from advisor.advice.safety import Plan

__all__ = ["Advice", "Inputs", "build", "template_context", "event_dict"]


# A dispute template's blocks: the answers to the platform's form, the text to paste, the evidence
DISPUTE_PARTS = ("form", "text", "attach")

# message kind -> the profile field holding the platform's length limit for it
LIMITS = {"seller": "seller_message_max_chars", "dispute": "dispute_text_max_chars"}


def template_context(facts: Facts, derived: Derived, track: dict[str, Any] | None, profile: dict[str, Any],
                     book_posts: Callable[[str | None], dict[str, Any] | None]) -> dict[str, Any]:
    """Everything a rule text or message template may use. Absent facts are None, not missing.
    `profile` is the platform's public profile (no `_` keys); templates cannot change what they
    are given (the sandbox is immutable), so nothing here is copied."""
    f = derived.engine
    o = facts.order
    dest = o.destination
    origin = track["origin_country"] if track else None
    dest_cc = dest.country if dest else None
    offered = None
    if facts.dispute and facts.dispute.offered_refund:
        m = facts.dispute.offered_refund
        offered = {"amount": m.amount, "currency": m.currency or (o.price.currency if o.price else None)}
    # an amount without a currency is in the other one's, as the offer is compared with the price (derive.py)
    price = ({"amount": o.price.amount, "currency": o.price.currency or (offered or {}).get("currency")}
             if o.price else None)
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
        "mismatch": derived.mismatch,
        "office_place": derived.office,
        "destination_place": derived.destination_place,
        "tracked_place": derived.tracked_place,
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


_NO_FACTS = dict.fromkeys(FACTS)
_NO_DATES = dict.fromkeys(DATE_NAMES)


def _extension_days(f: dict[str, Any], profile: dict[str, Any]) -> int | None:
    """How many days to ask the seller for: the profile's request, never past its cap (S6)."""
    ask: int | None = profile.get("extension_request_days")
    room = f.get("extension_room_days")
    if ask is None or f.get("protection_left") is None:
        return None
    return ask if room is None else max(0, min(ask, room))


@dataclass
class Step:
    """A step of the plan while the plan is built: what the advice shows of it, and the rule and
    output it came from (its text is rendered again if its date moves)."""

    action: str
    due: dt.date | None
    rule: Rule
    out: Output
    text: str | None

    def key(self) -> tuple[dt.date, int, int]:
        """Earliest first, then the more urgent rule (lower priority number), then rule-book order."""
        return (self.due or LAST_DAY, self.rule.priority, self.rule.order)

    def planned(self, planned: AbstractSet[str] = frozenset()) -> PlanStep:
        """The step as the advice gives it; `unless` names the planned steps it is the fallback of."""
        return PlanStep(self.action, self.due, self.rule.id, self.text, self.rule.source,
                        [a for a in self.out.unless if a in planned])


@dataclass
class _Gathered:
    """What the fired rules gave, before the plan is ordered and the document made."""

    steps: list[Step] = field(default_factory=list)
    flags: dict[str, Flag] = field(default_factory=dict)
    warnings: dict[str, AdviceWarning] = field(default_factory=dict)
    deadlines: dict[str, Deadline] = field(default_factory=dict)
    msgs: dict[str, Message] = field(default_factory=dict)
    trace: list[dict[str, Any]] = field(default_factory=list)
    dropped: dict[str, list[str]] = field(default_factory=dict)   # rule id -> its actions left out


@dataclass
class Inputs:
    """Everything the advice is made from for one parcel: the facts and what was derived from
    them, the rules that fired, and how to render (`plan`: safety.Plan, the dates steps may not
    pass; `requires`: per message, the compiled conditions its text takes for true); and what
    completes the advice before it is given: `guard` checks and repairs the plan's guarantees
    (safety.py), `missing` are the facts that would sharpen it, `describe` gives the notes their
    texts for people."""

    facts: Facts
    derived: Derived
    track: dict[str, Any] | None
    fired: list[str]
    context: dict[str, Any]
    lang: str
    messages: bool = True
    extra: dict[str, Any] | None = None
    plan: Plan | None = None
    requires: dict[str, Any] | None = None
    guard: Callable[[Advice], None] | None = None
    missing: list[dict[str, Any]] = field(default_factory=list)
    describe: Callable[[Advice], None] | None = None


def build(given: Inputs, book: RuleBook, renderer: Renderer) -> Advice:
    """The advice for one parcel, complete: each fired rule's outputs gathered, the plan ordered
    and bounded, each rule's trace credited, then the guarantees checked and repaired, what is
    missing said and the notes described."""
    got = _gather([book.by_id[rid] for rid in given.fired], given, book, renderer)
    steps = _dedupe_steps(got.steps)
    if given.plan is not None:
        _wait_no_longer_than_dispute(steps, given.plan, renderer, given.lang, given.context)
    steps.sort(key=Step.key)
    planned = {s.action for s in steps}
    actions = [s.planned(planned) for s in steps]
    _credit(got.trace, actions, got)
    advice = _advice(given, actions, got, book)
    if given.guard is not None:
        given.guard(advice)
    advice.missing = given.missing
    if given.describe is not None:
        given.describe(advice)
    return advice


def _gather(rules: list[Rule], given: Inputs, book: RuleBook, renderer: Renderer) -> _Gathered:
    """Each rule's outputs, in rule order: steps (unless a more urgent rule replaced them, or the
    plan has no room for them), the most severe flag of an id, the first warning, the earliest
    deadline, its message; and its trace."""
    derived, context, lang, plan = given.derived, given.context, given.lang, given.plan
    engine = derived.engine
    date_of = derived.dates.get

    def number_of(name: str) -> int:
        if name.startswith("profile."):
            return int(context["profile"].get(name.split(".", 1)[1], 0))
        return int(engine.get(name, 0))

    got = _Gathered()
    replacers = [r for r in rules if r.replaces]

    def replaced(action_id: str, rule: Rule) -> bool:
        # A rule replaces actions of rules that are not more urgent than itself (a lower
        # priority number is more urgent), so a frozen order's "wait" outranks routine advice.
        # The steps the plan's guarantees need come from rules of priority 1 (rules/safety.yaml).
        return any(action_id in r.replaces for r in replacers if r is not rule and r.priority <= rule.priority)

    for rule in rules:
        superseded = bool(replacers and rule.action_ids) and all(replaced(a, rule) for a in rule.action_ids)
        for out in rule.outputs:
            when = out.due.evaluate(date_of, number_of) if out.due else None
            if out.kind == "action":
                if replacers and replaced(out.id, rule):
                    got.dropped.setdefault(rule.id, []).append(out.id)
                    continue  # a more specific rule that fired says this action no longer applies
                if plan is not None:
                    when, keep = plan.limit(out.id, when)    # never past the last safe day
                    if not keep:
                        got.dropped.setdefault(rule.id, []).append(out.id)
                        continue
            text = (renderer.inline(out.text[lang], lang, context, out.where_of(lang, rule.where),
                                    extra={"due": when, "rule_id": rule.id}) if out.text else None)
            _take(out, rule, when, text, got, book, lang, context["profile"].get("words") or {})
        if rule.message and given.messages and not superseded and rule.message not in got.msgs:
            _message(rule, rule.message, got.msgs, (given.requires or {}).get(rule.message), engine, derived.notes,
                     book, renderer, context)
        got.trace.append({"rule": rule.id, "file": rule.file, "line": rule.line, "source": rule.source,
                          "facts": {name: engine.get(name) for name in rule.reads}})
    return got


def _take(out: Output, rule: Rule, when: dt.date | None, text: str | None, got: _Gathered, book: RuleBook,
          lang: str, words: dict[str, Any]) -> None:
    """One output of a rule into what was gathered; a label in the platform's own words where its
    profile names one by the id (platforms.yaml `words`: eBay's "Open a case by")."""
    if out.kind == "action":
        got.steps.append(Step(out.id, when, rule, out, text))
    elif out.kind == "flag" and out.severity is not None:      # a flag always has one (rulebook.py)
        prev = got.flags.get(out.id)
        if prev is None or SEVERITY_RANK[out.severity] < SEVERITY_RANK[prev.severity]:
            got.flags[out.id] = Flag(out.id, out.severity, rule.id, text or book.vocab["flags"][out.id][lang])
    elif out.kind == "warning":
        if out.id not in got.warnings:
            got.warnings[out.id] = AdviceWarning(out.id, rule.id, text or (words.get(out.id) or book.vocab["warnings"][out.id])[lang])
    elif out.kind == "deadline":
        have = got.deadlines.get(out.id)
        if when is not None and (have is None or when < have.date):
            got.deadlines[out.id] = Deadline(out.id, when, (words.get(out.id) or book.vocab["deadlines"][out.id])[lang], rule.id)


def _message(rule: Rule, message: str, msgs: dict[str, Any], needs: list[Any] | None, engine: dict[str, Any],
             notes: list[Any], book: RuleBook, renderer: Renderer, context: dict[str, Any]) -> None:
    """The rule's `message` in both languages, unless what it says does not fit these facts (its
    `requires`: withheld, with a note); a message longer than the platform's box is noted."""
    kind, purpose = message.split("/", 1)
    if needs and not all(holds(t, engine) for t in needs):
        if not any(n.get("message") == message for n in notes if n["kind"] == "message_withheld"):
            notes.append(note("message_withheld", {"message": message, "rule": rule.id}))
        return
    ctx = dict(context, rule_id=rule.id)
    # its heading in the platform's words where its profile has one ("before a case" on eBay)
    title = (context["profile"].get("words") or {}).get(message) or (book.vocab.get("messages") or {}).get(message) or {}
    # the language it is sent in: the platform's seller's (platforms.yaml `language`), the post's (languages.yaml)
    send = POST if kind == "post" else str((context["profile"].get("language") or {}).get("seller") or DEFAULT)
    m = msgs[message] = Message(kind, purpose, rule.id,
                                     {lg: title.get(lg) or purpose.replace("_", " ") for lg in LANGS},
                                     {lg: renderer.file(f"{message}.j2", lg, ctx) for lg in LANGS}, send=send)
    if kind == "dispute":
        # the platform's form, the text to paste, the evidence to attach: kept apart
        parts = {lg: renderer.blocks(f"{message}.j2", lg, ctx, DISPUTE_PARTS) for lg in LANGS}
        for part in DISPUTE_PARTS:
            if all(part in parts[lg] for lg in LANGS):
                m.parts[part] = {lg: parts[lg][part] for lg in LANGS}
    limit = context["profile"].get(LIMITS.get(kind, ""))
    if limit and len(m.texts[DEFAULT]) > int(limit):
        # Said, never cut: a truncated dispute text would lose its evidence list.
        n = len(m.texts[DEFAULT])
        notes.append(note("message_too_long", {"message": message, "length": n, "limit": int(limit)}))


def _credit(trace: list[Any], actions: list[PlanStep], got: _Gathered) -> None:
    """Each rule's trace says what it gave and which of its actions another rule replaced."""
    gave: dict[str, list[str]] = {}
    for a in actions:
        gave.setdefault(a.rule, []).append(f"action {a.action}")
    for kind, items in (("flag", got.flags.values()), ("warning", got.warnings.values()),
                        ("deadline", got.deadlines.values())):
        for item in items:
            gave.setdefault(item.rule, []).append(f"{kind} {item.id}")
    for name, m in got.msgs.items():
        gave.setdefault(m.rule, []).append(f"message {name}")
    for t in trace:
        t["gave"] = gave.get(t["rule"], [])
        t["replaced"] = got.dropped.get(t["rule"], [])


def _uncovered(msgs: dict[str, Message], titles: dict[str, Any]) -> list[Message]:
    """The messages, without those another one asked for makes needless (vocabulary.yaml `covers`:
    a "protection is ending" case form and a "not received in time" one are one case)."""
    covered = {c for name in msgs for c in (titles.get(name) or {}).get("covers") or []}
    return [m for name, m in msgs.items() if name not in covered]


def _advice(given: Inputs, actions: list[PlanStep], got: _Gathered, book: RuleBook) -> Advice:
    """The advice's parts in their order: flags by severity, deadlines by date."""
    engine = given.derived.engine
    days = {"since_paid": engine.get("days_since_paid"), "since_track_issued": engine.get("days_since_track_issued"),
            "since_last_event": engine.get("days_since_last_event"), "in_stage": engine.get("days_in_stage"),
            "protection_left": engine.get("protection_left")}
    return Advice(today=given.facts.today, platform=given.facts.platform, lang=given.lang, track=given.track,
                  stage=engine["stage"], days=days, steps=actions,
                  flags=sorted(got.flags.values(), key=lambda x: SEVERITY_RANK[x.severity]),
                  warnings=list(got.warnings.values()), deadlines=sorted(got.deadlines.values(), key=lambda d: d.date),
                  messages=_uncovered(got.msgs, book.vocab.get("messages") or {}), season=engine.get("season"), events=given.derived.events,
                  notes=given.derived.notes, missing=[], trace=got.trace, extra=given.extra)


def _wait_no_longer_than_dispute(steps: list[Step], plan: Plan, renderer: Renderer, lang: str, context: dict[str, Any]) -> None:
    """One plan: a "wait" never runs past the day the plan opens the dispute; it is shortened
    to that day and its text rendered again with it."""
    days = [s.due for s in steps if s.action == plan.dispute and s.due]
    if not days:
        return
    first = min(days)
    for s in steps:
        if s.action == plan.wait and s.due and s.due > first:
            s.due = first
            s.text = (renderer.inline(s.out.text[lang], lang, context, s.out.where_of(lang, s.rule.where),
                                      extra={"due": first, "rule_id": s.rule.id}) if s.out.text else None)


def _dedupe_steps(steps: list[Step]) -> list[Step]:
    """One step per action id: the earliest due wins (a later date for the same step would let a
    deadline pass), then the more urgent rule (priority), then the rule-book order. The kept
    step's text was rendered with its own due, so the text shows the date that stands."""
    best: dict[str, Step] = {}
    for s in steps:
        prev = best.get(s.action)
        if prev is None or s.key() < prev.key():
            best[s.action] = s
    return list(best.values())
