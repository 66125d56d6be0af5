"""The rule language in one place: the facts and date facts rules test (`FACTS`, `DATES`), the
conditions of a `when` and how a compiled one is read in Python, the number sums
(`profile.first_scan_react_days + 5`) and the `due` date expressions. The loader (rulebook.py),
its checks (whencheck.py), the compiler (compiler.py), `--why-not` (explain.py), the guarantees
and the templates' context all read them from here: a new fact or date fact is one entry below.

A due expression is a date fact, `today`, or `latest(...)` / `earliest(...)` of them, plus or
minus day counts: `protection_ends - 5d`, `latest(today, track_issued + 10d)`,
`last_event + 14d + season_extra_days`, `track_issued + profile.first_scan_react_days`.
"""
from __future__ import annotations

import datetime as dt
import operator
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable

# name -> (type, meaning). Types are fixed: the engine compares mixed types as strings.
FACTS: dict[str, tuple[str, str]] = {
    "platform": ("text", "platform profile id: aliexpress, joom, ebay, ok"),
    "received": ("bool", "the buyer has the parcel in hand"),
    "has_code": ("bool", "a track code was given"),
    "code_kind": ("text", "s10, yanwen, fake_service, domestic, order_number, carrier, express, marketplace, unknown"),
    "code_format": ("text", "the format id from track_formats.yaml, or unknown"),
    "code_valid": ("bool", "the code is a valid code of its format"),
    "check_digit_ok": ("bool", "the check digit matches (absent when the format has none)"),
    "code_tracked": ("text", "full, origin_only, destination_only, none, unknown"),
    "code_service": ("text", "the service the code says (registered, letter, ems, ...)"),
    "code_changed": ("bool", "normalising the code changed something"),
    "code_misread": ("bool", "a change that may mean a misread character (track_formats.yaml misread_changes)"),
    "code_origin": ("text", "the origin country the code names"),
    "code_flags": ("set", "flag ids the code's format raises; test with {includes: FLAG}"),
    "code_uncertain": ("bool", "another real reading of the code is nearly as likely (track_formats.yaml uncertain_within)"),
    "stage": ("text", "the current delivery stage id"),
    "events_count": ("int", "postal events in the history"),
    "seller_events_count": ("int", "statuses typed by the seller on the order page"),
    "seller_statuses_only": ("bool", "there are seller-typed statuses and no postal event"),
    "moved": ("bool", "a postal event beyond pre-advice exists (real movement)"),
    "exported": ("bool", "the parcel has reached the export stage or later"),
    "unknown_statuses": ("int", "statuses no phrase in stages.yaml recognised"),
    "post_problem": ("text", "what the post's latest code without a stage says: lost, seized, destroyed, prohibited, cancelled, renumbered, suspended, not_delivered, exception"),
    "events_before_order": ("int", "events dated before payment or the code's issue (a reused number)"),
    "days_since_paid": ("int", "days from payment to today"),
    "days_since_track_issued": ("int", "days from the day the code was given to today"),
    "days_since_shipped": ("int", "days since the first shipment: the code's issue or its first postal scan, whichever came first, never before payment"),
    "days_since_last_event": ("int", "days since the latest postal event"),
    "days_since_first_event": ("int", "days since the first postal event"),
    "days_in_stage": ("int", "days since the current stage began"),
    "days_since_pre_advice": ("int", "days since the first pre-advice event"),
    "protection_left": ("int", "days until protection ends (negative once it has ended)"),
    "protection_total_days": ("int", "days from payment to the end of protection"),
    "extension_room_days": ("int", "days the seller can still extend protection (profile cap minus total)"),
    "promised_days": ("int", "delivery time the seller promised"),
    "days_past_promise": ("int", "days since the promised delivery date (negative before it)"),
    "destination_country": ("text", "the order's destination country (ISO code)"),
    "destination_mismatch": ("bool", "the post shows the parcel at an office or delivered in another country, region or city than the order's (or the tracker's destination is another country)"),
    "destination_mismatch_level": ("text", "country, region or city"),
    "weight_diff_g": ("int", "largest difference between two real weighings, in grams"),
    "shipping_express": ("bool", "the shipping method names an express carrier (DHL, EMS, ...)"),
    "shipping_free": ("bool", "shipping was free"),
    "shipping_courier": ("bool", "the shipping method names a courier service (SPSR, CDEK, ...)"),
    "price_usd": ("number", "the price when given in USD"),
    "seller_messaged": ("bool", "the buyer has written to the seller"),
    "days_since_seller_messaged": ("int", "days since the buyer wrote to the seller"),
    "seller_replied": ("bool", "the seller answered"),
    "seller_templated_replies": ("bool", "the seller answers with templates, no new number"),
    "seller_extended_days": ("int", "days the seller already extended protection by"),
    "dispute_open": ("bool", "a dispute is open and no refund has arrived"),
    "days_since_dispute_opened": ("int", "days since the dispute was opened"),
    "seller_response": ("text", "none, rejected, partial_refund, resend_promise, accepted"),
    "offer_on_table": ("bool", "the seller offered money in the dispute"),
    "offer_partial": ("bool", "the offer is less than the price in the order's currency (or the seller calls it partial and names no amount)"),
    "offer_vs_price": ("text", "full (the price or more), partial, or unknown (no price, or another currency than the order's)"),
    "offer_share_pct": ("int", "the offer as a whole percentage of the price, when both are in the order's currency"),
    "dispute_escalated": ("bool", "the dispute was escalated to a claim"),
    "refund_received": ("bool", "the refund arrived"),
    "order_frozen": ("bool", "the platform froze the order"),
    "order_problem": ("text", "none, wrong_item, defective, not_as_described, missing_items"),
    "season": ("text", "the season stretching wait windows now, or none"),
    "season_extra_days": ("int", "days the current season adds to wait windows (0 outside seasons)"),
    "season_by": ("text", "what put the parcel in the season (seasons.yaml applies_to): today, paid, or none"),
}

