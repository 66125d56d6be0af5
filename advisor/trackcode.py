"""Track-code analysis: normalise what a buyer pasted, recognise it against the formats in
`rules/track_formats.yaml`, check its digit, and rank every reading that fits.

All knowledge (patterns, services, look-alikes, posts) is data; this module only applies it.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable
from functools import lru_cache
from operator import itemgetter, mul
from pathlib import Path

from .errors import RulesError, TrackCodeError, did_you_mean, one_of
from .yamlfile import load

MAX_CODE_CHARS = 64
MAX_TEXT_CHARS = 10_000    # a pasted message or link may hold the code; a page may not
KINDS = {"s10", "yanwen", "fake_service", "domestic", "order_number", "carrier", "express", "marketplace"}
TRACKED = {"full", "origin_only", "destination_only", "none", "unknown"}
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
CHECKSUM_RULES = {"required", "must_fail", "ignore"}
FORMAT_FIELDS = {"id", "name", "pattern", "layout", "checksum", "checksum_rule", "kind", "service",
                 "tracked", "origin", "carrier", "trackers", "flags", "rank", "platforms", "note",
                 "source", "examples", "fallback"}
# Codes whose Babel territory is not an assigned ISO 3166-1 country.
_NOT_ISO = {"EU", "EZ", "UN", "QO", "XA", "XB", "XK", "ZZ"}
_QUOTES = "\"'«»“”„‘’‚`"
_CLEAN = re.compile(r"[A-Z0-9]+")
_WORD_SPLIT = re.compile(r"[^\w]+|_")
_BIDI_OVERRIDES = {"\u202e", "\u202b", "\u2067"}
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−.·]+")
# the ASCII characters the invisible-character step removes (control, not white space)
_ASCII_CONTROLS = frozenset(chr(c) for c in range(128) if unicodedata.category(chr(c)) in ("Cf", "Cc")
                            and not chr(c).isspace())
_ASCII_CONTROL = re.compile("[" + "".join(re.escape(c) for c in sorted(_ASCII_CONTROLS)) + "]")
_DIGIT_GROUPS = re.compile(r"\s*[0-9]+(?:[\s\-‐‑‒–—―−.·]+[0-9]+)*\s*")


# ---- checksums -------------------------------------------------------------------------------

_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
_ZERO = ord("0")


def _weighted(digits: str, weights) -> int:
    """The sum of ASCII digits times weights, done in C (bytes and map): the check digits of a
    batch of codes are a hot path."""
    return sum(map(mul, digits.encode("ascii"), weights)) - _ZERO * sum(weights[:len(digits)])


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


def checksum_ok(kind: str, code: str, params: dict | None = None, match: re.Match | None = None) -> bool | None:
    """Whether the check character of `code` matches, or None when the check does not apply."""
    return checker(kind, params or {})(code, match)


def checker(kind: str, p: dict) -> Callable[[str, re.Match | None], bool | None]:
    """The check of one format as a function of the code and its match, its numbers bound once
    (a format is checked for every code of its shape)."""
    if kind == "per_length":               # a list of checks, each for codes of one length
        table = {n: checker(k, q) for n, (k, q) in p["per_length"].items()}

        def per_length(code, m):
            one = table.get(len(code))
            return one(code, m) if one else None
        return per_length
    length = p.get("length")
    if kind == "s10":
        def s10(code, m):
            digits = code[2:11]
            return digits.isascii() and digits.isdigit() and s10_check_digit(digits[:8]) == int(digits[8])
        check = s10
    elif kind == "ru_post":
        def ru_post(code, m):
            return code.isdigit() and len(code) == 14 and ru_post_check_digit(code[:13]) == int(code[13])
        check = ru_post
    elif kind in ("weighted_mod", "mod10", "mod7", "luhn", "mod37_36"):
        algorithm = {
            "weighted_mod": lambda body, c: weighted_mod_ok(body, c, p["weights"], p["mod1"], p["mod2"]),
            "mod10": lambda body, c: mod10_ok(body, c, p["evens"], p["odds"], bool(p.get("reverse"))),
            "mod7": mod7_ok, "luhn": luhn_ok, "mod37_36": mod37_36_ok,
        }[kind]
        prefix = str(p.get("prefix") or "")

        def parts(code, m):
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


# ---- the format book -------------------------------------------------------------------------

@dataclass
class Format:
    id: str
    name: dict
    pattern: re.Pattern
    layout: str | None
    checksum: str
    checksum_rule: str
    kind: str
    service: str | None
    tracked: str
    origin: str | None
    carrier: str | None
    trackers: list
    flags: list
    rank: int
    platforms: list
    note: str | None
    source: list
    examples: dict
    where: str
    checksum_params: dict = field(default_factory=dict)
    first: frozenset | None = None       # the characters a match can start with (None: any)
    last: frozenset | None = None        # ... and end with
    fallback: bool = False               # read only when no other format reads the code

    def __post_init__(self):
        self.check = checker(self.checksum, self.checksum_params) if self.checksum != "none" else None
        # the parts of a reading every code of this format shares; readings copy it
        self.base = {
            "format": self.id, "name": self.name, "kind": self.kind, "code": "", "valid": True, "reason": None,
            "check_digit_ok": None, "service": self.service, "service_name": None, "tracked": self.tracked,
            "origin_country": self.origin, "carrier": self.carrier, "trackers": self.trackers, "flags": self.flags,
            "score": self.rank, "note": self.note, "repairs": [], "source": self.source,
        }


@dataclass
class FormatBook:
    formats: list[Format]
    services: dict
    cyrillic: dict
    other_scripts: dict
    digit_for_letter: dict
    letter_for_digit: dict
    express_methods: list
    misread_changes: list
    invented_status_flags: list
    scores: dict
    courier_methods: list
    posts: dict
    universal: list
    countries: set = field(default_factory=set)

    def country_ok(self, cc: str) -> bool:
        return cc in self.countries

    def post_of(self, cc: str | None) -> dict | None:
        return self.posts.get(cc) if cc else None

    def formats_for(self, n: int, first: str | None = None, last: str | None = None) -> list[Format]:
        """The formats a code of `n` characters from `first` to `last` can be, in file order: those
        whose pattern can match that length (or whose layout has it: a repair keeps the length)
        and start and end with those characters (or could after a look-alike repair). Trying only
        these skips most of the regex matches for a typical code."""
        key = (n, first, last)
        found = self._by_length.get(key)
        if found is None:
            found = self._by_length.get(n)
            if found is None:
                found = self._by_length[n] = [f for f in self.formats if _can_be(f, n)]
            if first is not None:
                found = [f for f in found if self._may_be(f, f.first, 0, first)]
            if last is not None:
                found = [f for f in found if self._may_be(f, f.last, -1, last)]
            self._by_length[key] = found
        return found

    def _may_be(self, fmt: Format, chars: frozenset | None, at: int, c: str) -> bool:
        if chars is None or c in chars:
            return True
        if not fmt.layout:
            return False
        want = fmt.layout[at]
        swap = self.digit_for_letter.get(c) if want == "D" else self.letter_for_digit.get(c) if want == "L" else None
        return swap is not None and swap in chars

    _by_length: dict = field(default_factory=dict, repr=False)


def _can_be(fmt: Format, n: int) -> bool:
    if fmt.layout and len(fmt.layout) == n:
        return True
    low, high = _widths(fmt.pattern)
    return low <= n <= high


@lru_cache(maxsize=None)
def _widths(pattern: re.Pattern) -> tuple[int, int]:
    """The shortest and longest text a pattern can match; when the parser cannot tell (it is
    internal to `re`), every length, so the index only ever skips formats, never answers."""
    try:
        from re import _parser
        return _parser.parse(pattern.pattern, pattern.flags).getwidth()
    except Exception:  # noqa: BLE001
        return 0, 1 << 30


def _first_chars(pattern: re.Pattern) -> frozenset | None:
    """The characters a match of `pattern` can start with, read from `re`'s own parse of it;
    None when that cannot be told (the index then keeps the format for every character)."""
    try:
        from re import _constants as c, _parser
        return _first_of(list(_parser.parse(pattern.pattern, pattern.flags)), c)
    except Exception:  # noqa: BLE001
        return None


def _last_chars(pattern: re.Pattern) -> frozenset | None:
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


@lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes known to Babel (read once: building the set costs ~80 µs)."""
    from babel import Locale
    return frozenset({c for c in Locale("en").territories if len(c) == 2 and c.isalpha() and c not in _NOT_ISO})


