"""Reading a compiled condition (the durable_rules expression a rule's `when` becomes) against
one parcel's derived facts in Python, with durable_rules' own semantics: a test on a missing
fact is false, `$neq` too; `$nex` is true. Used where the engine cannot be asked: `--why-not`
(one condition at a time) and a message's `requires` (vocabulary.yaml).
"""
from __future__ import annotations

import operator
import re

# The comparisons a rule's `when` may make: its word -> the durable_rules operator it compiles
# to (rulebook.py) and what that operator does, read here in Python. One table for both.
COMPARISONS = {"below": ("$lt", operator.lt), "at_most": ("$lte", operator.le),
               "above": ("$gt", operator.gt), "at_least": ("$gte", operator.ge)}
OPS = {word: engine_op for word, (engine_op, _test) in COMPARISONS.items()}
_CMP = {engine_op: test for engine_op, test in COMPARISONS.values()}
# one term of a number sum in a rule (`days_since_track_issued - profile.first_scan_react_days + 5`)
TERM = re.compile(r"\s*([+-])?\s*([A-Za-z_][\w.]*|\d+)\s*")


def _value(expr, fact: dict):
    """A number, `$m` (another fact) or an `$add`/`$sub` tree; None when a fact is missing."""
    if isinstance(expr, dict):
        if "$m" in expr:
            return fact.get(expr["$m"])
        op, parts = next(iter(expr.items()))
        left, right = _value(parts["$l"], fact), _value(parts["$r"], fact)
        if left is None or right is None:
            return None
        return left + right if op == "$add" else left - right
    return expr


def holds(term: dict, fact: dict) -> bool:
    op, body = next(iter(term.items()))
    if op == "$and":
        return all(holds(t, fact) for t in body)
    if op == "$or":
        return any(holds(t, fact) for t in body)
    if op in ("$ex", "$nex"):
        name = next(iter(body))
        return (name in fact) == (op == "$ex")
    if op == "$neq":
        name, v = next(iter(body.items()))
        return name in fact and fact[name] != v
    if op in _CMP:
        name, v = next(iter(body.items()))
        bound = _value(v, fact)
        actual = fact.get(name)
        return actual is not None and bound is not None and not isinstance(actual, (str, bool)) and _CMP[op](actual, bound)
    return op in fact and fact[op] == body  # equality: {"fact": value}
