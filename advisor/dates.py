"""Dates as buyers write them, and the small date language rules use for `due`.

A due expression is a date fact, `today`, or `latest(...)` / `earliest(...)` of them, plus or
minus day counts: `protection_ends - 5d`, `latest(today, track_issued + 10d)`,
`last_event + 14d + season_extra_days`, `track_issued + profile.first_scan_react_days`.
"""
from __future__ import annotations

import datetime as dt
import re
from functools import cached_property, lru_cache
from dataclasses import dataclass
from typing import Callable

from .errors import Phrase

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_AGO = re.compile(r"^(\d{1,5})\s?[dд]$", re.I)      # 12d, or 12д as a Russian speaker types it


def real_today() -> dt.date:
    """The real date, the machine's local day: the one place the advice reads the clock (every
    interface takes `today` from its input first)."""
    return dt.date.today()


class DateFormatError(ValueError):
    """A date that cannot be read; its one argument is the reason, a `Phrase` of the errors' catalog."""

    @property
    def phrase(self) -> Phrase:
        return self.args[0]


def parse_date(text, *, today: dt.date | None = None, relative: bool = False) -> dt.date:
    """ISO `YYYY-MM-DD`; with `relative` (the CLI) also `DD.MM.YYYY` and `Nd` (N days ago)."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    if not isinstance(text, str):
        raise DateFormatError(Phrase("date_text"))
    if not relative:
        return _iso_date(text)
    s = text.strip()
    m = _ISO.match(s)
    if m:
        return _make(int(m[1]), int(m[2]), int(m[3]))
    if relative:
        m = _DMY.match(s)
        if m:
            return _make(int(m[3]), int(m[2]), int(m[1]))
        m = _AGO.match(s)
        if m:
            if today is None:
                raise DateFormatError(Phrase("date_needs_today"))
            try:
                return today - dt.timedelta(days=int(m[1]))
            except OverflowError:
                raise DateFormatError(Phrase("date_before_year_1")) from None
        raise DateFormatError(Phrase("date_shape_relative"))
    raise DateFormatError(Phrase("date_shape"))


@lru_cache(maxsize=8192)
def _iso_date(text: str) -> dt.date:
    """`YYYY-MM-DD` (cached: a batch repeats the same few hundred days; errors are not cached)."""
    m = _ISO.match(text.strip())
    if not m:
        raise DateFormatError(Phrase("date_shape"))
    return _make(int(m[1]), int(m[2]), int(m[3]))


def _make(y: int, m: int, d: int) -> dt.date:
    try:
        return dt.date(y, m, d)
    except ValueError as e:
        raise DateFormatError(Phrase("date_not_real", detail=str(e))) from None


# ---- due expressions -------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(?P<num>\d+)d\b|(?P<name>[a-z_][a-z0-9_.]*)|(?P<op>[-+(),]))")


@dataclass(frozen=True)
class DateExpr:
    """A parsed due expression; `dates()` lists the date facts it needs."""

    text: str
    tree: tuple

    def dates(self) -> set[str]:
        out: set[str] = set()

        def walk(t):
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

        def walk(t):
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

    def evaluate(self, date_of: Callable[[str], dt.date | None], number_of: Callable[[str], int]):
        return self._run(date_of, number_of)

    @cached_property
    def _run(self):
        """The tree turned into nested closures once: evaluated for every fired rule's output."""
        return _compiled(self.tree)


def _compiled(t: tuple) -> Callable:
    if t[0] == "date":
        name = t[1]
        return lambda date_of, number_of: date_of(name)
    if t[0] in ("latest", "earliest"):
        parts = [_compiled(a) for a in t[1]]
        pick = max if t[0] == "latest" else min

        def choose(date_of, number_of):
            vals = [v for v in (p(date_of, number_of) for p in parts) if v is not None]
            return pick(vals) if vals else None
        return choose
    base_of = _compiled(t[1])
    fixed = sum(sign * a for sign, a in t[2] if isinstance(a, int))
    named = [(sign, a) for sign, a in t[2] if not isinstance(a, int)]

    def shift(date_of, number_of):
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

    def peek():
        return tokens[i] if i < len(tokens) else (None, None)

    def take():
        nonlocal i
        i += 1
        return tokens[i - 1]

    def term(depth: int):
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

    def expr(depth: int = 0):
        base = term(depth)
        shifts = []
        while peek() in (("op", "+"), ("op", "-")):
            sign = 1 if take()[1] == "+" else -1
            kind, val = take() if i < len(tokens) else (None, None)
            if kind == "num":
                shifts.append((sign, val))
            elif kind == "name" and number_names(val):
                shifts.append((sign, val))
            else:
                raise ValueError("expected a number of days such as `7d` or a whole-number fact")
        return ("shift", base, tuple(shifts)) if shifts else base

    tree = expr()
    if i != len(tokens):
        raise ValueError(f"unexpected `{tokens[i][1]}`")
    return DateExpr(s, tree)
