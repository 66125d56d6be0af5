"""Comparing place names across spellings, scripts and transliterations (rules/places.yaml).

A city written `Москва` by the tracker and `Moscow` in the order is one city: the answer comes
from a gazetteer (GeoNames' cities of 15,000 people and more, shipped in advisor/geodata/ and
read by gazetteer.py), looked up within one country, never from casefolding alone. `same_city`
says True or False when the gazetteer knows both names, and None when it cannot tell: a
wrong-destination red flag accuses the seller, so it needs evidence. Russian postcodes name their
region (rules/postcodes.yaml), and so does a city the gazetteer knows, so a place given only by
its postcode compares by region. The gazetteer is read on the first comparison that needs it,
once per process, and a country's cities when it is first asked.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, AbstractSet, Any, Mapping

from advisor.base.errors import RulesError, did_you_mean, one_of
from advisor.knowledge.gazetteer import cities
from advisor.knowledge.spelling import load_spelling
from advisor.base.memo import Memo
from advisor.base.yamlfile import load, located

if TYPE_CHECKING:
    from advisor.reading.placeread import EventPlace

_WORDS = re.compile(r"[^\w]+")
_DIGITS = re.compile(r"\d+")
_PREFIXES = re.compile(r"^\s*(\d{3})\s*(?:-\s*(\d{3}))?\s*$")
_LOCK = threading.Lock()
_LEADING = re.compile(r"\s*(\w+)(?:\.\s*|\s+)(?=\w)")      # a word, then a dot or a space, then more


@dataclass(frozen=True)
class Region:
    id: str                 # ISO 3166-2, e.g. RU-NVS
    geonames: str           # the gazetteer's admin1 code
    en: str
    ru: str


class Places:
    def __init__(self, rules_dir: Path) -> None:
        path = rules_dir / "places.yaml"
        doc = (load(path, "rules/places.yaml") if path.exists() else {}) or {}
        _known_keys(doc, {"source", "leading_words", "route_words", "route_hubs", "transit_countries", "spelling"},
                    "rules/places.yaml")
        self.leading = frozenset(_fold(str(w)) for w in doc.get("leading_words") or [])
        self.route_words = [tuple(_fold(w) for w in str(p).split()) for p in doc.get("route_words") or []]
        self.hubs: dict[str, str | None] = {}
        for hub in doc.get("route_hubs") or []:
            for name in hub.get("names") or []:
                self.hubs[self.norm(str(name))] = str(hub.get("country") or "").upper() or None
        self.transit = {str(k).upper(): frozenset(str(c).upper() for c in v or [])
                        for k, v in (doc.get("transit_countries") or {}).items()}
        self.spelling = load_spelling(doc.get("spelling"))
        self.regions, self.prefixes = _postcodes(rules_dir)
        self.home = sorted(set(self.transit) | {c for c in self.hubs.values() if c})
        self._cities: Memo[bool] = Memo(4096)       # names_city by the words asked
        self.memo: Memo[EventPlace | None] = Memo(20_000)     # an event's place by its line and fields (placeread.py)

    def norm(self, name: str) -> str:
        """Case-folded words without digits (postcodes) or the leading words of rules/places.yaml."""
        words = [w for w in _WORDS.split(_DIGITS.sub(" ", _fold(name))) if w]
        while len(words) > 1 and words[0] in self.leading:
            words.pop(0)
        return " ".join(words)

    def without_leading(self, name: str) -> str:
        """`name` as written, less the leading words of rules/places.yaml before it («г. Москва» ->
        Москва); a name that is only such words is kept."""
        while (m := _LEADING.match(name)) and _fold(m.group(1)) in self.leading:
            name = name[m.end():]
        return name.strip()

    def ids(self, name: str, country: str | None) -> frozenset[str] | None:
        """The gazetteer's cities `name` may be in `country`, or None when it knows none."""
        if not country or not name:
            return None
        return _index(country).get(self.norm(name))

    def same_city(self, a: str, b: str, country: str | None) -> bool | None:
        na, nb = self.norm(a), self.norm(b)
        if na == nb:
            return True
        ids_a, ids_b = self.ids(a, country), self.ids(b, country)
        if not ids_a or not ids_b:
            return None
        return bool(ids_a & ids_b)

    def find_city(self, words: list[str], country: str | None) -> str | None:
        """The one city of `country` that runs of 1-3 of `words` name (longest first), or None
        when none or two different ones do: a status line's place, never a guess."""
        if not country:
            return None
        index, found = _index(country), dict[str, frozenset[str]]()
        for n in (3, 2, 1):
            for i in range(len(words) - n + 1):
                key = " ".join(words[i:i + n])
                if len(key) >= 3 and key in index and not any(key in k for k in found):
                    found[key] = index[key]
        sets = list(found.values())
        return next(iter(found)) if sets and all(s & sets[0] for s in sets) else None

    def names_city(self, words: list[str]) -> bool:
        """Whether the words, all of them, are a city's name in a country of the routes this file
        knows (transit countries and hubs'): a status line's trailing place, as «Москва» in
        «Вручение адресату Москва», which says where, not what happened."""
        key = " ".join(words_of(" ".join(words)))
        return bool(key) and self._cities.get(key, lambda: any(self.find_city(key.split(), cc) == key
                                                               for cc in self.home))

    def english(self, name: str, country: str | None) -> str | None:
        """The gazetteer's English name of the city `name`, when it names one city."""
        ids = self.ids(name, country)
        names = {_city(country or "")[i][0] for i in ids} if ids else set()
        return names.pop() if len(names) == 1 else None

    def region_of_city(self, name: str, country: str | None) -> Region | None:
        ids = self.ids(name, country)
        codes = {_city(country or "")[i][1] for i in ids} if ids else set()
        if len(codes) != 1:
            return None
        code = codes.pop()
        return next((r for r in self.regions.get(country or "", {}).values() if r.geonames == code), None)

    def region_of_postcode(self, postcode: str | None, country: str | None) -> Region | None:
        if not postcode or not country or len(postcode) != 6 or not postcode.isdigit():
            return None
        rid = self.prefixes.get(country, {}).get(postcode[:3])
        return self.regions[country][rid] if rid else None

    def hub(self, words: list[str]) -> tuple[str, str | None] | None:
        """(name, country) of a route hub that runs of 1-3 of `words` name (rules/places.yaml)."""
        for n in (3, 2, 1):
            for i in range(len(words) - n + 1):
                key = " ".join(words[i:i + n])
                if key in self.hubs:
                    return key, self.hubs[key]
        return None

    def route_word(self, words: list[str]) -> str | None:
        """The first route word of rules/places.yaml found in `words` (case-folded), or None."""
        for phrase in self.route_words:
            for i in range(len(words) - len(phrase) + 1):
                if all(_word_is(words[i + j], p) for j, p in enumerate(phrase)):
                    return " ".join(phrase)
        return None

    def is_transit(self, country: str | None, destination: str | None) -> bool:
        return bool(country and destination and country in self.transit.get(destination, ()))


