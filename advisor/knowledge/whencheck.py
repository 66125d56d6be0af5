"""A rule's `when` checked before it is compiled: every fact known and compared with a value of
its type, `any` nested within the engine's limit, number sums naming known facts and profile
fields, and no condition that can never hold (a range with nothing in it)."""
from __future__ import annotations

from typing import Any

from advisor.base.errors import RulesError, did_you_mean, one_of
from advisor.knowledge.rulelang import COND_KEYS, FACTS, NUMBER_TYPES, OPS, read_sum
from advisor.base.yamlfile import located


def _allowed_values(fact: str, vocab: dict[str, Any], profiles: dict[str, Any]) -> set[str] | None:
    if fact == "stage":
        return set(vocab["stages"])
    if fact == "platform":
        return set(profiles)
    return None


MAX_ANY_DEPTH = 4    # `any` inside `any` ...: the engine refuses deep nesting (error 113 at 25)
MAX_IN_VALUES = 500  # values one `in` / list condition may name


def check_when(when: Any, rid: str, vocab: dict[str, Any], profiles: dict[str, Any], reads: list[str], depth: int = 0) -> None:
    for fact, cond in when.items():
        where = located(when, fact)
        if fact == "any":
            if depth >= MAX_ANY_DEPTH:
                raise RulesError(f"`any` in rule `{rid}` nests deeper than {MAX_ANY_DEPTH} levels", where=where,
                                 help="write the alternatives side by side in one `any`")
            if not isinstance(cond, list) or not cond:
                raise RulesError(f"`any` in rule `{rid}` must be a list of condition mappings", where=where)
            for alt in cond:
                if not isinstance(alt, dict):
                    raise RulesError(f"`any` in rule `{rid}` must list mappings", where=where)
                check_when(alt, rid, vocab, profiles, reads, depth + 1)
            continue
        listed = cond if isinstance(cond, list) else cond.get("in") if isinstance(cond, dict) else None
        if isinstance(listed, list) and len(listed) > MAX_IN_VALUES:
            raise RulesError(f"the condition on `{fact}` in rule `{rid}` lists {len(listed):,} values", where=where,
                             help=f"a condition lists at most {MAX_IN_VALUES}; test a fact that groups them")
        if fact not in FACTS:
            raise RulesError(f"unknown fact `{fact}` in rule `{rid}`", where=where,
                             help=did_you_mean(fact, FACTS) or "see the fact list in docs/rules.md")
        reads.append(fact)
        ftype = FACTS[fact][0]
        allowed = _allowed_values(fact, vocab, profiles)
        ops = cond if isinstance(cond, dict) else {"equals": cond}
        for op, value in ops.items():
            if op != "equals" and op not in COND_KEYS:
                raise RulesError(f"unknown condition `{op}` on `{fact}` in rule `{rid}`", where=where,
                                 help=did_you_mean(op, COND_KEYS) or one_of(COND_KEYS))
            if op in OPS:
                if ftype not in NUMBER_TYPES:
                    raise RulesError(f"`{op}` needs a number fact; `{fact}` is {ftype}", where=where)
                _number(value, rid, profiles, where, reads)
            elif op == "includes":
                if ftype != "set" or str(value) not in vocab["flags"]:
                    raise RulesError(f"`includes` takes a flag id on `code_flags`; got `{value}` on `{fact}`", where=where,
                                     help=did_you_mean(str(value), vocab["flags"]))
            elif op == "exists":
                if not isinstance(value, bool):
                    raise RulesError(f"`exists` takes true or false, not `{value}`", where=where)
            else:
                values = value if isinstance(value, list) else [value]
                for v in values:
                    _check_value(fact, ftype, v, allowed, rid, where, profiles)
    _check_satisfiable(when, rid)


def _check_value(fact: str, ftype: str, v: Any, allowed: set[str] | None, rid: str, where: str,
                 profiles: dict[str, Any]) -> None:
    if ftype == "bool" and not isinstance(v, bool):
        raise RulesError(f"`{fact}` is true or false, not `{v}`", where=where)
    if ftype in ("int", "number") and (isinstance(v, bool) or not isinstance(v, (int, float))):
        if not (isinstance(v, str) and v.startswith("profile.")):
            raise RulesError(f"`{fact}` is a number, not `{v}`", where=where)
    if ftype == "text" and not isinstance(v, str):
        raise RulesError(f"`{fact}` is text, not `{v}`", where=where)
    if allowed is not None and v not in allowed:
        raise RulesError(f"unknown {fact} `{v}` in rule `{rid}`", where=where,
                         help=did_you_mean(str(v), allowed) or one_of(allowed))


def _number(value: Any, rid: str, profiles: dict[str, Any], where: str, reads: list[str]) -> None:
    if isinstance(value, bool):
        raise RulesError(f"expected a number, not `{value}`", where=where)
    if isinstance(value, (int, float)):
        return
    text = str(value)
    terms, unread = read_sum(text)
    for _sign, term in terms:
        if term.isdigit():
            continue
        if term.startswith("profile."):
            profile_value(term, profiles, where)
        elif term in FACTS and FACTS[term][0] in NUMBER_TYPES:
            reads.append(term)
        else:
            raise RulesError(f"`{term}` in rule `{rid}` is neither a number fact nor a profile value", where=where,
                             help=did_you_mean(term, [k for k, v in FACTS.items() if v[0] in NUMBER_TYPES]))
    if unread is not None:
        raise RulesError(f"cannot read the number expression `{text}` in rule `{rid}`", where=where,
                         help="write a number, a fact, or sums like `profile.dispute_earliest_days + 5`")


def profile_value(term: str, profiles: dict[str, Any], where: str) -> None:
    name = term.split(".", 1)[1]
    missing = [p for p, prof in profiles.items() if not isinstance(prof.get(name), (int, float)) or isinstance(prof.get(name), bool)]
    if len(missing) == len(profiles):
        keys = {k for prof in profiles.values() for k, v in prof.items() if isinstance(v, int) and not isinstance(v, bool)}
        raise RulesError(f"no platform profile has a number `{name}`", where=where,
                         help=did_you_mean(name, keys) or "add it to rules/platforms.yaml")


def _bounds(when: dict[str, Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for fact, cond in when.items():
        if fact == "any" or not isinstance(cond, dict):
            continue
        lo, hi = float("-inf"), float("inf")
        for op, v in cond.items():
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                continue
            if op == "above":
                lo = max(lo, v + 1 if isinstance(v, int) and FACTS.get(fact, ("",))[0] == "int" else v)
            elif op == "at_least":
                lo = max(lo, v)
            elif op == "below":
                hi = min(hi, v - 1 if isinstance(v, int) and FACTS.get(fact, ("",))[0] == "int" else v)
            elif op == "at_most":
                hi = min(hi, v)
        out[fact] = [lo, hi]
    return out


def _check_satisfiable(when: dict[str, Any], rid: str) -> None:
    """Catch conditions that contradict each other, e.g. `below: 5` with `above: 10`."""
    for fact, (lo, hi) in _bounds(when).items():
        if lo > hi:
            raise RulesError(f"rule `{rid}` can never fire: `{fact}` cannot be at least {lo} and at most {hi}",
                             where=located(when, fact),
                             help="check the numbers in its conditions")
