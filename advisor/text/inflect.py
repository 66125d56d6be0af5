"""Russian words and place names in a grammatical case ("в Новосибирске", "для жалобы"), by
pymorphy3's dictionary, so a text names a city or a platform's word as a native writes it instead
of dodging the case with brackets. What the dictionary does not know stays as written. The words
of the gazetteer's, regions', countries' and platforms' names ship inflected (wordforms.py); the
dictionary itself is read only for other words, where it is installed (the `inflect` extra)."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pymorphy3

_CYRILLIC = re.compile(r"[а-яё]", re.I)
CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")


@lru_cache(maxsize=1)
def _morph() -> "pymorphy3.MorphAnalyzer | None":
    try:
        import pymorphy3        # loaded on the first word the shipped forms do not have
    except ImportError:
        return None
    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=4096)       # one parse serves a word's six cases
def _parse(word: str) -> "pymorphy3.Parse | None":
    """The reading of `word` as a noun or adjective in the nominative: a place name first."""
    morph = _morph()
    if morph is None:
        return None
    parses = [p for p in morph.parse(word) if {"NOUN", "ADJF"} & set(p.tag.grammemes)]
    for test in (lambda p: {"Geox", "nomn"} <= p.tag.grammemes, lambda p: "nomn" in p.tag.grammemes):
        found = next((p for p in parses if test(p)), None)
        if found is not None:
            return found
    return None


def _like(original: str, new: str) -> str:
    """`new` with the capitals of `original`, part by hyphenated part (Ростове-на-Дону)."""
    olds, news = original.split("-"), new.split("-")
    if len(olds) != len(news):
        return new[:1].upper() + new[1:] if original[:1].isupper() else new
    return "-".join(n[:1].upper() + n[1:] if o[:1].isupper() else n for o, n in zip(olds, news))


@lru_cache(maxsize=4096)
def inflect(phrase: str, case: str) -> str:
    """`phrase` (nominative) in `case` (pymorphy3's: gent, datv, accs, ablt, loct); each word
    the dictionary reads as a noun or adjective is inflected, anything else is kept."""
    if case not in CASES:
        raise ValueError(f"unknown case `{case}`; one of {', '.join(CASES)}")
    if not phrase or not _CYRILLIC.search(phrase):
        return phrase
    out = []
    for word in phrase.split(" "):
        form = _form(word, case) if _CYRILLIC.search(word) else None
        out.append(_like(word, form) if form else word)
    return " ".join(out)


def _form(word: str, case: str) -> str | None:
    """`word` in `case` (lower case), or None to keep it: the shipped form, else the dictionary's."""
    from advisor.base.wordforms import case_forms
    shipped = case_forms(word.lower())
    if shipped is not None:
        return shipped[CASES.index(case)] or None
    return by_dictionary(word, case)


def by_dictionary(word: str, case: str) -> str | None:
    """`word` in `case` by pymorphy3 (scripts/make_wordforms.py ships these), None to keep it."""
    p = _parse(word)
    if p is None or "Fixd" in p.tag.grammemes:
        return None
    form = p.inflect({case})
    return form.word if form is not None else None


def preposition_in(word: str) -> str:
    """«в», or «во» before в/ф and a consonant (во Владивостоке, во Франции)."""
    w = word.lower()
    return "во" if len(w) > 1 and w[0] in "вф" and w[1] not in "аеёиоуыэюя" else "в"