def words_of(text: str) -> list[str]:
    """Case-folded words of a text without its digits, as places are matched."""
    return [w for w in _WORDS.split(_DIGITS.sub(" ", _fold(text))) if w]


def _word_is(word: str, pattern: str) -> bool:
    return word.startswith(pattern[:-1]) if pattern.endswith("*") else word == pattern


def _postcodes(rules_dir: Path) -> tuple[dict[str, dict[str, Region]], dict[str, dict[str, str]]]:
    """rules/postcodes.yaml: country -> region id -> Region, and country -> 3 digits -> region id."""
    path = rules_dir / "postcodes.yaml"
    doc = (load(path, "rules/postcodes.yaml") if path.exists() else {}) or {}
    regions: dict[str, dict[str, Region]] = {}
    prefixes: dict[str, dict[str, str]] = {}
    for country, spec in (doc.get("countries") or {}).items():
        for rid, r in ((spec or {}).get("regions") or {}).items():
            _known_keys(r, {"prefixes", "geonames", "centre", "en", "ru"}, "rules/postcodes.yaml",
                        required={"prefixes", "geonames", "en", "ru"})
            regions.setdefault(country, {})[rid] = Region(rid, str(r.get("geonames")), str(r.get("en")), str(r.get("ru")))
            for part in str(r.get("prefixes") or "").split(","):
                m = _PREFIXES.match(part)
                if not m or int(m.group(2) or m.group(1)) < int(m.group(1)):
                    raise RulesError(f"`{part.strip()}` is not a series of postcode prefixes", where=r.where("prefixes"),
                                     help="write three digits or a range of them: `630-633, 687`")
                for n in range(int(m.group(1)), int(m.group(2) or m.group(1)) + 1):
                    key = f"{n:03d}"
                    if key in prefixes.setdefault(country, {}):
                        raise RulesError(f"the postcode prefix `{key}` is in two regions, `{prefixes[country][key]}` and `{rid}`",
                                         where=r.where("prefixes"))
                    prefixes[country][key] = rid
    return regions, prefixes


