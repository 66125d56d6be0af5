"""Rules compiled to durable_rules expressions: a rule's `when` for one platform profile, its
number sums (`profile.first_scan_react_days + 5`) as the engine's arithmetic trees, and the date
facts its `due` needs. The comparisons come from rulelang.COMPARISONS, the one table the
Python reader of these expressions (rulelang.holds) uses too.
"""
from __future__ import annotations

from typing import Any

from advisor.knowledge.rulebook import Rule    # noqa: TC001 - the type of compile_when's argument
from advisor.knowledge.rulelang import DATES, OPS, sum_terms

TAG = {"kind": "parcel"}      # every fact asserted carries it; a rule with no condition matches on it


def _num(value: Any, profile: dict[str, Any]) -> Any:
    """A number, or a durable_rules arithmetic tree over profile values and facts."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    terms: list[tuple[int, Any]] = []
    for sign, term in sum_terms(value):
        if term.isdigit():
            terms.append((sign, int(term)))
        elif term.startswith("profile."):
            v = profile.get(term.split(".", 1)[1])
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                return None
            terms.append((sign, v))
        else:
            terms.append((sign, {"$m": term}))
    const = sum(s * t for s, t in terms if not isinstance(t, dict))
    tree = const
    for s, t in terms:
        if isinstance(t, dict):
            tree = {("$add" if s > 0 else "$sub"): {"$l": tree, "$r": t}}
    return tree


def compile_when(rule: Rule, profile: dict[str, Any]) -> dict[str, Any] | None:
    """The rule's `$and` expression for one platform profile, or None if it cannot apply."""
    terms: list[dict[str, Any]] = [dict(TAG)]
    for name in expr_dates(rule):
        fact = DATES.get(name)
        if fact:
            terms.append({"$ex": {fact: 1}})
    body = compile_map(rule.when, profile)
    if body is None:
        return None
    terms += body
    return {"$and": terms}


def expr_dates(rule: Rule) -> list[str]:
    names: set[str] = set()
    for o in rule.outputs:
        if o.due is not None:
            names |= o.due.dates()
    # `latest(...)`/`earliest(...)` tolerate a missing date; a plain reference needs it.
    needed = set()
    for o in rule.outputs:
        if o.due is not None and o.due.tree[0] not in ("latest", "earliest"):
            needed |= o.due.dates()
    return sorted(needed)


def compile_map(when: dict[str, Any], profile: dict[str, Any]) -> list[dict[str, Any]] | None:
    """A `when` mapping as durable_rules terms for one platform profile; None when it names a
    profile value this platform does not have (the rule does not apply there)."""
    terms: list[dict[str, Any]] = []
    for fact, cond in when.items():
        if fact == "any":
            alts: list[dict[str, Any]] = []
            for alt in cond:
                body = compile_map(alt, profile)
                if body is not None:
                    alts.append({"$and": body} if len(body) > 1 else body[0] if body else dict(TAG))
            if not alts:
                return None
            terms.append({"$or": alts})
            continue
        ops = cond if isinstance(cond, dict) else {"equals": cond}
        for op, value in ops.items():
            if op == "equals":
                terms.append(_in(fact, value))
            elif op == "in":
                terms.append(_in(fact, value))
            elif op == "not":
                values = value if isinstance(value, list) else [value]
                terms += [{"$neq": {fact: v}} for v in values]
            elif op == "exists":
                terms.append({("$ex" if value else "$nex"): {fact: 1}})
            elif op == "includes":
                terms.append({f"code_flag__{value}": True})
            else:
                n = _num(value, profile)
                if n is None:
                    return None  # this platform has no such profile value: the rule does not apply
                terms.append({OPS[op]: {fact: n}})
    return terms


def _in(fact: str, value: Any) -> dict[str, Any]:
    if isinstance(value, list):
        return {"$or": [{fact: v} for v in value]} if len(value) > 1 else {fact: value[0]}
    return {fact: value}
