"""What a regular expression can match, read from `re`'s own parse of it: the shortest and longest
text, the characters a match can start and end with. The formats' index (trackformats.py) uses
them only to skip formats a code cannot be; where `re` does not tell, nothing is skipped."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=None)
def widths(pattern: re.Pattern[str]) -> tuple[int, int]:
    """The shortest and longest text a pattern can match; when the parser cannot tell (it is
    internal to `re`), every length, so the index only ever skips formats, never answers."""
    try:
        from re import _parser  # type: ignore[attr-defined]  # re's parser is internal: no stubs
        low, high = _parser.parse(pattern.pattern, pattern.flags).getwidth()
        return int(low), int(high)
    except Exception:  # noqa: BLE001
        return 0, 1 << 30


def first_chars(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The characters a match of `pattern` can start with, read from `re`'s own parse of it;
    None when that cannot be told (the index then keeps the format for every character)."""
    try:
        from re import _constants as c, _parser  # type: ignore[attr-defined]  # re's parser is internal: no stubs
        return _first_of(list(_parser.parse(pattern.pattern, pattern.flags)), c)
    except Exception:  # noqa: BLE001
        return None


def last_chars(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The characters a match of `pattern` can end with (None when that cannot be told)."""
    try:
        from re import _constants as c, _parser  # type: ignore[attr-defined]  # re's parser is internal: no stubs
        return _first_of(list(_parser.parse(pattern.pattern, pattern.flags)), c, last=True)
    except Exception:  # noqa: BLE001
        return None


def _first_of(items: list[Any], c: Any, last: bool = False) -> frozenset[str] | None:
    """The characters the sequence `items` of `re`'s parse can start (or, with `last`, end) with."""
    out: set[str] = set()
    for op, av in (reversed(items) if last else items):
        if op is c.LITERAL:
            return frozenset(out | {chr(av)})
        if op is c.IN:
            chars = set()
            for o, a in av:
                if o is c.LITERAL:
                    chars.add(chr(a))
                elif o is c.RANGE:
                    chars |= {chr(x) for x in range(a[0], a[1] + 1)}
                else:
                    return None
            return frozenset(out | chars)
        if op is c.BRANCH:
            for branch in av[1]:
                f = _first_of(list(branch), c, last)
                if f is None:
                    return None
                out |= f
            return frozenset(out)
        if op is c.SUBPATTERN:
            f = _first_of(list(av[3]), c, last)
            return None if f is None else frozenset(out | f)
        if op in (c.MAX_REPEAT, c.MIN_REPEAT):
            f = _first_of(list(av[2]), c, last)
            if f is None:
                return None
            out |= f
            if av[0] >= 1:
                return frozenset(out)
            continue
        if op in (c.ASSERT, c.ASSERT_NOT, c.AT):
            continue
        return None
    return None


def refuse_backtracking(pattern: re.Pattern[str], what: str, where: str) -> None:
    """A located error when `pattern` could backtrack exponentially (see `backtracking`)."""
    slow = backtracking(pattern)
    if slow:
        from advisor.base.errors import RulesError
        raise RulesError(f"{what} could take exponential time on a crafted code: {slow}", where=where,
                         help="write each repeated part once: `[0-9]+`, not `(?:[0-9]+)+`")


def backtracking(pattern: re.Pattern[str]) -> str | None:
    """Why matching `pattern` could take exponential time on a crafted code, or None. `re`
    backtracks: `(?:[0-9]+)+[0-9]` tries every way of splitting a run of digits (28 s for 32 of
    them). Refused: a part repeated more than once that itself matches texts of several lengths,
    or that chooses between alternatives which can start with the same character; and three or
    more parts of varying length in a row that can take the same characters (n^3 and worse)."""
    try:
        from re import _constants as c, _parser  # type: ignore[attr-defined]  # re's parser is internal: no stubs
        tree = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - `re` compiled it; its parser is internal
        return None
    return _backtracks(list(tree), c)


def _backtracks(items: list[Any], c: Any) -> str | None:
    varying: list[frozenset[str] | None] = []          # what each part of varying length can start with
    for op, av in items:
        inner: list[list[Any]] = []
        if op in (c.MAX_REPEAT, c.MIN_REPEAT):
            low, high, body = av
            lo, hi = body.getwidth()
            if high > 1 and lo != hi:
                return "it repeats a part that itself matches texts of different lengths"
            if high > 1 and _ambiguous(list(body), c):
                return "it repeats a choice between alternatives that can start with the same character"
            if low != high:
                varying.append(_first_of(list(body), c))
            inner = [list(body)]
        elif op is c.SUBPATTERN:
            inner = [list(av[3])]
        elif op is c.BRANCH:
            inner = [list(b) for b in av[1]]
        elif op in (c.ASSERT, c.ASSERT_NOT):
            inner = [list(av[1])]
        for part in inner:
            problem = _backtracks(part, c)
            if problem:
                return problem
    for i, first in enumerate(varying):
        alike = [f for f in varying if first is None or f is None or first & f]
        if len(alike) >= 3:
            return "three or more parts of varying length can take the same characters"
    return None


def _ambiguous(items: list[Any], c: Any) -> bool:
    """Whether a choice in `items` has two alternatives that can start with the same character."""
    for op, av in items:
        if op is c.BRANCH:
            seen: set[str] = set()
            for branch in av[1]:
                first = _first_of(list(branch), c)
                if first is None or seen & first:
                    return True
                seen |= first
        if op is c.SUBPATTERN and _ambiguous(list(av[3]), c):
            return True
    return False
