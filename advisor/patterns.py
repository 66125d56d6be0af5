"""What a regular expression can match, read from `re`'s own parse of it: the shortest and longest
text, the characters a match can start and end with. The formats' index (trackformats.py) uses
them only to skip formats a code cannot be; where `re` does not tell, nothing is skipped."""
from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=None)
def widths(pattern: re.Pattern) -> tuple[int, int]:
    """The shortest and longest text a pattern can match; when the parser cannot tell (it is
    internal to `re`), every length, so the index only ever skips formats, never answers."""
    try:
        from re import _parser
        return _parser.parse(pattern.pattern, pattern.flags).getwidth()
    except Exception:  # noqa: BLE001
        return 0, 1 << 30


def first_chars(pattern: re.Pattern) -> frozenset | None:
    """The characters a match of `pattern` can start with, read from `re`'s own parse of it;
    None when that cannot be told (the index then keeps the format for every character)."""
    try:
        from re import _constants as c, _parser
        return _first_of(list(_parser.parse(pattern.pattern, pattern.flags)), c)
    except Exception:  # noqa: BLE001
        return None


def last_chars(pattern: re.Pattern) -> frozenset | None:
    """The characters a match of `pattern` can end with (None when that cannot be told)."""
    try:
        from re import _constants as c, _parser
        return _first_of(list(_parser.parse(pattern.pattern, pattern.flags)), c, last=True)
    except Exception:  # noqa: BLE001
        return None


def _first_of(items: list, c, last: bool = False) -> frozenset | None:
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