# Date names a due expression can use, and the day-count fact that exists exactly when it does
# (derive.py computes both; a template sees every one, None when absent).
DATES: dict[str, str | None] = {
    "today": None,
    "paid": "days_since_paid",
    "track_issued": "days_since_track_issued",
    "shipped": "days_since_shipped",
    "protection_ends": "protection_left",
    "last_event": "days_since_last_event",
    "first_event": "days_since_first_event",
    "stage_since": "days_in_stage",
    "pre_advice_since": "days_since_pre_advice",
    "seller_messaged": "days_since_seller_messaged",
    "dispute_opened": "days_since_dispute_opened",
    "promised_by": "days_past_promise",
}
# the named dates besides today: what the templates' context holds for each parcel
DATE_NAMES = tuple(name for name in DATES if name != "today")
NUMBER_TYPES = ("int", "number")


def is_number_name(name: str) -> bool:
    """A name a due expression may add as days: a profile value or a whole-number fact."""
    return name.startswith("profile.") or (name in FACTS and FACTS[name][0] == "int")


# ---- conditions ------------------------------------------------------------------------------

# The comparisons a rule's `when` may make: its word -> the durable_rules operator it compiles
# to (rulebook.py) and what that operator does, read here in Python. One table for both.
COMPARISONS: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {"below": ("$lt", operator.lt), "at_most": ("$lte", operator.le),
               "above": ("$gt", operator.gt), "at_least": ("$gte", operator.ge)}
OPS = {word: engine_op for word, (engine_op, _test) in COMPARISONS.items()}
_CMP = {engine_op: test for engine_op, test in COMPARISONS.values()}
# the words a condition may use besides the comparisons
COND_KEYS = set(OPS) | {"not", "in", "exists", "includes"}


def _value(expr: object, fact: dict[str, Any]) -> Any:
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


def holds(term: dict[str, Any], fact: dict[str, Any]) -> bool:
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


# ---- number sums -----------------------------------------------------------------------------

# one term of a number sum in a rule (`days_since_track_issued - profile.first_scan_react_days + 5`)
TERM = re.compile(r"\s*([+-])?\s*([A-Za-z_][\w.]*|\d+)\s*")


def sum_terms(value: object) -> list[tuple[int, str]]:
    """The terms of a number sum as (sign, number or name), read leniently (a checked rule's)."""
    return [(-1 if sign == "-" else 1, term) for sign, term in TERM.findall(str(value))]


def read_sum(text: str) -> tuple[list[tuple[int, str]], str | None]:
    """The terms of a number sum as written, up to the first part that cannot be read, and that
    part (None when every part was read)."""
    out: list[tuple[int, str]] = []
    pos = 0
    while pos < len(text):
        m = TERM.match(text, pos)
        if not m or m.end() == pos:
            return out, text[pos:]
        pos = m.end()
        out.append((-1 if m.group(1) == "-" else 1, m.group(2)))
    return out, None


def profile_sum(value: object, profile: dict[str, Any]) -> float | None:
    """A number, or a sum of numbers and `profile.NAME`s worked out; None when it reads a fact
    or a profile value this platform lacks."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    total = 0
    for sign, term in sum_terms(value):
        if term.isdigit():
            total += sign * int(term)
        elif term.startswith("profile.") and _is_number(profile.get(term[8:])):
            total += sign * profile[term[8:]]
        else:
            return None
    return total


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# ---- due expressions -------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(?P<num>\d+)d\b|(?P<name>[a-z_][a-z0-9_.]*)|(?P<op>[-+(),]))")


# a due expression's evaluation: given how to find a date fact and a number, the day (or None)
DateOf = Callable[[str], "dt.date | None"]
NumberOf = Callable[[str], int]
Evaluate = Callable[[DateOf, NumberOf], "dt.date | None"]


@dataclass(frozen=True)
class DateExpr:
    """A parsed due expression; `dates()` lists the date facts it needs."""

    text: str
    tree: tuple[Any, ...]

    def dates(self) -> set[str]:
        out: set[str] = set()

        def walk(t: tuple[Any, ...]) -> None:
            if t[0] == "date":
                out.add(t[1])
            elif t[0] in ("latest", "earliest"):
                for a in t[1]:
                    walk(a)
            elif t[0] == "shift":
                walk(t[1])

        walk(self.tree)
        return out - {"today"}

    def day_names(self) -> set[str]:
        out: set[str] = set()

        def walk(t: tuple[Any, ...]) -> None:
            if t[0] in ("latest", "earliest"):
                for a in t[1]:
                    walk(a)
            elif t[0] == "shift":
                walk(t[1])
                for _sign, amount in t[2]:
                    if isinstance(amount, str):
                        out.add(amount)

        walk(self.tree)
        return out

    def evaluate(self, date_of: DateOf, number_of: NumberOf) -> dt.date | None:
        return self._run(date_of, number_of)

    @cached_property
    def _run(self) -> Evaluate:
        """The tree turned into nested closures once: evaluated for every fired rule's output."""
        return _compiled(self.tree)