def load_formats(rules_dir: Path, known_flags: set[str] | None = None,
                 known_platforms: set[str] | None = None) -> FormatBook:
    """Read and validate `track_formats.yaml` and `posts.yaml`; errors name `file:line:col`.
    With `known_platforms`, every `platforms:` list must name platforms of platforms.yaml (a
    misspelt one would silently never match)."""
    path = rules_dir / "track_formats.yaml"
    doc = load(path, _display(path, rules_dir))
    if not isinstance(doc, dict) or not isinstance(doc.get("formats"), list):
        raise RulesError("expected a mapping with a `formats` list", where=_display(path, rules_dir))
    formats: list[Format] = []
    seen: set[str] = set()
    for raw in doc["formats"]:
        formats.append(_format(raw, seen, known_flags))
        _check_platforms(raw, f"format `{formats[-1].id}`", known_platforms)
    look = doc.get("lookalikes") or {}
    posts_path = rules_dir / "posts.yaml"
    posts_doc = load(posts_path, _display(posts_path, rules_dir)) if posts_path.exists() else {}
    posts_doc = posts_doc or {}
    for u in posts_doc.get("universal") or []:
        _check_platforms(u, f"tracker `{u.get('name')}`" if isinstance(u, dict) else "a tracker", known_platforms)
    return FormatBook(
        formats=formats,
        services=_services(doc.get("s10_services") or {}, _display(path, rules_dir)),
        cyrillic=dict(look.get("cyrillic") or {}),
        other_scripts=dict(look.get("other_scripts") or {}),
        digit_for_letter={str(k): str(v) for k, v in (look.get("digit_for_letter") or {}).items()},
        letter_for_digit={str(k): str(v) for k, v in (look.get("letter_for_digit") or {}).items()},
        express_methods=list(doc.get("express_methods") or []),
        misread_changes=_change_kinds(doc, _display(path, rules_dir)),
        invented_status_flags=_flag_list(doc, "invented_status_flags", known_flags, _display(path, rules_dir)),
        scores=_scores(doc, _display(path, rules_dir)),
        courier_methods=list(doc.get("courier_methods") or []),
        posts=dict(posts_doc.get("posts") or {}),
        universal=list(posts_doc.get("universal") or []),
        countries=_country_codes(),
    )


