"""The track-code formats of `rules/track_formats.yaml` and the posts of `rules/posts.yaml`:
read, checked at `file:line:col` and indexed for the analysis (trackcode.py)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import AbstractSet, Any, Callable

from advisor.knowledge.checksums import CHECK_FIELDS, CHECKSUMS, Check, checker
from advisor.base.errors import RulesError, did_you_mean, one_of
from advisor.base.memo import Memo
from advisor.knowledge.patterns import first_chars, last_chars, refuse_backtracking, widths
from advisor.base.yamlfile import load, located

TRACKED = {"full", "origin_only", "destination_only", "none", "unknown"}
KINDS = {"s10", "yanwen", "fake_service", "domestic", "order_number", "carrier", "express", "marketplace"}
CHECKSUM_RULES = {"required", "must_fail", "ignore"}
FORMAT_FIELDS = {"id", "name", "pattern", "layout", "checksum", "checksum_rule", "kind", "service",
                 "tracked", "origin", "carrier", "trackers", "flags", "rank", "platforms", "note",
                 "source", "examples", "fallback", "countries"}
_NOT_ISO = {"EU", "EZ", "UN", "QO", "XA", "XB", "XK", "ZZ"}    # Babel territories, not ISO 3166-1 countries


@dataclass
class Format:
    id: str
    name: dict[str, Any]
    pattern: re.Pattern[str]
    layout: str | None
    checksum: str
    checksum_rule: str
    kind: str
    service: str | None
    tracked: str
    origin: str | None
    carrier: str | None
    trackers: list[dict[str, Any]]     # {name, url}
    flags: list[str]
    rank: int
    platforms: list[str]
    note: str | None
    source: list[str]
    examples: dict[str, Any]
    where: str
    checksum_params: dict[str, Any] = field(default_factory=dict)
    first: frozenset[str] | None = None       # the characters a match can start with (None: any)
    last: frozenset[str] | None = None        # ... and end with
    fallback: bool = False               # read only when no other format reads the code
    countries: tuple[str, ...] = ()                # where a domestic carrier delivers (the destination decides)

    def __post_init__(self) -> None:
        self.check: Check | None = checker(self.checksum, self.checksum_params) if self.checksum != "none" else None
        # the parts of a reading every code of this format shares; readings copy it
        self.base: dict[str, Any] = {
            "format": self.id, "name": self.name, "kind": self.kind, "code": "", "valid": True, "reason": None,
            "check_digit_ok": None, "service": self.service, "service_name": None, "tracked": self.tracked,
            "origin_country": self.origin, "carrier": self.carrier, "trackers": self.trackers, "flags": self.flags,
            "score": self.rank, "note": self.note, "repairs": [], "source": self.source,
            "countries": self.countries, "platforms": self.platforms,
        }


@dataclass
class FormatBook:
    formats: list[Format]
    services: dict[str, Any]
    cyrillic: dict[str, Any]
    other_scripts: dict[str, Any]
    digit_for_letter: dict[str, Any]
    letter_for_digit: dict[str, Any]
    express_methods: list[str]
    misread_changes: list[str]
    invented_status_flags: list[str]
    scores: dict[str, Any]
    courier_methods: list[str]
    posts: dict[str, Any]
    universal: list[dict[str, Any]]
    countries: AbstractSet[str] = field(default_factory=set)
    carrier_names: dict[str, Any] = field(default_factory=dict)

    def country_ok(self, cc: str) -> bool:
        return cc in self.countries

    def post_of(self, cc: str | None) -> dict[str, Any] | None:
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

    def _may_be(self, fmt: Format, chars: frozenset[str] | None, at: int, c: str) -> bool:
        if chars is None or c in chars:
            return True
        if not fmt.layout:
            return False
        want = fmt.layout[at]
        swap = self.digit_for_letter.get(c) if want == "D" else self.letter_for_digit.get(c) if want == "L" else None
        return swap is not None and swap in chars

    _by_length: dict[int | tuple[int, str | None, str | None], list[Format]] = field(default_factory=dict, repr=False)
    posts_named: Memo[frozenset[str]] = field(default_factory=lambda: Memo(1024), repr=False)  # methods.named_posts


def _can_be(fmt: Format, n: int) -> bool:
    if fmt.layout and len(fmt.layout) == n:
        return True
    low, high = widths(fmt.pattern)
    return low <= n <= high


@lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes known to Babel (read once: building the set costs ~80 µs)."""
    from babel import Locale
    return frozenset({c for c in Locale("en").territories if isinstance(c, str) and len(c) == 2 and c.isalpha() and c not in _NOT_ISO})


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
        carrier_names=_carrier_names(doc, formats, posts_doc.get("posts") or {}, _display(path, rules_dir)),
    )


# Kinds of change `normalise` reports, and the adjustments `scores:` in track_formats.yaml gives.
CHANGE_KINDS = {"unicode", "invisible", "quotes", "separators", "case", "cyrillic", "script", "digit",
                "lookalike", "reversed", "extracted"}
SCORE_NAMES = ("check_digit_ok", "platform_match", "other_platform", "invalid", "shipping_carrier")
OPTIONAL_SCORES = ("uncertain_within", "destination_match", "destination_other", "history_against")
_RANGE = re.compile(r"([A-Z])([A-Z])-\1([A-Z])")


def _services(given: Any, display: str) -> dict[str, Any]:
    """The S10 service table with its ranges (`QA-QM`) spelt out as two-letter keys."""
    out: dict[str, Any] = {}
    for key, value in given.items():
        key = str(key)
        m = _RANGE.fullmatch(key)
        if m:
            for c in range(ord(m[2]), ord(m[3]) + 1):
                out[m[1] + chr(c)] = dict(value)
        elif re.fullmatch(r"[A-Z]{1,2}", key):
            out[key] = dict(value)
        else:
            where = located(given, key, display)
            raise RulesError(f"`{key}` is not a service indicator: one or two capitals, or a range like `QA-QM`",
                             where=where)
    return out


