"""`advise rules impact`: what a change to the rules does to the advice, before it ships.

The same parcels (the cases and N generated timelines, workload.py) are advised by the rules
before and after; each parcel whose advice differs is described by its changes, each of one
kind: the next step, a step's or deadline's date (by how many days), a step added or dropped, a
flag or warning that appeared or went, a message added, dropped or reworded, a step's text, the
stage, a note, or a parcel one side refused. Changes are grouped by kind and what changed
(`wait +5 days`), counted by the rule that gave them and by platform and stage, with a few
parcels per group kept side by side for a reviewer. The trace (which `file:line` a rule is at)
is not advice: a rule that only moved in its file changes nothing here.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from advisor.base.dates import advice_day
from advisor.base.errors import AdvisorError
from advisor.base.i18n import DEFAULT, LANGS
from advisor.workbench.workload import Parcel

if TYPE_CHECKING:
    from advisor.api import Advisor

KINDS = ["refused", "stage", "next_step", "date", "step", "flag", "message", "text", "note", "other"]
KIND_TITLES = {"refused": "refused on one side", "stage": "stage changed", "next_step": "next step changed",
               "date": "a date moved", "step": "a step added or dropped", "flag": "a flag or warning appeared or went",
               "message": "a message added, dropped or reworded", "text": "a step's text changed",
               "note": "a note appeared or went", "other": "another part of the advice changed"}


@dataclass
class Change:
    kind: str
    what: str                    # `wait +5 days`, `+ flag seasonal_delay`, `wait -> message_seller`
    rule: str | None = None


@dataclass
class Group:
    kind: str
    what: str
    count: int = 0
    rules: Counter[str] = field(default_factory=Counter)
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Impact:
    before: str
    after: str
    parcels: int = 0
    cases: int = 0
    changed: list[str] = field(default_factory=list)             # ids of the parcels whose advice changed
    groups: dict[tuple[str, str], Group] = field(default_factory=dict)
    by_rule: Counter[str] = field(default_factory=Counter)
    by_place: Counter[str] = field(default_factory=Counter)            # `platform / stage` -> parcels
    seconds: float = 0.0
    saved: list[tuple[str, dict[str, Any], dict[str, Any]]] = field(default_factory=list)   # (group, parcel, after) per group

    def to_dict(self) -> dict[str, Any]:
        groups = sorted(self.groups.values(), key=lambda g: (KINDS.index(g.kind), -g.count, g.what))
        return {"schema": "parcel-impact/1", "before": self.before, "after": self.after,
                "parcels": self.parcels, "cases": self.cases, "changed_count": len(self.changed),
                "changed": self.changed, "seconds": round(self.seconds, 2),
                "kinds": {k: sum(g.count for g in groups if g.kind == k) for k in KINDS
                          if any(g.kind == k for g in groups)},
                "groups": [{"kind": g.kind, "title": KIND_TITLES[g.kind], "what": g.what, "parcels": g.count,
                            "rules": dict(g.rules.most_common()), "examples": g.examples} for g in groups],
                "by_rule": dict(self.by_rule.most_common()), "by_platform_stage": dict(self.by_place.most_common())}


def advise_both(before: Advisor, after: Advisor, parcel: Parcel) -> tuple[dict[str, Any] | str, dict[str, Any] | str]:
    """The advice of each side, or the refusal's message."""
    out: list[dict[str, Any] | str] = []
    for advisor in (before, after):
        try:
            out.append(advisor.advise(parcel.facts, today=parcel.today).to_dict())
        except AdvisorError as e:
            out.append(f"refused: {e.message}")
    return out[0], out[1]


def compare(old: dict[str, Any] | str, new: dict[str, Any] | str) -> list[Change]:
    """Every change between two advices of one parcel (empty when the advice is the same)."""
    if isinstance(old, str) or isinstance(new, str):
        if old == new:
            return []
        if isinstance(old, str) and isinstance(new, str):
            return [Change("refused", "both sides, for different reasons")]
        return [Change("refused", "before only" if isinstance(old, str) else "after only")]
    out: list[Change] = []
    if old["stage"] != new["stage"]:
        out.append(Change("stage", f"{old['stage']} -> {new['stage']}"))
    a, b = old.get("next_step") or {}, new.get("next_step") or {}
    if a.get("action") != b.get("action"):
        out.append(Change("next_step", f"{a.get('action') or 'none'} -> {b.get('action') or 'none'}",
                          b.get("rule") or a.get("rule")))
    out += _dated(old["actions"], new["actions"], "action", "due", "step")
    out += _dated(old["deadlines"], new["deadlines"], "id", "date", "deadline")
    for key in ("flags", "warnings"):
        out += _presence(old[key], new[key], key[:-1])
    out += _messages(old["messages"], new["messages"])
    kinds_old, kinds_new = Counter(n["kind"] for n in old["notes"]), Counter(n["kind"] for n in new["notes"])
    for kind in sorted(set(kinds_old) | set(kinds_new)):
        if kinds_old[kind] != kinds_new[kind]:
            out.append(Change("note", f"{'+' if kinds_new[kind] > kinds_old[kind] else '-'} note {kind}"))
    if not out:
        rest = sorted(k for k in set(old) | set(new) if k != "trace" and old.get(k) != new.get(k))
        if "track" in rest and isinstance(old.get("track"), dict) and isinstance(new.get("track"), dict):
            a, b = old["track"], new["track"]
            rest[rest.index("track"):rest.index("track") + 1] = sorted(
                f"track.{k}" for k in set(a) | set(b) if a.get(k) != b.get(k))
        if rest:
            out.append(Change("other", ", ".join(rest)))
    return out