# Kinds of change `normalise` reports, and the adjustments `scores:` in track_formats.yaml gives.
CHANGE_KINDS = {"unicode", "invisible", "quotes", "separators", "case", "cyrillic", "script", "digit",
                "lookalike", "reversed", "extracted"}
SCORE_NAMES = ("check_digit_ok", "platform_match", "other_platform", "invalid", "shipping_carrier")
OPTIONAL_SCORES = ("uncertain_within",)


_RANGE = re.compile(r"([A-Z])([A-Z])-\1([A-Z])")


def _services(given, display: str) -> dict:
    """The S10 service table with its ranges (`QA-QM`) spelt out as two-letter keys."""
    out: dict = {}
    for key, value in given.items():
        key = str(key)
        m = _RANGE.fullmatch(key)
        if m:
            for c in range(ord(m[2]), ord(m[3]) + 1):
                out[m[1] + chr(c)] = dict(value)
        elif re.fullmatch(r"[A-Z]{1,2}", key):
            out[key] = dict(value)
        else:
            where = given.where(key) if hasattr(given, "where") else display
            raise RulesError(f"`{key}` is not a service indicator: one or two capitals, or a range like `QA-QM`",
                             where=where)
    return out


def _change_kinds(doc, display: str) -> list[str]:
    kinds = doc.get("misread_changes") or []
    where = doc.where("misread_changes") if hasattr(doc, "where") and "misread_changes" in doc else display
    _check_ids(kinds, CHANGE_KINDS, where, "`misread_changes` must be a list of change kinds",
               "unknown change kind `{}` in `misread_changes`")
    return list(kinds)


def _flag_list(doc, key: str, known_flags, display: str) -> list[str]:
    flags = doc.get(key) or []
    where = doc.where(key) if hasattr(doc, "where") and key in doc else display
    if known_flags is not None:
        _check_ids(flags, known_flags, where, f"`{key}` must be a list of flag ids", f"unknown flag `{{}}` in `{key}`")
    return list(flags)


def _check_ids(given, known, where: str, list_of: str, unknown: str) -> None:
    """`given` is a list of ids from `known`; else an error at `where` (`unknown` formats the id)."""
    if not isinstance(given, list):
        raise RulesError(f"{list_of}, not `{given}`", where=where)
    for x in given:
        if x not in known:
            raise RulesError(unknown.format(x), where=where, help=did_you_mean(str(x), known) or one_of(known))


def _scores(doc, display: str) -> dict[str, int]:
    given = doc.get("scores")
    where = doc.where("scores") if hasattr(doc, "where") and "scores" in doc else display
    if not isinstance(given, dict):
        raise RulesError("expected `scores:`, a mapping of " + ", ".join(SCORE_NAMES) + " to whole numbers",
                         where=where, help="see the shipped rules/track_formats.yaml")
    for key, value in given.items():
        at = given.where(key) if hasattr(given, "where") else where
        if key not in SCORE_NAMES + OPTIONAL_SCORES:
            raise RulesError(f"unknown score `{key}`", where=at,
                             help=did_you_mean(str(key), SCORE_NAMES + OPTIONAL_SCORES) or one_of(SCORE_NAMES))
        if not isinstance(value, int) or isinstance(value, bool):
            raise RulesError(f"the score `{key}` must be a whole number, not `{value}`", where=at)
    for key in SCORE_NAMES:
        if key not in given:
            raise RulesError(f"`scores` has no `{key}`", where=where, help=f"add `{key}: <number>` under `scores:`")
    return dict(given)


