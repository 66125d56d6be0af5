"""One plan that never contradicts itself (`coherence` in `rules/safety.yaml`): steps and warnings
that cannot stand together, a "never" that forbids a step the plan dates, a text that claims a
stage or a running protection the advice is not in, and a step's text naming a day already past.

Rules that are each right can still put "pick the parcel up" beside "open a 'not received'
dispute", or "keep the dispute open" beside "confirm receipt". Which pairs exclude each other is
data; this module checks every advice against it after the other guarantees, repairs what it can
(a step becomes the fallback of the other, or goes) and says so in a `safety_repair` note; what it
cannot repair (a text) is a `safety_unrepaired` note, which `rules test` and `rules safety` fail on.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from advisor.knowledge.rulelang import holds as term_holds
from advisor.text.details import detail, note
from advisor.base.errors import RulesError
from advisor.base.yamlfile import located
from advisor.base.i18n import LANGS, days_in

if TYPE_CHECKING:
    from advisor.advice.model import Advice
    from advisor.advice.safety import Render, _Repairs

NAME = "coherence"
_KINDS = ("action", "warning", "fact")


@dataclass(frozen=True)
class Item:
    """`action ID`, `warning ID` or `fact NAME[=VALUE]` (a fact that holds, or has that value)."""
    kind: str
    id: str
    value: str | None = None

    def __str__(self) -> str:
        return f"{self.kind} {self.id}" + (f"={self.value}" if self.value is not None else "")


@dataclass(frozen=True)
class Pair:
    first: Item
    others: tuple[Item, ...]
    fallback: bool            # a step of `others` may stay as the first one's fallback (`unless`)


@dataclass(frozen=True)
class Claim:
    """Words a text may say only when the advice is so: in one of `stages` (and silent for fewer
    than `quiet_below` days), while protection still runs, or while its `requires` (conditions
    on facts, as a message's `requires` in vocabulary.yaml) hold."""
    words: dict[str, Any]
    stages: frozenset[str] | None
    quiet_below: int | None
    protection_running: bool
    requires: tuple[Any, ...] = ()

    @cached_property
    def lowered(self) -> dict[str, tuple[tuple[str, str], ...]]:
        """Per language, each word and its lower case, made once (not for every text of every parcel)."""
        return {lang: tuple((w, w.lower()) for w in words) for lang, words in self.words.items()}


class Coherence:
    def __init__(self, node: dict[str, Any], vocab: dict[str, Any], where: str):
        known = {"action": set(vocab["actions"]), "warning": set(vocab["warnings"]), "deadline": set(vocab["deadlines"])}

        def item(text: object, at: str) -> Item:
            kind, _, rest = str(text).partition(" ")
            name, _, value = rest.partition("=")
            if kind not in _KINDS or not name or (kind != "fact" and name not in known[kind]):
                raise RulesError(f"`{text}` is not an item of the plan", where=at,
                                 help="write `action ID`, `warning ID` or `fact NAME[=VALUE]` with ids of rules/vocabulary.yaml")
            return Item(kind, name, value or None)

        at = located(node, None, f"{where}:1:1")
        self.pairs = [Pair(item(p["with"], at), tuple(item(x, at) for x in p["not"]), bool(p.get("fallback")))
                      for p in node.get("exclusive") or []]
        self.not_before = [(str(n["warning"]), str(n["action"]), str(n["deadline"])) for n in node.get("not_before") or []]
        for w, a, d in self.not_before:
            if w not in known["warning"] or a not in known["action"] or d not in known["deadline"]:
                raise RulesError(f"`not_before` names an unknown id among `{w}`, `{a}`, `{d}`", where=at)
        self.claims = [Claim({k: list(c[k]) for k in LANGS}, frozenset(c["stages"]) if c.get("stages") else None,
                             c.get("quiet_below"), bool(c.get("protection_running")), _requires(c, vocab, at))
                       for c in node.get("claims") or []]
        # deadlines whose label speaks of the future ("becomes a claim on"): never dated before today
        self.ahead = [str(d) for d in node.get("deadlines_ahead") or []]
        for d in self.ahead:
            if d not in known["deadline"]:
                raise RulesError(f"`deadlines_ahead` names the unknown deadline `{d}`", where=at)
        text = node.get("fallback_text") or {}
        if not all(isinstance(text.get(lang), str) for lang in LANGS):
            raise RulesError("`coherence` needs a `fallback_text` with " + " and ".join(f"`{lang}`" for lang in LANGS), where=at)
        self.fallback_text = {lang: text[lang] for lang in LANGS}

    def enforce(self, fix: _Repairs, f: dict[str, Any], dates: dict[str, Any], lang: str, render: Render) -> None:
        """Check and repair one advice (`fix.advice`); `render(text, values)` renders a text of the
        file in the advice's language."""
        self._pairs(fix, f, render)
        self._not_before(fix)
        self._claims(fix, f, lang)
        self._past_days(fix, dates, lang)
        self._ahead(fix)

    def _present(self, it: Item, advice: "Advice", f: dict[str, Any]) -> list[Any] | bool:
        if it.kind == "fact":
            v = f.get(it.id)
            return bool(v) if it.value is None else str(v) == it.value
        if it.kind == "action":
            return [x for x in advice.steps if x.action == it.id]
        return [x for x in advice.warnings if x.id == it.id]

    def _pairs(self, fix: _Repairs, f: dict[str, Any], render: Render) -> None:
        advice = fix.advice
        for pair in self.pairs:
            if not self._present(pair.first, advice, f):
                continue
            for other in pair.others:
                found = self._present(other, advice, f)
                for x in found if isinstance(found, list) else []:     # a fact is not a step to remove
                    if pair.fallback and other.kind == "action" and pair.first.id in x.unless:
                        continue
                    if pair.fallback and other.kind == "action":
                        x.unless = [pair.first.id]
                        x.text = render(self.fallback_text, {"due": x.due})
                        fix(NAME, "not_fallback", first=str(pair.first), other=str(other), rule=x.rule)
                        continue
                    (advice.steps if other.kind == "action" else advice.warnings).remove(x)
                    fix.changed = True
                    fix(NAME, "excluded", first=str(pair.first), other=str(other), rule=x.rule)

    def _not_before(self, fix: _Repairs) -> None:
        """A "never before DATE" goes when the plan dates that step earlier (the plan's date stands)."""
        advice = fix.advice
        for warning, action, deadline in self.not_before:
            days = [d.date for d in advice.deadlines if d.id == deadline]
            steps = [a.due for a in advice.steps if a.action == action and a.due]
            if days and steps and min(steps) < days[0] and any(w.id == warning for w in advice.warnings):
                advice.warnings = [w for w in advice.warnings if w.id != warning]
                advice.deadlines = [d for d in advice.deadlines if d.id != deadline]
                fix(NAME, "never_before_step", warning=warning, action=action, date=days[0].isoformat(),
                    due=min(steps).isoformat())

    def _claims(self, fix: _Repairs, f: dict[str, Any], lang: str) -> None:
        advice = fix.advice
        texts = [(a.text.lower(), a.rule) for a in advice.steps if a.text] + \
            [(w.text.lower(), w.rule) for w in advice.warnings if w.text]
        for claim in self.claims:
            holds = ((claim.stages is None or f.get("stage") in claim.stages)
                     and (claim.quiet_below is None or (f.get("days_since_last_event") or 0) < claim.quiet_below)
                     and (not claim.protection_running or f.get("protection_left") is None or f["protection_left"] >= 0)
                     and all(term_holds(t, f) for t in claim.requires))
            if holds:
                continue
            for text, rule in texts:
                said = next((w for w, low in claim.lowered[lang] if low in text), None)
                if said:
                    _unrepaired(advice, "claim", words=said, rule=rule)

    def _past_days(self, fix: _Repairs, dates: dict[str, Any], lang: str) -> None:
        """A step names no day before today that is neither a fact of the parcel nor one of the
        advice's own dates (a last day already gone, "up to day 15" on day 20)."""
        advice = fix.advice
        today = advice.today
        known: set[dt.date] | None = None      # the parcel's own dates, gathered only for a past day
        for a in advice.steps:
            for day in days_in(a.text or "", lang):
                if day >= today:
                    continue
                if known is None:
                    known = {d for d in dates.values() if d} | {e.date for e in advice.events} | \
                        {d.date for d in advice.deadlines}
                if day not in known:
                    _unrepaired(advice, "past_day", day=day.isoformat(), rule=a.rule, action=a.action)


    def _ahead(self, fix: _Repairs) -> None:
        """A deadline that reads as still to come ("the dispute becomes a claim on") is not past."""
        advice = fix.advice
        for d in advice.deadlines:
            if d.id in self.ahead and d.date < advice.today:
                _unrepaired(advice, "past_deadline", day=d.date.isoformat(), rule=d.rule, deadline=d.id)


def _requires(claim: dict[str, Any], vocab: dict[str, Any], at: str) -> tuple[Any, ...]:
    """A claim's `requires`, checked and compiled as a rule's `when` (no profile values: a claim
    holds on every platform alike)."""
    when = claim.get("requires")
    if not when:
        return ()
    from advisor.engine.compiler import compile_map
    from advisor.knowledge.whencheck import check_when
    check_when(when, "a coherence claim", vocab, {}, [])
    terms = compile_map(when, {})
    if terms is None:
        raise RulesError("a claim's `requires` may not read profile values", where=at)
    return tuple(terms)


def _unrepaired(advice: "Advice", found: str, **values: Any) -> None:
    advice.notes.append(note("safety_repair", {"invariant": NAME}, sentence="safety_unrepaired",
                              repair=detail("repairs", found, values)))


