"""How a city's name is written for people (`spelling:` of rules/places.yaml), read and checked.

engine/placenames.py writes a city in English and in Russian; what it needs to know of scripts is
data a rules editor can change: the letters of Ukrainian, Belarusian and Kazakh that Russian has
not (Мінск is not a Russian name), and how a Cyrillic name is put in Latin letters: a scheme of
the `iuliia` library (maintained tables of the standard schemes, so the spelling is not a table
of ours) and the few letters its Russian schemes lack. Checked when the rules are read, so a
wrong entry is an error naming its `file:line`, never a name silently left in Cyrillic.
"""
from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from advisor.base.errors import RulesError, did_you_mean, one_of
from advisor.base.yamlfile import located

DISPLAY = "rules/places.yaml"
KEYS = {"not_russian_letters", "latin_scheme", "latin_letters"}
_RUSSIAN = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
_LATIN = re.compile(r"^[a-z]*$")


@dataclass(frozen=True)
class Spelling:
    not_russian: frozenset[str] = frozenset()       # lower-case letters
    scheme: str = "wikipedia"
    letters: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def russian(self, name: str) -> bool:
        """No letter of `name` is one Russian does not have (Минск, not Мінск)."""
        return not any(ch.lower() in self.not_russian for ch in name)

    def latin(self, name: str) -> str:
        """`name` in Latin letters (Мінск -> Minsk, Новосибирск -> Novosibirsk), capitals kept."""
        return _latin(name, self.scheme, tuple(sorted(self.letters.items())))


def cyrillic(text: str) -> bool:
    """`text` holds a letter of the Cyrillic script (Unicode's Cyrillic block)."""
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def load_spelling(spec: Any) -> Spelling:
    """`spelling:` of rules/places.yaml; its absence is the defaults (no letter is marked)."""
    if spec is None:
        return Spelling()
    if not isinstance(spec, dict):
        raise RulesError("`spelling` must be a mapping", where=located(spec, None, f"{DISPLAY}:1:1"),
                         help="write `spelling:` then `latin_scheme:`, `not_russian_letters:` and `latin_letters:` under it")
    for key in spec:
        if key not in KEYS:
            raise RulesError(f"unknown key `{key}`", where=located(spec, key, DISPLAY),
                             help=did_you_mean(str(key), KEYS) or one_of(KEYS))
    return Spelling(_not_russian(spec), _scheme(spec), _letters(spec))


def _not_russian(spec: dict[str, Any]) -> frozenset[str]:
    letters = spec.get("not_russian_letters") or ""
    where = located(spec, "not_russian_letters", DISPLAY)
    if not isinstance(letters, str):
        raise RulesError(f"`not_russian_letters` must be letters written together, not `{letters}`", where=where,
                         help="write them as one word: `not_russian_letters: іїєўґ`")
    for ch in letters:
        if not ch.isalpha():
            raise RulesError(f"`{ch}` in `not_russian_letters` is not a letter", where=where,
                             help="write the letters together, without spaces or commas")
        if ch.lower() in _RUSSIAN:
            raise RulesError(f"`{ch}` in `not_russian_letters` is a letter of Russian", where=where,
                             help="every Russian name holding it would be taken as not Russian; remove it")
    return frozenset(letters.lower())


def _scheme(spec: dict[str, Any]) -> str:
    scheme = str(spec.get("latin_scheme") or "wikipedia")
    known = _schemes()
    if scheme not in known:
        raise RulesError(f"unknown transliteration scheme `{scheme}`", where=located(spec, "latin_scheme", DISPLAY),
                         help=did_you_mean(scheme, known) or one_of(known))
    return scheme


def _letters(spec: dict[str, Any]) -> dict[str, str]:
    table = spec.get("latin_letters") or {}
    if not isinstance(table, dict):
        raise RulesError("`latin_letters` must be a mapping of a letter to its Latin spelling",
                         where=located(spec, "latin_letters", DISPLAY), help="write e.g. `latin_letters: {і: i, ў: u}`")
    out = {}
    for letter, latin in table.items():
        where = located(table, letter, DISPLAY)
        if len(letter) != 1 or not cyrillic(letter):
            raise RulesError(f"`{letter}` in `latin_letters` is not one Cyrillic letter", where=where)
        if not isinstance(latin, str) or not _LATIN.match(latin):
            raise RulesError(f"the Latin spelling of `{letter}` must be lower-case Latin letters, not `{latin}`",
                             where=where, help=f"write e.g. `{letter}: i`")
        out[letter.lower()] = latin
    return out


@lru_cache(maxsize=1)
def _schemes() -> frozenset[str]:
    """iuliia's scheme names, from its shipped scheme files: read without importing the library,
    which the advice needs only for a name the gazetteer does not know."""
    spec = importlib.util.find_spec("iuliia")
    paths = list(spec.submodule_search_locations or []) if spec else []
    return frozenset(p.stem for d in paths for p in (Path(d) / "schemas").glob("*.json"))


@lru_cache(maxsize=4096)
def _latin(name: str, scheme: str, letters: tuple[tuple[str, str], ...]) -> str:
    import iuliia
    table = dict(letters)
    own = "".join((table[ch.lower()][:1].upper() + table[ch.lower()][1:]) if ch.lower() in table and ch != ch.lower()
                  else table.get(ch, ch) for ch in name)
    return iuliia.schemas.get(scheme).translate(own)