def _display(path: Path, rules_dir: Path) -> str:
    try:
        return str(Path("rules") / path.relative_to(rules_dir))
    except ValueError:
        return str(path)


def _check_platforms(raw, what: str, known: set[str] | None) -> None:
    given = raw.get("platforms") if isinstance(raw, dict) else None
    if known is None or given is None:
        return
    where = raw.where("platforms") if hasattr(raw, "where") else "rules"
    _check_ids(given, known, where, f"`platforms` of {what} must be a list of platform ids",
               what.replace("{", "{{").replace("}", "}}") + " names an unknown platform `{}`")


def _format(raw, seen: set[str], known_flags: set[str] | None) -> Format:
    where = raw.where() if hasattr(raw, "where") else "track_formats.yaml"
    if not isinstance(raw, dict):
        raise RulesError("a format must be a mapping", where=where)

    def at(key):
        return raw.where(key) if hasattr(raw, "where") else where

    for key in raw:
        if key not in FORMAT_FIELDS:
            raise RulesError(f"unknown format field `{key}`", where=at(key),
                             help=did_you_mean(key, FORMAT_FIELDS))
    for key in ("id", "pattern", "kind", "tracked"):
        if key not in raw:
            raise RulesError(f"the format has no `{key}`", where=where)
    fid = str(raw["id"])
    if fid in seen:
        raise RulesError(f"duplicate format id `{fid}`", where=at("id"))
    seen.add(fid)
    try:
        pattern = re.compile(str(raw["pattern"]))
    except re.error as e:
        raise RulesError(f"the pattern of format `{fid}` is not a valid regular expression: {e}",
                         where=at("pattern")) from None
    checksum, params = raw.get("checksum", "none"), {}
    if isinstance(checksum, list):
        per_length = {}
        for item in checksum:
            name, item_params = _checksum_spec(item, fid, at)
            if not isinstance(item_params.get("length"), int):
                raise RulesError(f"each check digit in the list of format `{fid}` needs its `length`", where=at("checksum"))
            per_length[item_params["length"]] = (name, item_params)
        checksum, params = "per_length", {"per_length": per_length}
    elif isinstance(checksum, dict):
        checksum, params = _checksum_spec(checksum, fid, at)
    checks = [("kind", KINDS), ("tracked", TRACKED), ("checksum_rule", CHECKSUM_RULES)]
    if checksum not in CHECKSUMS | {"per_length"}:
        raise RulesError(f"format `{fid}` has an unknown checksum `{checksum}`", where=at("checksum"),
                         help=did_you_mean(str(checksum), CHECKSUMS) or one_of(CHECKSUMS))
    for key, allowed in checks:
        if key in raw and raw[key] not in allowed:
            raise RulesError(f"format `{fid}` has an unknown {key} `{raw[key]}`", where=at(key),
                             help=did_you_mean(raw[key], allowed) or one_of(allowed))
    flags = list(raw.get("flags") or [])
    if known_flags is not None:
        for f in flags:
            if f not in known_flags:
                raise RulesError(f"format `{fid}` raises an unknown flag `{f}`", where=at("flags"),
                                 help=did_you_mean(f, known_flags) or "add it to rules/vocabulary.yaml first")
    layout = raw.get("layout")
    return Format(
        id=fid, name=dict(raw.get("name") or {"en": fid, "ru": fid}), pattern=pattern,
        layout=str(layout) if layout else None, checksum=checksum, checksum_params=params,
        checksum_rule=raw.get("checksum_rule", "required"), kind=raw["kind"],
        service=raw.get("service"), tracked=raw["tracked"], origin=raw.get("origin"),
        carrier=raw.get("carrier"), trackers=list(raw.get("trackers") or []), flags=flags,
        rank=int(raw.get("rank", 50)), platforms=list(raw.get("platforms") or []),
        note=raw.get("note"), source=[str(s) for s in raw.get("source") or []],
        examples=dict(raw.get("examples") or {}), where=where, first=_first_chars(pattern),
        last=_last_chars(pattern), fallback=raw.get("fallback") is True,
    )