def _compiled(t: tuple[Any, ...]) -> Evaluate:
    if t[0] == "date":
        name = t[1]
        return lambda date_of, number_of: date_of(name)
    if t[0] in ("latest", "earliest"):
        parts = [_compiled(a) for a in t[1]]
        pick = max if t[0] == "latest" else min

        def choose(date_of: DateOf, number_of: NumberOf) -> dt.date | None:
            vals = [v for v in (p(date_of, number_of) for p in parts) if v is not None]
            return pick(vals) if vals else None
        return choose
    base_of = _compiled(t[1])
    fixed = sum(sign * a for sign, a in t[2] if isinstance(a, int))
    named = [(sign, a) for sign, a in t[2] if not isinstance(a, int)]

    def shift(date_of: DateOf, number_of: NumberOf) -> dt.date | None:
        base = base_of(date_of, number_of)
        if base is None:
            return None
        days = fixed + sum(sign * number_of(a) for sign, a in named) if named else fixed
        try:
            return base + dt.timedelta(days=days)
        except OverflowError:
            return None
    return shift


def _tokens(s: str) -> list[tuple[str, object]]:
    """A due expression's numbers, names and operators, in order."""
    tokens: list[tuple[str, object]] = []
    pos = 0
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if not m or m.end() == pos:
            if s[pos:].strip() == "":
                break
            raise ValueError(f"cannot read `{s[pos:].strip()}`")
        pos = m.end()
        if m["num"] is not None:
            tokens.append(("num", int(m["num"])))
        elif m["name"] is not None:
            tokens.append(("name", m["name"]))
        else:
            tokens.append(("op", m["op"]))
    return tokens


MAX_DUE_NESTING = 8    # `latest(earliest(...))`: rules nest two deep at most


def parse_expr(text: str, date_names: set[str], number_names: Callable[[str], bool]) -> DateExpr:
    """Parse a due expression; raises ValueError with a readable reason."""
    s = str(text)
    tokens = _tokens(s)
    i = 0

    def peek() -> tuple[str | None, object]:
        return tokens[i] if i < len(tokens) else (None, None)

    def take() -> tuple[str, object]:
        nonlocal i
        i += 1
        return tokens[i - 1]

    def term(depth: int) -> tuple[Any, ...]:
        kind, val = take() if i < len(tokens) else (None, None)
        if kind != "name":
            raise ValueError("expected a date name such as `track_issued` or `today`")
        if val in ("latest", "earliest"):
            if take() != ("op", "("):
                raise ValueError(f"`{val}` needs its dates in parentheses")
            if depth >= MAX_DUE_NESTING:       # 400 deep ran out of stack later: a crash, not an error
                raise ValueError(f"`{val}(` nests deeper than {MAX_DUE_NESTING} levels")
            args = [expr(depth + 1)]
            while peek() == ("op", ","):
                take()
                args.append(expr(depth + 1))
            if take() != ("op", ")"):
                raise ValueError(f"`{val}(` is not closed")
            return (val, tuple(args))
        if val not in date_names:
            raise ValueError(f"`{val}` is not a date fact")
        return ("date", val)

    def expr(depth: int = 0) -> tuple[Any, ...]:
        base = term(depth)
        shifts = []
        while peek() in (("op", "+"), ("op", "-")):
            sign = 1 if take()[1] == "+" else -1
            kind, val = take() if i < len(tokens) else (None, None)
            if kind == "num":
                shifts.append((sign, val))
            elif kind == "name" and isinstance(val, str) and number_names(val):
                shifts.append((sign, val))
            else:
                raise ValueError("expected a number of days such as `7d` or a whole-number fact")
        return ("shift", base, tuple(shifts)) if shifts else base

    tree = expr()
    if i != len(tokens):
        raise ValueError(f"unexpected `{tokens[i][1]}`")
    return DateExpr(s, tree)


def parse_due(text: str) -> DateExpr:
    """A rule's `due`, over the date facts and the number names of this language."""
    return parse_expr(text, set(DATES), is_number_name)
