"""A city's name in each language, for texts: the gazetteer's English name (texts to the seller are
in English and a seller cannot read «Екатеринбург»), and for Russian prose the Cyrillic name that
the Russian dictionary knows as a place and that sounds most like the English one (Алматы, not the old
Алма-Ата; Минск, not the Belarusian Мінск), so the inflect filter can put it in its case.

A name the gazetteer cannot place in that country is transliterated into English when written in
Cyrillic (as `spelling:` of rules/places.yaml says), and kept as written (in quotes) in Russian when
written in Latin: never a guess of another city. The words before a name («г.», «пгт») are
rules/places.yaml's `leading_words`."""
from __future__ import annotations

import difflib
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from advisor.base.wordforms import place_kind
from advisor.knowledge.gazetteer import cities
from advisor.knowledge.spelling import cyrillic

if TYPE_CHECKING:
    from advisor.knowledge.places import Places


def latin(places: Places, name: str) -> str:
    """`name` in Latin letters as rules/places.yaml's `spelling:` says (Мінск -> Minsk)."""
    return places.spelling.latin(name)


def names(places: Places, city: str, country: str | None) -> dict[str, str]:
    """{"en": ..., "ru": ...}: the city `city` (as written by a tracker or a buyer) in each language."""
    written = places.without_leading(city)
    ids = places.ids(written, country) or frozenset()
    english = places.english(written, country)
    russian = _russian(places, country or "", ids, english) if ids and english else None
    in_cyrillic = cyrillic(written)
    return {"en": english or (latin(places, written) if in_cyrillic else written),
            "ru": russian or (written if in_cyrillic else f"«{written}»")}


@lru_cache(maxsize=1024)
def _russian(places: Places, country: str, ids: frozenset[str], english_name: str) -> str | None:
    """The Russian name of the city `english_name` (the one city `ids` names): a Cyrillic alternate the dictionary knows as a
    place (every word of it), the one closest to the English name, else the one that transliterates
    back to it exactly (Красноярск); None when there is none."""
    rows = [(name, alts) for gid, _a, name, alts in cities(country) if gid in ids and name == english_name]
    english = english_name.lower()
    russian = {a for _, alts in rows for a in alts if cyrillic(a) and places.spelling.russian(a)}
    found = {a for a in russian if known_place(a)} or {a for a in russian if latin(places, a).lower() == english}
    if not found:
        return None
    return max(sorted(found), key=lambda a: difflib.SequenceMatcher(None, latin(places, a).lower(), english).ratio())


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