def _checksum_spec(spec, fid: str, at) -> tuple[str, dict]:
    """A check digit given as a mapping: `{name: ALGORITHM, its numbers..., length?}` (see
    CHECK_FIELDS); anything else is a located error naming what the algorithm needs."""
    params = {str(k): v for k, v in spec.items()} if isinstance(spec, dict) else {}
    name = params.pop("name", None)
    if name not in CHECK_FIELDS:
        raise RulesError(f"format `{fid}` has a check digit `{name}` that is not one of the algorithms",
                         where=at("checksum"), help=did_you_mean(str(name), CHECK_FIELDS) or one_of(CHECK_FIELDS))
    needed, optional = CHECK_FIELDS[name]
    extra = set(params) - needed - optional - {"length"}
    missing = needed - set(params)
    if extra or missing:
        what = f"has no `{sorted(missing)[0]}`" if missing else f"does not take `{sorted(extra)[0]}`"
        raise RulesError(f"the `{name}` check digit of format `{fid}` {what}", where=at("checksum"),
                         help=f"`{name}` takes " + (", ".join(f"`{k}`" for k in sorted(needed | optional | {'length'}))))
    bad = [k for k in ("mod1", "mod2", "evens", "odds", "length") if k in params
           and (not isinstance(params[k], int) or isinstance(params[k], bool) or params[k] < (1 if k != "evens" and k != "odds" else 0))]
    if "weights" in params and not (isinstance(params["weights"], list) and params["weights"]
                                    and all(isinstance(w, int) and not isinstance(w, bool) for w in params["weights"])):
        bad.append("weights")
    if "reverse" in params and not isinstance(params["reverse"], bool):
        bad.append("reverse")
    if "prefix" in params and not isinstance(params["prefix"], (str, int)):
        bad.append("prefix")
    if bad:
        raise RulesError(f"the `{name}` check digit of format `{fid}` has a bad `{bad[0]}`: `{params[bad[0]]}`",
                         where=at("checksum"), help="whole numbers for moduli and weights, true/false for `reverse`")
    if "prefix" in params:
        params["prefix"] = str(params["prefix"])
    return name, params


@lru_cache(maxsize=16)
def _cached_book(rules_dir: str) -> FormatBook:
    return load_formats(Path(rules_dir))


def book_for(rules_dir: Path) -> FormatBook:
    return _cached_book(str(rules_dir))


# ---- normalisation ---------------------------------------------------------------------------

def normalise(text: str, book: FormatBook) -> tuple[str, list[dict]]:
    """Clean a pasted code and say every change made (T12). Repeats until nothing changes, so
    normalising twice gives the same code (removing a space can join a letter and an accent)."""
    if not isinstance(text, str):
        raise TrackCodeError(f"the track code must be text, not `{type(text).__name__}`", where="track")
    if _CLEAN.fullmatch(text):
        return text, []   # the usual case: nothing any step below would change
    code, changes = _normalise_once(text, book)
    for _ in range(3):
        if _CLEAN.fullmatch(code):
            break      # capitals and digits only: another pass cannot change it
        again, more = _normalise_once(code, book)
        if again == code:
            break
        code, changes = again, changes + more
    return code, changes


def _normalise_once(text: str, book: FormatBook) -> tuple[str, list[dict]]:
    changes: list[dict] = []
    ascii_only = text.isascii()       # the usual paste: no compatibility forms, no other scripts
    s = text if ascii_only else unicodedata.normalize("NFKC", text)
    if s != text:
        changes.append({"kind": "unicode", "detail": "compatibility characters replaced (NFKC)"})
    invisible = ([c for c in s if c in _ASCII_CONTROLS] if ascii_only and _ASCII_CONTROL.search(s) else [] if ascii_only
                 else [c for c in s if unicodedata.category(c) in ("Cf", "Cc") and not c.isspace()])
    if invisible:
        s = "".join(c for c in s if c not in invisible)
        changes.append({"kind": "invisible", "count": len(invisible),
                        "detail": f"removed {len(invisible)} invisible or control character(s)"})
    stripped = s.strip().strip(_QUOTES).strip()
    if stripped != s.strip():
        changes.append({"kind": "quotes", "detail": "removed surrounding quotes"})
    s = stripped
    joined = _SEPARATORS.sub("", s)
    if joined != s:
        changes.append({"kind": "separators", "detail": "removed spaces, dashes or dots"})
    s = joined
    if s.isascii():
        upper = s.upper()
        if upper != s:
            changes.append({"kind": "case", "detail": "lower-case letters made capitals"})
        return upper, changes
    out = []
    for i, c in enumerate(s, 1):
        if c.isascii():
            out.append(c)
            continue
        latin, kind = book.cyrillic.get(c), "cyrillic"
        if latin is None:
            latin, kind = book.other_scripts.get(c), "script"
        if latin is None and unicodedata.category(c) == "Nd":
            latin, kind = str(unicodedata.digit(c)), "digit"
        if latin:
            what = "Cyrillic" if kind == "cyrillic" else unicodedata.name(c, "character").title()
            changes.append({"kind": kind, "position": i, "from": c, "to": latin,
                            "detail": f"{what} `{c}` at position {i} read as {'' if kind == 'digit' else 'Latin '}`{latin}`"})
            out.append(latin)
        else:
            out.append(c)
    s = "".join(out)
    upper = s.upper()
    if upper != s:
        changes.append({"kind": "case", "detail": "lower-case letters made capitals"})
    return upper, changes


