"""A city's name in each language, for texts: the gazetteer's English name (texts to the seller are
in English and a seller cannot read «Екатеринбург»), and for Russian prose the Cyrillic name that
the Russian dictionary knows as a place and that sounds most like the English one (Алматы, not the old
Алма-Ата; Минск, not the Belarusian Мінск), so the inflect filter can put it in its case.

A name the gazetteer cannot place in that country is transliterated into English when written in
Cyrillic, and kept as written (in quotes) in Russian when written in Latin: never a guess of
another city."""
from __future__ import annotations

import difflib
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from advisor.base.wordforms import place_kind
from advisor.knowledge.gazetteer import cities

if TYPE_CHECKING:
    from advisor.knowledge.places import Places

_CYRILLIC = re.compile(r"[а-яёіїєўґ]", re.I)
_NOT_RUSSIAN = re.compile(r"[іїєўґәқңғүұһөӘҚҢҒҮҰҺӨæѣ]", re.I)
# a town's abbreviation before its name, as trackers print it («г. Москва»)
_LEADING = re.compile(r"^\s*(?:г\.|гор\.|город|пгт\.?|пос\.|с\.)\s*", re.I)
# Russian and Belarusian letters in Latin (BGN/PCGN, the spelling English texts use)
_LATIN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіўї",
                  ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s",
                   "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "i", "u", "i"]))


def latin(name: str) -> str:
    """`name` in Latin letters (Мінск -> Minsk, Новосибирск -> Novosibirsk), capitals kept."""
    out = []
    for ch in name:
        low = ch.lower()
        if low in _LATIN:
            t = _LATIN[low]
            out.append(t[:1].upper() + t[1:] if ch != low else t)
        else:
            out.append(ch)
    return "".join(out)


def names(places: Places, city: str, country: str | None) -> dict[str, str]:
    """{"en": ..., "ru": ...}: the city `city` (as written by a tracker or a buyer) in each language."""
    written = _LEADING.sub("", city.strip()) or city.strip()
    ids = places.ids(written, country) or frozenset()
    english = places.english(written, country)
    russian = _russian(country or "", ids, english) if ids and english else None
    cyrillic = bool(_CYRILLIC.search(written))
    return {"en": english or (latin(written) if cyrillic else written),
            "ru": russian or (written if cyrillic else f"«{written}»")}


@lru_cache(maxsize=1024)
def _russian(country: str, ids: frozenset[str], english_name: str) -> str | None:
    """The Russian name of the city `english_name` (the one city `ids` names): a Cyrillic alternate the dictionary knows as a
    place (every word of it), the one closest to the English name, else the one that transliterates
    back to it exactly (Красноярск); None when there is none."""
    rows = [(name, alts) for gid, _a, name, alts in cities(country) if gid in ids and name == english_name]
    english = english_name.lower()
    russian = {a for _, alts in rows for a in alts if _CYRILLIC.search(a) and not _NOT_RUSSIAN.search(a)}
    found = {a for a in russian if known_place(a)} or {a for a in russian if latin(a).lower() == english}
    if not found:
        return None
    return max(sorted(found), key=lambda a: difflib.SequenceMatcher(None, latin(a).lower(), english).ratio())


def known_place(name: str) -> bool:
    """Every word of `name` is a place the Russian dictionary knows (Санкт-Петербург, Москва), in
    the nominative, or an adjective before one (Нижний Новгород); read from the shipped table
    (base/wordforms.py), so the install needs no dictionary."""
    def place(word: str) -> bool:
        return place_kind(word.lower()) == "place"
    words = [w for w in name.split(" ") if w]
    named = [place(w) or "-" in w and all(place(x) for x in w.split("-")) for w in words]
    return any(named) and all(n or place_kind(w.lower()) == "adjective" for n, w in zip(named, words))


def view_name(places: Places, city: str | None, country: str | None) -> dict[str, Any] | None:
    """The `city` part of a place view (destination.view), or None without a city."""
    return names(places, city, country) if city else None
