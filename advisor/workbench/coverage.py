"""`advise rules coverage` (and the end of `rules test`): which rules, conditions and messages
never fire over the example cases and generated timelines, like `opa test --coverage`.

A rule is covered when it fires for some parcel; a condition (one key of a rule's `when`, and
each group of an `any`) when it holds for some parcel on a platform the rule applies to, read
with the engine's own semantics (conditions.holds); a message when some advice carries it. A
condition that never holds is a rule part no parcel reaches: a threshold out of range, a stage
no timeline has, or a case still to write.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, TYPE_CHECKING

from advisor.engine.compiler import compile_map
from advisor.knowledge.rulelang import holds
from advisor.base.errors import AdvisorError
from advisor.workbench.workload import Parcel
from advisor.base.yamlfile import plain

if TYPE_CHECKING:
    from advisor.api import Advisor
    from advisor.knowledge.rulebook import Rule


@dataclass
class Coverage:
    parcels: int = 0
    refused: int = 0
    rules: dict[str, int] = field(default_factory=dict)          # rule id -> parcels it fired for
    conditions: dict[str, int] = field(default_factory=dict)     # `rule: fact: condition` -> parcels it held for
    messages: dict[str, int] = field(default_factory=dict)       # message name -> parcels that got it

    def part(self, name: str) -> tuple[int, int]:
        table = getattr(self, name)
        return sum(1 for n in table.values() if n), len(table)

    def percent(self, name: str | None = None) -> float:
        parts = [self.part(name)] if name else [self.part(n) for n in ("rules", "conditions", "messages")]
        covered, total = sum(p[0] for p in parts), sum(p[1] for p in parts)
        return 100.0 * covered / total if total else 100.0

    def never(self, name: str) -> list[str]:
        return [k for k, n in getattr(self, name).items() if not n]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"schema": "parcel-coverage/1", "parcels": self.parcels, "refused": self.refused,
                     "percent": round(self.percent(), 1)}
        for name in ("rules", "conditions", "messages"):
            covered, total = self.part(name)
            out[name] = {"covered": covered, "total": total, "percent": round(self.percent(name), 1),
                         "never": self.never(name)}
        return out


def condition_label(rule_id: str, fact: str, cond: Any) -> str:
    return f"{rule_id}: {fact}: {_show(plain(cond))}"


def _show(v: Any) -> str:
    """A condition as the rule file writes it, in flow style: `{at_least: 15 + season_extra_days}`."""
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_show(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    return str(v).lower() if isinstance(v, bool) else str(v)


def _conditions(rule: Rule) -> list[tuple[str, dict[str, Any]]]:
    """(label, a `when` of its own) for each condition of the rule, each group of an `any` too."""
    out: list[tuple[str, dict[str, Any]]] = []
    for fact, cond in rule.when.items():
        out.append((condition_label(rule.id, fact, cond), {fact: cond}))
        if fact == "any":
            for i, alt in enumerate(cond):
                out.append((condition_label(rule.id, f"any[{i + 1}]", alt), dict(alt)))
    return out


class Counter:
    """Counts over one advisor; the compiled conditions are kept per platform."""

    def __init__(self, advisor: Advisor):
        self.advisor = advisor
        self.result = Coverage(rules={r.id: 0 for r in advisor.book.rules},
                               messages={m: 0 for m in sorted(advisor.messages)})
        self.terms: dict[str, list[tuple[str, list[Any] | None]]] = {}
        for platform, profile in advisor.profiles.items():
            self.terms[platform] = []
            for rule in advisor.book.rules:
                if rule.platforms and platform not in rule.platforms:
                    continue
                for label, when in _conditions(rule):
                    self.result.conditions.setdefault(label, 0)
                    self.terms[platform].append((label, compile_map(when, profile)))

    def add(self, parcel: Parcel) -> None:
        r = self.result
        r.parcels += 1
        try:
            prepared = self.advisor.prepare(parcel.facts, parcel.today)
            advice = self.advisor.advise(prepared.facts, today=parcel.today).to_dict()
        except AdvisorError:
            r.refused += 1
            return
        fact = prepared.derived.engine
        for label, terms in self.terms[prepared.facts.platform]:
            if terms is not None and all(holds(t, fact) for t in terms):
                r.conditions[label] += 1
        for t in {t["rule"] for t in advice["trace"]}:
            r.rules[t] = r.rules.get(t, 0) + 1
        for m in advice["messages"]:
            name = f"{m['kind']}/{m['purpose']}"
            r.messages[name] = r.messages.get(name, 0) + 1


def measure(advisor: Advisor, parcels: list[Parcel], step: Callable[[], object] | None = None) -> Coverage:
    counter = Counter(advisor)
    for parcel in parcels:
        counter.add(parcel)
        if step:
            step()
    return counter.result


def text(cov: Coverage, limit: int = 50) -> list[str]:
    """The coverage as lines: a line per part with its share, then what never fired."""
    lines = [f"coverage over {cov.parcels:,} parcels ({cov.refused:,} refused): {cov.percent():.1f}%"]
    for name, what in (("rules", "rules never fired"), ("conditions", "conditions never held"),
                       ("messages", "messages never given")):
        covered, total = cov.part(name)
        never = cov.never(name)
        lines.append(f"  {name}: {covered}/{total} ({cov.percent(name):.1f}%)")
        lines.append(f"  {what}: " + (", ".join(never[:limit]) if never else "none")
                     + (f" ... and {len(never) - limit} more" if len(never) > limit else ""))
    return lines