def _repair(code: str, layout: str, book: FormatBook) -> tuple[str, list[dict]]:
    """Swap look-alikes into the kind of character each position wants (O->0, 1->I, ...)."""
    if len(code) != len(layout) or _layout_pattern(layout).fullmatch(code):
        return code, []
    chars, fixes = list(code), []
    for i, (c, want) in enumerate(zip(code, layout)):
        new = None
        if want == "D" and not c.isdigit():
            new = book.digit_for_letter.get(c)
        elif want == "L" and c.isdigit():
            new = book.letter_for_digit.get(c)
        if new:
            chars[i] = new
            fixes.append({"kind": "lookalike", "position": i + 1, "from": c, "to": new,
                          "detail": f"`{c}` at position {i + 1} read as `{new}`"})
    return "".join(chars), fixes


@lru_cache(maxsize=64)
def _layout_pattern(layout: str) -> re.Pattern:
    """A layout as a pattern: a code it matches needs no repair."""
    return re.compile("".join({"L": "[A-Z]", "D": "[0-9]"}.get(c, ".") for c in layout))


# ---- recognition -----------------------------------------------------------------------------

def _reading(fmt: Format, code: str, book: FormatBook, platform: str | None, repairs: list[dict],
             m: re.Match | None = None) -> dict | None:
    m = m or fmt.pattern.fullmatch(code)
    if not m:
        return None
    ok = fmt.check(code, m) if fmt.check else None
    if fmt.checksum_rule == "must_fail" and ok is not False:
        return None
    if repairs and ok is not True:
        return None  # a repair is only believed when the check digit then passes (T12)
    origin = fmt.origin
    if origin == "code_letters":
        origin = code[-2:]
        if not book.country_ok(origin):
            return None  # letters that are no ISO country: not this format (e.g. YP, LF)
    r = dict(fmt.base)                    # what every reading of the format shares
    r["code"], r["origin_country"], r["check_digit_ok"], r["repairs"] = code, origin, ok, repairs
    valid = True
    if fmt.kind == "s10" and fmt.service is None:
        info = _s10_service(code, book)
        if info.get("valid") is False:
            valid = False
            r["reason"] = f"service letter `{code[0]}` is {info.get('reason', 'not assigned')} in the S10 table"
        r["service"] = info.get("service")
        r["tracked"] = info.get("tracked", fmt.tracked)
        extra = [f for f in info.get("flags", []) if f not in fmt.flags]
        if extra:
            r["flags"] = fmt.flags + extra
        r["service_name"] = info.get("name")
    if fmt.checksum_rule == "required" and ok is False:
        valid, r["reason"] = False, "the check digit does not match"
        if "invalid_check_digit" not in r["flags"]:
            r["flags"] = r["flags"] + ["invalid_check_digit"]
    r["valid"] = valid
    scores = book.scores
    score = fmt.rank + (scores["check_digit_ok"] if ok else 0)
    if fmt.platforms:
        score += scores["platform_match"] if platform in fmt.platforms else scores["other_platform"]
    if not valid:
        score += scores["invalid"]
    r["score"] = score
    if fmt.kind in ("s10", "domestic"):
        post = book.post_of(origin)
        if post:
            if post not in fmt.trackers:
                r["trackers"] = fmt.trackers + [post]
            r["carrier"] = fmt.carrier or post.get("name")
    return r


def _s10_service(code: str, book: FormatBook) -> dict:
    two = book.services.get(code[:2])
    if two and (not two.get("countries") or code[-2:] in two["countries"]):
        return dict(two)
    return dict(book.services.get(code[0]) or {"valid": False, "reason": "not assigned"})