def _dated(old: list[dict[str, Any]], new: list[dict[str, Any]], key: str, date: str, what: str) -> list[Change]:
    """Steps (or deadlines) by id: added, dropped, moved by N days; a step's text changed alone."""
    a, b = {x[key]: x for x in old}, {x[key]: x for x in new}
    out = []
    for k in [k for k in a if k not in b]:
        out.append(Change("step" if what == "step" else "date", f"- {what} {k}", a[k].get("rule")))
    for k in [k for k in b if k not in a]:
        out.append(Change("step" if what == "step" else "date", f"+ {what} {k}", b[k].get("rule")))
    for k in [k for k in b if k in a]:
        x, y = a[k].get(date), b[k].get(date)
        if x != y:
            out.append(Change("date", f"{k} {_moved(x, y)}", b[k].get("rule")))
        elif what == "step" and a[k].get("text") != b[k].get("text"):
            out.append(Change("text", f"~ {k}", b[k].get("rule")))
    return out


def _moved(x: str | None, y: str | None) -> str:
    if x is None or y is None:
        return "dated" if y else "undated"
    days = (advice_day(y) - advice_day(x)).days
    return f"{days:+d} day{'s' if abs(days) != 1 else ''}"


def _presence(old: list[dict[str, Any]], new: list[dict[str, Any]], what: str) -> list[Change]:
    a, b = {x["id"]: x for x in old}, {x["id"]: x for x in new}
    return ([Change("flag", f"- {what} {k}", a[k].get("rule")) for k in a if k not in b]
            + [Change("flag", f"+ {what} {k}", b[k].get("rule")) for k in b if k not in a])


def _messages(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[Change]:
    def name(m: dict[str, Any]) -> str: return f"{m['kind']}/{m['purpose']}"
    a, b = {name(m): m for m in old}, {name(m): m for m in new}
    out = [Change("message", f"- {k}", a[k].get("rule")) for k in a if k not in b]
    out += [Change("message", f"+ {k}", b[k].get("rule")) for k in b if k not in a]
    out += [Change("message", f"~ {k}", b[k].get("rule")) for k in b if k in a
            and [a[k].get(lang) for lang in LANGS] != [b[k].get(lang) for lang in LANGS]]
    return out


def fired(advice: dict[str, Any] | str) -> set[str]:
    return set() if isinstance(advice, str) else {t["rule"] for t in advice["trace"]}


def side(advice: dict[str, Any] | str) -> dict[str, Any] | str:
    """What a reviewer compares: the advice a buyer sees, without the trace and the code's details."""
    if isinstance(advice, str):
        return advice
    return {"stage": advice["stage"], "next_step": advice.get("next_step"),
            "actions": [{k: a.get(k) for k in ("action", "due", "rule", "text")} for a in advice["actions"]],
            "flags": [f["id"] for f in advice["flags"]], "warnings": [w["id"] for w in advice["warnings"]],
            "deadlines": {d["id"]: d["date"] for d in advice["deadlines"]},
            "messages": {f"{m['kind']}/{m['purpose']}": m.get(DEFAULT) for m in advice["messages"]},
            "notes": [n["kind"] for n in advice["notes"]], "rules": sorted(fired(advice))}


def run(before: Advisor, after: Advisor, parcels: list[Parcel], *, examples: int = 3,
        step: Callable[[], object] | None = None) -> Impact:
    """Advise every parcel on both sides and gather the changes; `step()` after each parcel."""
    import time
    impact = Impact(str(before.rules_dir), str(after.rules_dir), parcels=len(parcels),
                    cases=sum(p.id.startswith("case ") for p in parcels))
    start = time.perf_counter()
    for parcel in parcels:
        old, new = advise_both(before, after, parcel)
        changes = compare(old, new)
        if changes:
            record(impact, parcel, old, new, changes, examples)
        if step:
            step()
    impact.seconds = time.perf_counter() - start
    return impact


def record(impact: Impact, parcel: Parcel, old: dict[str, Any] | str, new: dict[str, Any] | str, changes: list[Change], examples: int) -> None:
    """One changed parcel into the counts, and into its groups' examples while they have room."""
    impact.changed.append(parcel.id)
    moved = fired(old) ^ fired(new)
    rules = {c.rule for c in changes if c.rule} | moved
    impact.by_rule.update(rules or {"(no rule)"})
    known = new if isinstance(new, dict) else old if isinstance(old, dict) else {"platform": "?", "stage": "?"}
    impact.by_place[f"{known['platform']} / {known['stage']}"] += 1
    for key in dict.fromkeys((c.kind, c.what) for c in changes):
        g = impact.groups.setdefault(key, Group(*key))
        g.count += 1
        g.rules.update(({c.rule for c in changes if (c.kind, c.what) == key and c.rule} | moved) or {"(no rule)"})
        if len(g.examples) < examples:
            g.examples.append({"parcel": parcel.id, "name": parcel.name, "facts": parcel.facts,
                               "today": parcel.today.isoformat() if parcel.today else parcel.facts.get("today"),
                               "before": side(old), "after": side(new)})
            if len(g.examples) == 1 and isinstance(new, dict):
                impact.saved.append((f"{key[0]}: {key[1]}", g.examples[0], new))
