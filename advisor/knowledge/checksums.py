"""Check-digit algorithms of track codes, each named and parameterised in
`rules/track_formats.yaml` (`checksum:`) and implemented once here.
"""
from __future__ import annotations

import re
from operator import mul
from typing import Any, Callable, Sequence

CHECKSUMS = {"none", "s10", "ru_post", "weighted_mod", "mod10", "mod7", "luhn", "mod37_36"}
# The check-digit algorithms carriers use, each named and parameterised in track_formats.yaml.
# A check reads the pattern's named groups `body` (the characters checked) and `check` (the check
# character) when the pattern has them, else every character but the last and the last.
#   weighted_mod  the body's digits times `weights` (left to right), summed; the sum modulo `mod1`,
#                 then modulo `mod2`, is the check digit (FedEx; jkeen's
#                 "sum_product_with_weightings_and_modulo")
#   mod10         the body's characters (a letter counts as its ASCII code minus 3, modulo 10: UPS)
#                 times `evens` and `odds` in turn from the left (from the right with `reverse`),
#                 summed; the check digit is (10 - sum mod 10) mod 10 (UPS, USPS, FedEx Ground,
#                 Canada Post, OnTrac)
#   mod7          the body as a number, modulo 7 (DHL Express)
#   luhn          the Luhn algorithm over body and check (Purolator, Old Dominion)
#   mod37_36      ISO 7064 MOD 37,36 over digits and letters; the check is a digit or a letter (DPD)
# `prefix`: characters put before the body when it does not already start with them (OnTrac's
# "4", USPS's "91"); `length`: the check applies to codes of that length only.
CHECK_FIELDS = {
    "weighted_mod": ({"weights", "mod1", "mod2"}, set()),
    "mod10": ({"evens", "odds"}, {"reverse", "prefix"}),
    "mod7": (set(), set()),
    "luhn": (set(), {"prefix"}),
    "mod37_36": (set(), set()),
}


# a format's check: the code and its match -> whether its check character is right (None: not checked)
Check = Callable[[str, "re.Match[str] | None"], "bool | None"]
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
_ZERO = ord("0")


def _weighted(digits: str, weights: Sequence[int]) -> int:
    """The sum of ASCII digits times weights, done in C (bytes and map): the check digits of a
    batch of codes are a hot path."""
    total: int = sum(map(mul, digits.encode("ascii"), weights))
    return total - _ZERO * sum(weights[:len(digits)])


def s10_check_digit(serial8: str) -> int:
    """UPU S10: weights 8 6 4 2 3 5 9 7; c = 11 - sum mod 11; 10 -> 0, 11 -> 5 (T2)."""
    c = 11 - _weighted(serial8, _S10_WEIGHTS) % 11
    return 0 if c == 10 else 5 if c == 11 else c


def ru_post_check_digit(first13: str) -> int:
    """Russian Post 14-digit: odd positions x3, even x1; check = (10 - sum mod 10) mod 10 (T9)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(first13))
    return (10 - total % 10) % 10


def _digit_value(c: str) -> int:
    return int(c) if c.isdigit() else (ord(c) - 3) % 10


def weighted_mod_ok(body: str, check: str, weights: list[int], mod1: int, mod2: int) -> bool | None:
    if not (body.isascii() and body.isdigit() and check.isdigit()) or len(body) != len(weights):
        return None
    return _weighted(body, weights) % mod1 % mod2 == int(check)


def mod10_ok(body: str, check: str, evens: int, odds: int, reverse: bool = False) -> bool | None:
    if not body or not body.isascii() or not body.isalnum() or not check.isdigit():
        return None
    chars = body[::-1] if reverse else body
    if chars.isdigit():
        b = chars.encode("ascii")
        even, odd = b[0::2], b[1::2]
        total = evens * (sum(even) - _ZERO * len(even)) + odds * (sum(odd) - _ZERO * len(odd))
    else:                                    # letters count as their ASCII code minus 3, modulo 10 (UPS)
        values = [_digit_value(c) for c in chars]
        total = evens * sum(values[0::2]) + odds * sum(values[1::2])
    return (10 - total % 10) % 10 == int(check)


def mod7_ok(body: str, check: str) -> bool | None:
    if not (body.isdigit() and check.isdigit()):
        return None
    return int(body) % 7 == int(check)


def luhn_ok(body: str, check: str) -> bool | None:
    digits = body + check
    if not digits.isdigit() or len(digits) < 2:
        return None
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def mod37_36_ok(body: str, check: str) -> bool | None:
    """ISO 7064 MOD 37,36 (hybrid), as DPD's label specification gives it."""
    if not body or len(check) != 1 or any(c not in _ALNUM for c in body + check):
        return None
    cd = 36
    for c in body:
        cd += _ALNUM.index(c)
        if cd > 36:
            cd -= 36
        cd *= 2
        if cd > 36:
            cd -= 37
    cd = 37 - cd
    return _ALNUM[0 if cd == 36 else cd] == check


def checksum_ok(kind: str, code: str, params: dict[str, Any] | None = None, match: re.Match[str] | None = None) -> bool | None:
    """Whether the check character of `code` matches, or None when the check does not apply."""
    return checker(kind, params or {})(code, match)


def checker(kind: str, p: dict[str, Any]) -> Check:
    """The check of one format as a function of the code and its match, its numbers bound once
    (a format is checked for every code of its shape)."""
    if kind == "per_length":               # a list of checks, each for codes of one length
        table = {n: checker(k, q) for n, (k, q) in p["per_length"].items()}

        def per_length(code: str, m: re.Match[str] | None) -> bool | None:
            one = table.get(len(code))
            return one(code, m) if one else None
        return per_length
    length = p.get("length")
    if kind == "s10":
        def s10(code: str, m: re.Match[str] | None) -> bool | None:
            digits = code[2:11]
            return digits.isascii() and digits.isdigit() and s10_check_digit(digits[:8]) == int(digits[8])
        check: Check = s10
    elif kind == "ru_post":
        def ru_post(code: str, m: re.Match[str] | None) -> bool | None:
            return code.isdigit() and len(code) == 14 and ru_post_check_digit(code[:13]) == int(code[13])
        check = ru_post
    elif kind in ("weighted_mod", "mod10", "mod7", "luhn", "mod37_36"):
        algorithm: Callable[[str, str], bool | None] = {
            "weighted_mod": lambda body, c: weighted_mod_ok(body, c, p["weights"], p["mod1"], p["mod2"]),
            "mod10": lambda body, c: mod10_ok(body, c, p["evens"], p["odds"], bool(p.get("reverse"))),
            "mod7": mod7_ok, "luhn": luhn_ok, "mod37_36": mod37_36_ok,
        }[kind]
        prefix = str(p.get("prefix") or "")

        def parts(code: str, m: re.Match[str] | None) -> bool | None:
            body = m.group("body") if m is not None and "body" in m.re.groupindex else None
            c = m.group("check") if m is not None and "check" in m.re.groupindex else None
            body = code[:-1] if body is None else body
            c = code[-1:] if c is None else c
            if prefix and not body.startswith(prefix):
                body = prefix + body
            return algorithm(body, c)
        check = parts
    else:
        return lambda code, m: None
    if length:
        return lambda code, m: check(code, m) if len(code) == length else None
    return check