def _readings(code: str, book: FormatBook, platform: str | None) -> list[dict]:
    """Every format reading of a normalised code, best first (file order breaks ties); a
    `fallback` format (digits only) reads a code only when no other format does."""
    readings, fallbacks = [], []
    repaired: dict[str, tuple[str, list[dict]]] = {}   # formats share layouts: repair once per layout
    for fmt in book.formats_for(len(code), code[:1], code[-1:]):
        if fmt.fallback:
            fallbacks.append(fmt)
            continue
        m = fmt.pattern.fullmatch(code)
        r = _reading(fmt, code, book, platform, [], m) if m else None
        if r is None and fmt.layout:
            if fmt.layout not in repaired:
                repaired[fmt.layout] = _repair(code, fmt.layout, book)
            fixed, repairs = repaired[fmt.layout]
            if repairs:
                r = _reading(fmt, fixed, book, platform, repairs)
        if r:
            readings.append(r)
    if not readings:
        readings = [r for r in (_reading(f, code, book, platform, []) for f in fallbacks) if r]
    if len(readings) > 1:
        readings.sort(key=_score_key, reverse=True)     # stable: file order breaks ties
    return readings


_score_key = itemgetter("score")


def _prefer_carrier(readings: list[dict], method: str, bonus: int) -> list[dict]:
    """Readings re-ranked with the shipping method: one whose carrier's name (its first word:
    `FedEx`, `DHL Express`) is a word of the method scores `bonus` more."""
    words = set(_WORD_SPLIT.split(method.lower()))
    out = []
    for r in readings:
        carrier = (r["carrier"] or "").lower().split()
        if carrier and carrier[0] in words:
            r = dict(r, score=r["score"] + bonus)
        out.append(r)
    out.sort(key=lambda r: -r["score"])
    return out


def _reversed(text: str, code: str, book: FormatBook, platform: str | None):
    """A right-to-left override shows the characters after it backwards: what the buyer saw
    (and copied by eye) is the reverse of what the text holds."""
    if not _BIDI_OVERRIDES.intersection(text):
        return None
    readings = _readings(code[::-1], book, platform) if len(code) <= MAX_CODE_CHARS else []
    if not any(r["valid"] for r in readings):
        return None
    _, changes = normalise(text, book)
    return code[::-1], changes + [{"kind": "reversed", "detail": "a right-to-left mark reversed how the code "
                                   "was shown; read in the order shown"}], readings


_GROUPS = re.compile(r"[A-Za-z0-9]+(?:[ \-‐‑‒–—−.·]+[A-Za-z0-9]+)*")


def _one_code(text: str) -> bool:
    """Whether a text looks like one code written in groups: Latin letters and digits on one line,
    split only by spaces, dashes or dots, whose only groups of letters alone are short (a prefix
    or a country, at most four letters) and stand at its start or end."""
    t = (text if text.isascii() else unicodedata.normalize("NFKC", text)).strip().strip(_QUOTES).strip()
    if not _GROUPS.fullmatch(t):
        return False
    words = [w for w in _WORD_SPLIT.split(t) if w]
    return all(len(w) <= 4 and i in (0, len(words) - 1) for i, w in enumerate(words) if w.isalpha())


def _find_in_text(text: str, book: FormatBook, platform: str | None):
    """A code inside a sentence or a link ("my track is RK…CN, thanks"): try every run of up to
    five words (a code may be written in groups), keep the runs that read as a valid code, and
    take the code when the text holds exactly one. Several different codes are an error."""
    words = [w for w in _WORD_SPLIT.split(text) if w]
    if len(words) < 2 and text.strip() == (words[0] if words else ""):
        return None
    found: dict[str, tuple[str, list, list]] = {}
    for i in range(len(words)):
        for n in range(1, 6):
            if i + n > len(words):
                break
            piece = "".join(words[i:i + n])
            if len(piece) > MAX_CODE_CHARS:
                break
            if not any(c.isdigit() for c in piece):
                continue
            code, changes = normalise(piece, book)
            if len(code) < 8 or not any(c.isdigit() for c in code):
                continue
            readings = [r for r in _readings(code, book, platform) if r["valid"]]
            if readings and code not in found:
                found[code] = (piece, changes, readings)
    strong = {c: v for c, v in found.items() if v[2][0]["check_digit_ok"]}
    found = strong or found
    # a shorter run inside a longer one that is also a code ("RK 190321410 CN" and "190321410") is the same code
    codes = [c for c in found if not any(c != o and c in o for o in found)]
    if len(codes) > 1:
        listed = ", ".join(f"`{c}`" for c in codes[:5])
        raise TrackCodeError(f"the text holds {len(codes)} different track codes: {listed}", where="track",
                             help="advise one code at a time")
    if not codes:
        return None
    code = codes[0]
    piece, changes, readings = found[code]
    return code, [{"kind": "extracted", "text": piece,
                   "detail": f"took the code from the text: `{piece}`; the rest was left out"}] \
        + changes, readings


