"""The plan's guarantees (safety invariants, `rules/safety.yaml`), checked on every advice.

Rules that are each right can still add up to a wrong plan. This module states what must hold
whatever the rules say (a dated dispute before protection runs out, no step past the last safe
day, a closed case stays closed, no "wait" after "dispute now", a next step when a deadline is
near), repairs an advice that breaks one, and says so in `notes` (kind `safety_repair`), which
`rules test` and the generated-timeline tests treat as a failure. The day counts are the
platform profile's; which actions and messages each guarantee concerns is data in the file.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable

from advisor.advice.model import LAST_DAY, PlanStep
from advisor.advice.coherence import Coherence
from advisor.text.details import detail, note
from advisor.base.errors import RulesError, did_you_mean
from advisor.base.i18n import LANGS
from advisor.knowledge.rulelang import profile_sum
from advisor.base.yamlfile import located

if TYPE_CHECKING:
    from advisor.advice.model import Advice
    from advisor.knowledge.rulebook import Rule

# renders a text of rules/safety.yaml (a text in each language) with its values in the advice's language
Render = Callable[[dict[str, Any], dict[str, Any]], str]
# a plain condition of a rule, per fact: (the values it allows or None, lowest, highest number)
Range = tuple["set[Any] | None", float, float]

RULE_ID = "safety"           # the `rule` of a step a repair adds


@dataclass(frozen=True)
class Plan:
    """What the guarantees ask of one parcel's plan while it is built: how late a step may be
    dated (`day`, None when deadline safety does not apply; `dropped` steps are left out once the
    last safe day has `passed`), and which step may not outlast which (`wait` never after the
    plan's `dispute`)."""
    day: dt.date | None
    passed: bool
    capped: frozenset[str]
    dropped: frozenset[str]
    wait: str
    dispute: str

    def limit(self, action: str, due: dt.date | None) -> tuple[dt.date | None, bool]:
        """(the due to use, keep the step?)"""
        if self.day is None or due is None or action not in self.capped or due <= self.day:
            return due, True
        if self.passed and action in self.dropped:
            return due, False
        return self.day, True


class Safety:
    def __init__(self, doc: dict[str, Any], vocab: dict[str, Any], messages: set[str], where: str = "rules/safety.yaml"):
        inv = doc.get("invariants") if isinstance(doc, dict) else None
        if not isinstance(inv, dict):
            raise RulesError("expected a mapping with `invariants`", where=f"{where}:1:1")
        need = ("deadline_safety", "never_empty", "closed_stays_closed", "one_plan", "platform_isolation")
        for name in need:
            if not isinstance(inv.get(name), dict):
                raise RulesError(f"the invariant `{name}` is missing", where=_at(inv, None, where),
                                 help=f"every one of {', '.join(need)} is stated in this file")
        actions, self.where = set(vocab["actions"]), where

        def ids(node: dict[str, Any], key: str, known: set[str], what: str) -> frozenset[str]:
            values = node.get(key) or []
            if isinstance(values, str):
                values = [values]
            for v in values:
                if v not in known:
                    raise RulesError(f"unknown {what} `{v}` in `{key}`", where=_at(node, key, where),
                                     help=did_you_mean(str(v), known) or "see rules/vocabulary.yaml")
            return frozenset(values)

        d = inv["deadline_safety"]
        self.dispute_action = next(iter(ids(d, "dispute_action", actions, "action")))
        pd: dict[str, Any] = d.get("platform_deadline") or {}
        self.platform_days, self.platform_from = pd.get("days"), pd.get("from")
        self.capped = ids(d, "capped", actions, "action")
        self.dropped = ids(d, "dropped_once_passed", actions, "action")
        self.deadline_text = _text(d, where)
        n = inv["never_empty"]
        self.horizon = int(n.get("horizon_days", 30))
        self.never_empty_text = _text(n, where)
        c = inv["closed_stays_closed"]
        self.after_refund = (ids(c["after_refund"], "actions", actions, "action"),
                             ids(c["after_refund"], "messages", messages, "message"))
        self.after_receipt = (ids(c["after_receipt"], "actions", actions, "action"),
                              ids(c["after_receipt"], "messages", messages, "message"))
        self.pay_action = next(iter(ids(c, "refund_then_received", actions, "action")))
        o = inv["one_plan"]
        self.wait_action = next(iter(ids(o, "wait_action", actions, "action")))
        self.plan_dispute = next(iter(ids(o, "dispute_action", actions, "action")))
        self.platform_guidance = {str(k): [str(p) for p in v]
                                  for k, v in (inv["platform_isolation"].get("guidance") or {}).items()}
        self.platform_named = frozenset(str(g) for g in inv["platform_isolation"].get("named") or ())
        self.source = [str(s) for s in doc.get("source") or []]
        self.coherence = Coherence(inv["coherence"], vocab, where) if isinstance(inv.get("coherence"), dict) else None

    # ---- what the rules may date, before anything is rendered

    def plan(self, f: dict[str, Any], dates: dict[str, Any], today: dt.date, profile: dict[str, Any]) -> Plan:
        """The bounds for this parcel's plan. The latest day steps may carry is the last safe day
        (today once it has passed); there is none when deadline safety does not apply (received,
        refunded, a dispute open, protection unknown or past its after-window)."""
        window = self._window(f, dates, today, profile)
        day: dt.date | None = None
        passed = False
        if window is not None:
            day, passed = max(today, window[0]), window[0] < today
        return Plan(day, bool(passed), self.capped, self.dropped, self.wait_action, self.plan_dispute)

    def _window(self, f: dict[str, Any], dates: dict[str, Any], today: dt.date, profile: dict[str, Any]) -> tuple[dt.date, dt.date] | None:
        """(last safe day, the day protection ends) for this parcel, or None."""
        if f.get("received") or f.get("refund_received") or f.get("dispute_open"):
            return None
        after = int(profile.get("dispute_after_end_days", 0))
        ends = dates.get("protection_ends")
        own = profile.get(self.platform_days) if self.platform_days else None
        if isinstance(own, int):         # the platform counts from its own date (D15)
            start = dates.get(self.platform_from) if self.platform_from is not None else None
            ends, after = (start + dt.timedelta(days=own) if start else None), 0
        if ends is None or today > ends + dt.timedelta(days=after):
            return None
        return ends - dt.timedelta(days=int(profile.get("dispute_last_safe_days", 0))), ends

    # ---- checking and repairing a built advice

    def enforce(self, advice: "Advice", f: dict[str, Any], dates: dict[str, Any], profile: dict[str, Any], render: Render, labels: dict[str, Any]) -> None:
        """Check every guarantee on the advice being built, repair what is broken and add a
        `safety_repair` note per repair. `render(text, extra)` renders a text of this file in the
        advice's language; `labels` are the deadline labels in that language."""
        today = advice.today
        fix = _Repairs(advice)
        self._closed_stays_closed(fix, f)
        self._deadline_safety(fix, f, dates, today, profile, render)
        self._one_plan(fix)
        self._never_empty(fix, f, today, render, labels)
        if self.coherence is not None:
            self.coherence.enforce(fix, f, dates, advice.lang, render)
        if fix.changed:
            advice.steps.sort(key=lambda a: a.due or LAST_DAY)      # stable: ties keep the rules' order

    def _closed_stays_closed(self, fix: "_Repairs", f: dict[str, Any]) -> None:
        """No step or message of an open case once the parcel is in hand or the money back."""
        received, refunded = bool(f.get("received")), bool(f.get("refund_received"))
        forbidden = self.after_refund if refunded else self.after_receipt if received else None
        advice = fix.advice
        actions = advice.steps
        if forbidden:
            bad_actions, bad_messages = forbidden
            for a in [a for a in actions if a.action in bad_actions]:
                actions.remove(a)
                fix.changed = True
                fix("closed_stays_closed", "closed_step", action=a.action, rule=a.rule)
            for m in [m for m in advice.messages if m.id in bad_messages]:
                advice.messages.remove(m)
                fix("closed_stays_closed", "closed_message", message=m.id)
        if refunded and received and not any(a.action == self.pay_action for a in actions):
            advice.notes.append(note("safety_repair", {"invariant": "closed_stays_closed"}, sentence="safety_unrepaired",
                                     repair=detail("repairs", "no_pay_step", {"action": self.pay_action})))

    def _deadline_safety(self, fix: "_Repairs", f: dict[str, Any], dates: dict[str, Any], today: dt.date, profile: dict[str, Any], render: Render) -> None:
        """A dispute dated by the last safe day while protection runs; no capped step after it."""
        window = self._window(f, dates, today, profile)
        if window is None:
            return
        actions = fix.advice.steps
        last_safe, ends = window
        limit = max(today, last_safe)
        disputes = [a for a in actions if a.action == self.dispute_action]
        if not disputes or min(a.due or LAST_DAY for a in disputes) > limit:
            for a in disputes:
                actions.remove(a)
            actions.append(PlanStep(self.dispute_action, limit, RULE_ID,
                                    render(self.deadline_text, {"due": limit, "protection_ends": ends}), self.source))
            fix.changed = True
            fix("deadline_safety", "dispute_missing", action=self.dispute_action, limit=limit.isoformat(),
                ends=ends.isoformat())
        for a in [a for a in actions if a.action in self.capped and a.due and a.due > limit]:
            a.due = limit
            fix.changed = True
            fix("deadline_safety", "step_too_late", action=a.action, rule=a.rule, limit=limit.isoformat())

    def _one_plan(self, fix: "_Repairs") -> None:
        """No wait past the day the plan opens the dispute."""
        actions = fix.advice.steps
        dispute_days = [a.due for a in actions if a.action == self.plan_dispute and a.due]
        if not dispute_days:
            return
        first = min(dispute_days)
        for a in [a for a in actions if a.action == self.wait_action and (a.due or LAST_DAY) > first]:
            actions.remove(a)
            fix.changed = True
            fix("one_plan", "wait_past_dispute", action=a.action, rule=a.rule, due=_iso(a.due),
                dispute=self.plan_dispute, first=first.isoformat())

    def _never_empty(self, fix: "_Repairs", f: dict[str, Any], today: dt.date, render: Render, labels: dict[str, Any]) -> None:
        """An open case with a deadline within the horizon has a dated step."""
        advice, actions = fix.advice, fix.advice.steps
        if (f.get("received") and not f.get("dispute_open")) or any(a.due for a in actions):
            return
        soon = [d for d in advice.deadlines if today <= d.date <= today + dt.timedelta(days=self.horizon)]
        if not soon:
            return
        first = min(soon, key=lambda d: d.date)
        actions.append(PlanStep(self.wait_action, first.date, RULE_ID,
                                render(self.never_empty_text, {"due": first.date, "label": labels[first.id]}),
                                self.source))
        fix.changed = True
        fix("never_empty", "never_empty", deadline=first.id, date=first.date.isoformat())

    # ---- rules check

    def rule_problems(self, rules: Iterable[Rule], profiles: dict[str, Any]) -> list[RulesError]:
        """What can be told from the rules alone. Platform isolation: a rule citing a platform's own
        guidance names only those platforms. One plan: two rules of the same priority must not each
        replace a step the other gives (when both fire, neither step would be left)."""
        out: list[RulesError] = []
        rules = list(rules)
        for i, a in enumerate(rules):
            for b in rules[i + 1:]:
                if a.priority != b.priority or not a.replaces or not b.replaces:
                    continue
                if set(a.replaces) & set(b.action_ids) and set(b.replaces) & set(a.action_ids) \
                        and _may_fire_together(a, b, profiles):
                    out.append(RulesError(
                        f"rules `{a.id}` and `{b.id}` (both priority {a.priority}) replace each other's steps: "
                        "when both fire, neither step is given", where=b.where,
                        help=f"give the one that should win a lower `priority` number (see {a.where})"))
        for rule in rules:
            for gid in rule.source:
                allowed = self.platform_guidance.get(gid)
                if allowed and (not rule.platforms or not set(rule.platforms) <= set(allowed)):
                    out.append(RulesError(
                        f"rule `{rule.id}` cites {gid}, which is about {', '.join(allowed)} only, but would fire on "
                        f"{', '.join(sorted(set(rule.platforms) - set(allowed))) or 'every platform'}",
                        where=rule.where, help=f"add `platforms: [{', '.join(allowed)}]` to the rule, or cite another id"))
            unsaid = sorted(set(rule.source) & self.platform_named, key=rule.source.index)
            if unsaid and not rule.platforms_said:
                out.append(RulesError(
                    f"rule `{rule.id}` cites {', '.join(unsaid)}, guidance of one platform's disputes, but does not say "
                    "on which platforms it holds", where=rule.where,
                    help="add `platforms: [aliexpress, ...]`, or `platforms: all` when it holds on every platform"))
        return out


def _may_fire_together(a: Rule, b: Rule, profiles: dict[str, Any]) -> bool:
    """False when no platform lets both rules' conditions hold at once: they are limited to other
    platforms, need different values of one fact, or need number ranges that do not meet."""
    for name, profile in profiles.items():
        if (a.platforms and name not in a.platforms) or (b.platforms and name not in b.platforms):
            continue
        ca, cb = _conditions(a.when, profile), _conditions(b.when, profile)
        if all(_meet(ca[f], cb[f]) for f in set(ca) & set(cb)):
            return True
    return False


def _conditions(when: dict[str, Any], profile: dict[str, Any]) -> dict[str, Range]:
    """fact -> (allowed values or None, low, high) for the plain conditions of a rule (`any` is
    left out: it only narrows); number sums over profile values are worked out."""
    out: dict[str, Range] = {}
    for fact, cond in when.items():
        if fact == "any":
            continue
        ops = cond if isinstance(cond, dict) else {"equals": cond}
        values: set[Any] | None = None
        lo, hi = float("-inf"), float("inf")
        for op, v in ops.items():
            if op in ("equals", "in"):
                values = set(v) if isinstance(v, list) else {v}
            elif op in ("below", "at_most", "above", "at_least"):
                n = profile_sum(v, profile)
                if n is None:
                    continue
                if op == "below":
                    hi = min(hi, n - 1)        # day counts are whole numbers
                elif op == "at_most":
                    hi = min(hi, n)
                elif op == "above":
                    lo = max(lo, n + 1)
                else:
                    lo = max(lo, n)
        out[fact] = (values, lo, hi)
    return out


def _meet(x: Range, y: Range) -> bool:
    vx, lox, hix = x
    vy, loy, hiy = y
    if vx is not None and vy is not None and not vx & vy:
        return False
    return max(lox, loy) <= min(hix, hiy)


def _text(node: dict[str, Any], where: str) -> dict[str, Any]:
    text = node.get("text")
    if not isinstance(text, dict) or not all(isinstance(text.get(lang), str) and text[lang].strip() for lang in LANGS):
        raise RulesError("a safety text needs " + " and ".join(f"`{lang}`" for lang in LANGS), where=_at(node, "text", where))
    return {lang: text[lang] for lang in LANGS}


def _at(node: dict[str, Any], key: str | None, where: str) -> str:
    return located(node, key if key is not None and key in node else None, f"{where}:1:1")


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


@dataclass
class _Repairs:
    """The advice being checked; calling it notes one repair (`repairs:` in templates/details.yaml)."""

    advice: "Advice"
    changed: bool = False       # a step was added, moved or removed: the plan is ordered again

    def __call__(self, invariant: str, found: str, **values: Any) -> None:
        self.advice.notes.append(note("safety_repair", {"invariant": invariant},
                                       repair=detail("repairs", found, values)))