def _known_keys(doc: Mapping[str, Any], known: set[str], display: str, required: AbstractSet[str] = frozenset()) -> None:
    """A misspelt key in a places file is an error, never silently a rule that does nothing."""
    def where(key: str | None = None) -> str:
        return located(doc, key, display)
    for key in doc:
        if key not in known:
            raise RulesError(f"unknown key `{key}`", where=where(key), help=did_you_mean(str(key), known) or one_of(known))
    for key in sorted(required - set(doc)):
        raise RulesError(f"`{key}` is missing", where=where(), help=f"add `{key}:`")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")


class _Index:
    """A country's folded city names -> the GeoNames ids they name (`"id,id"` strings: loaded
    from the start-up cache in 2 ms, where 16,000 frozensets took 22 ms)."""

    def __init__(self, flat: dict[str, str]):
        self._flat = flat

    def __contains__(self, key: str) -> bool:
        return key in self._flat

    def __getitem__(self, key: str) -> frozenset[str]:
        return frozenset(self._flat[key].split(","))

    def get(self, key: str) -> frozenset[str] | None:
        found = self._flat.get(key)
        return frozenset(found.split(",")) if found is not None else None


@lru_cache(maxsize=64)
def _country(country: str) -> tuple[_Index, dict[str, tuple[str, str]]]:
    """A country's name index and its cities (`_index`, `_city`), built from the gazetteer once per
    start-up cache (base/cache.py): building them took 0.14 s and 17 MB at the first comparison of
    a country's cities, every start; loading them takes a few milliseconds."""
    from advisor.base import cache
    from advisor.knowledge.gazetteer import CITIES
    stat = CITIES.stat()
    key = f"{country}\0{stat.st_size}\0{stat.st_mtime_ns}".encode()
    flat, city = cache.cached("places", key, lambda: _build(country))
    return _Index(flat), {gid: (v[:v.index("\t")], v[v.index("\t") + 1:]) for gid, v in city.items()}


def _build(country: str) -> tuple[dict[str, str], dict[str, str]]:
    """Strings only (`"name\tadmin1"`): a few objects fewer to make per city when they are loaded."""
    with _LOCK:
        out: dict[str, set[str]] = {}
        for gid, _admin1, _name, names in cities(country):
            for name in names:
                key = " ".join(w for w in _WORDS.split(_DIGITS.sub(" ", _fold(name))) if w)
                if key:
                    out.setdefault(key, set()).add(gid)
        return ({k: ",".join(sorted(v)) for k, v in out.items()},
                {gid: f"{name}\t{admin1}" for gid, admin1, name, _names in cities(country)})


def _index(country: str) -> _Index:
    """Every name of every city of `country` -> the GeoNames ids it names."""
    return _country(country)[0]


def _city(country: str) -> dict[str, tuple[str, str]]:
    """GeoNames id -> the city's English name and its region's (admin1) code, within `country`."""
    return _country(country)[1]