def _in_text(text: str, code: str, changes: list[dict], readings: list[dict], book: FormatBook,
             platform: str | None) -> tuple[str, list[dict], list[dict]]:
    """The code a pasted text holds. Digits written in groups are one number, and a code that
    reads as one code with its spaces taken out is not searched for codes inside it ("TBC 0000
    0000 0000" stays Amazon's), unless the text reads as a sentence around a code whose check
    digit passes ("my track is RK190321410CN, thanks")."""
    grouped = _DIGIT_GROUPS.fullmatch(text if text.isascii() else unicodedata.normalize("NFKC", text)) is not None
    whole_valid = any(r["valid"] for r in readings)
    one_code = grouped or _one_code(text)
    if one_code and not readings and not grouped:
        _find_in_text(text, book, platform)      # groups that are two real codes are still an error
    if not one_code and not (whole_valid and readings[0]["check_digit_ok"]):
        try:
            found = _reversed(text, code, book, platform) or _find_in_text(text, book, platform)
        except TrackCodeError:
            if not whole_valid:
                raise
            found = None
        if found and (not whole_valid or found[2][0]["check_digit_ok"]):
            return found
    return code, changes, readings


def analyse(text: str, book: FormatBook, platform: str | None = None, method: str | None = None) -> dict:
    """The `track` part of the advice: what the code is, ranked readings, and the flags it raises.
    `method` is the order's shipping method: a reading whose carrier it names is preferred."""
    if isinstance(text, str) and len(text) > MAX_TEXT_CHARS:
        raise TrackCodeError(f"the track code is {len(text)} characters long; a code is at most {MAX_CODE_CHARS} "
                             f"and a text holding one at most {MAX_TEXT_CHARS}", where="track",
                             help="paste only the code, not the whole page")
    code, changes = normalise(text, book)
    if not code:
        raise TrackCodeError("the track code is empty", where="track",
                             help="copy the code from the order's tracking page and paste it as it is")
    readings = _readings(code, book, platform) if len(code) <= MAX_CODE_CHARS else []
    if changes or not _CLEAN.fullmatch(code):     # only a text with more than the code can hold another one
        code, changes, readings = _in_text(text, code, changes, readings, book, platform)
    if not readings and len(code) > MAX_CODE_CHARS:
        raise TrackCodeError(f"the track code is {len(code)} characters long; no format is longer than {MAX_CODE_CHARS}",
                             where="track", help="paste only the code, not the whole page")
    if method and len(readings) > 1:
        readings = _prefer_carrier(readings, method, book.scores["shipping_carrier"])
    top = readings[0] if readings else None
    if top and top["repairs"]:
        changes = changes + top["repairs"]
    alternatives = _alternatives(top, readings, book.scores.get("uncertain_within", 0))
    if top:
        result = {"code": top["code"], "format": top["format"], "kind": top["kind"], "valid": bool(top["valid"]),
                  "check_digit_ok": top["check_digit_ok"], "service": top["service"], "tracked": top["tracked"],
                  "origin_country": top["origin_country"], "carrier": top["carrier"], "flags": list(top["flags"]),
                  "trackers": list(top["trackers"])}
    else:
        result = dict(_NO_READING, code=code, flags=[], trackers=[])
    result["input"] = text if len(text) <= 200 else text[:200] + "…"
    result["changes"] = [dict(c) for c in changes] if changes else []
    result["uncertain"] = bool(alternatives)
    result["candidates"] = [
        {"format": r["format"], "code": r["code"], "kind": r["kind"], "valid": r["valid"],
         "check_digit_ok": r["check_digit_ok"], "service": r["service"], "tracked": r["tracked"],
         "origin_country": r["origin_country"], "carrier": r["carrier"], "score": r["score"]}
        for r in readings]
    result["_top"] = top  # internal: names, notes and sources for rendering; dropped from JSON
    result["_alternatives"] = alternatives
    return result


# what the result says when no format reads the code
_NO_READING = {"format": "unknown", "kind": "unknown", "valid": False, "check_digit_ok": None, "service": None,
               "tracked": "unknown", "origin_country": None, "carrier": None}


def _alternatives(top: dict | None, readings: list[dict], within: int) -> list[dict]:
    """Other real readings nearly as likely as the first (within `scores: uncertain_within`):
    the code may be either, and the advice says so. A fake service is never offered as one."""
    if not top or not within or len(readings) < 2:
        return []
    seen, out = {top["carrier"] or top["format"]}, []
    for r in readings[1:]:
        who = r["carrier"] or r["format"]
        if r["valid"] and r["kind"] != "fake_service" and top["score"] - r["score"] <= within and who not in seen:
            seen.add(who)
            out.append(r)
    return out