def _where(doc: Any, key: str, display: str) -> str:
    """`file:line` of a top-level key, else the file: where an error about that key points."""
    return located(doc, key, display) if key in doc else display


def _change_kinds(doc: Any, display: str) -> list[str]:
    kinds = doc.get("misread_changes") or []
    where = _where(doc, "misread_changes", display)
    _check_ids(kinds, CHANGE_KINDS, where, "`misread_changes` must be a list of change kinds",
               "unknown change kind `{}` in `misread_changes`")
    return list(kinds)


def _carrier_names(doc: Any, formats: list[Format], posts: dict[str, Any], display: str) -> dict[str, list[str]]:
    """`carrier_names:`, other names a shipping method gives a carrier: each key a carrier that a
    format or a post names, each value a list of names."""
    given = doc.get("carrier_names") or {}
    where = _where(doc, "carrier_names", display)
    if not isinstance(given, dict):
        raise RulesError(f"`carrier_names` must map a carrier to its other names, not `{given}`", where=where)
    known = {f.carrier for f in formats if f.carrier} | {p.get("name") for p in posts.values() if isinstance(p, dict)}
    for carrier, names in given.items():
        at = located(given, carrier, where)
        if carrier not in known:
            raise RulesError(f"unknown carrier `{carrier}` in `carrier_names`", where=at,
                             help=did_you_mean(str(carrier), sorted(k for k in known if k)) or "use a format's `carrier` or a post's `name`")
        if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
            raise RulesError(f"the other names of `{carrier}` must be a list of names, not `{names}`", where=at)
    return {str(k): list(v) for k, v in given.items()}


def _flag_list(doc: Any, key: str, known_flags: set[str] | None, display: str) -> list[str]:
    flags = doc.get(key) or []
    where = _where(doc, key, display)
    if known_flags is not None:
        _check_ids(flags, known_flags, where, f"`{key}` must be a list of flag ids", f"unknown flag `{{}}` in `{key}`")
    return list(flags)


def _check_ids(given: Any, known: AbstractSet[str], where: str, list_of: str, unknown: str) -> None:
    """`given` is a list of ids from `known`; else an error at `where` (`unknown` formats the id)."""
    if not isinstance(given, list):
        raise RulesError(f"{list_of}, not `{given}`", where=where)
    for x in given:
        if x not in known:
            raise RulesError(unknown.format(x), where=where, help=did_you_mean(str(x), known) or one_of(known))


def _scores(doc: Any, display: str) -> dict[str, int]:
    given = doc.get("scores")
    where = _where(doc, "scores", display)
    if not isinstance(given, dict):
        raise RulesError("expected `scores:`, a mapping of " + ", ".join(SCORE_NAMES) + " to whole numbers",
                         where=where, help="see the shipped rules/track_formats.yaml")
    for key, value in given.items():
        at = located(given, key, where)
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


def _check_platforms(raw: Any, what: str, known: set[str] | None) -> None:
    given = raw.get("platforms") if isinstance(raw, dict) else None
    if known is None or given is None:
        return
    where = located(raw, "platforms", "rules")
    _check_ids(given, known, where, f"`platforms` of {what} must be a list of platform ids",
               what.replace("{", "{{").replace("}", "}}") + " names an unknown platform `{}`")


def _format(raw: Any, seen: set[str], known_flags: set[str] | None) -> Format:
    where = located(raw, None, "track_formats.yaml")
    if not isinstance(raw, dict):
        raise RulesError("a format must be a mapping", where=where)

    def at(key: str) -> str:
        return located(raw, key, where)

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
    refuse_backtracking(pattern, f"the pattern of format `{fid}`", at("pattern"))
    checksum, params = _checksum_of(raw.get("checksum", "none"), fid, at)
    checks = [("kind", KINDS), ("tracked", TRACKED), ("checksum_rule", CHECKSUM_RULES)]
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
        examples=dict(raw.get("examples") or {}), where=where, first=first_chars(pattern),
        last=last_chars(pattern), fallback=raw.get("fallback") is True,
        countries=_countries(raw, fid, at),
    )


def _countries(raw: Any, fid: str, at: Callable[[str], str]) -> tuple[str, ...]:
    """`countries:` of a format, a list of ISO 3166-1 codes (a misspelt one would never match)."""
    given = raw.get("countries", [])
    if not isinstance(given, list) or not all(isinstance(c, str) and c in _country_codes() for c in given):
        raise RulesError(f"`countries` of format `{fid}` must be a list of ISO 3166-1 country codes, not `{given}`",
                         where=at("countries"), help="for example `countries: [RU]`")
    return tuple(given)


def _checksum_of(checksum: Any, fid: str, at: Callable[[str], str]) -> tuple[str, dict[str, Any]]:
    """A format's check digit: an algorithm's name, one with its parameters, or one per length."""
    params: dict[str, Any] = {}
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
    if checksum not in CHECKSUMS | {"per_length"}:
        raise RulesError(f"format `{fid}` has an unknown checksum `{checksum}`", where=at("checksum"),
                         help=did_you_mean(str(checksum), CHECKSUMS) or one_of(CHECKSUMS))
    return checksum, params


def _checksum_spec(spec: Any, fid: str, at: Callable[[str], str]) -> tuple[str, dict[str, Any]]:
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
    bad: list[str] = [k for k in ("mod1", "mod2", "evens", "odds", "length") if k in params
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
