"""The shipped word forms of the Russian and Ukrainian dictionaries (advisor/wordforms/), read and made.

Status lines are read by the lemmas of their words (lemmas.py), and only lemmas of the terms of
`rules/reading.yaml` can match; texts put place names and a platform's words in a case
(inflect.py). Both came from pymorphy3's dictionaries, 30 MB installed. What the advice reads of
them ships instead as two small tables, made by `scripts/make_wordforms.py` from those
dictionaries at development time with the functions below, so the format is read and written in
one place: every form of every word whose lemma is a term's (with that lemma), and each word of
the gazetteer's, the regions', the countries' and the platforms' Russian names in the six cases.
A word outside the lemma table is its own lemma, which no term has, so it matches nothing, as
before; a word outside the case table is inflected by pymorphy3 where it is installed (the
`inflect` extra) and kept as written otherwise.
"""
from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

DIR = Path(__file__).resolve().parent.parent / "wordforms"
LEMMAS = DIR / "lemmas.tsv.gz"
CASES = DIR / "cases.tsv.gz"
PLACES = DIR / "places.tsv.gz"
CASE_NAMES = ("nomn", "gent", "datv", "accs", "ablt", "loct")


def lemma(word: str, lang: str) -> str:
    """The lemma of a normalised Cyrillic word (`ru` or `uk` dictionary); the word itself when
    its lemma is no term's."""
    return _lemmas().get(lang, {}).get(word, word)


def known(word: str, lang: str) -> bool:
    """Whether the dictionary's table has the word (as a term's lemma or one of its forms)."""
    return word in _lemmas().get(lang, {})


def case_forms(word: str) -> tuple[str, ...] | None:
    """A lower-case word's forms in CASE_NAMES' order ('' where the dictionary keeps it as
    written), or None when the table does not have it."""
    tail = _cases().get(word)
    if tail is None:
        return None
    return tuple(_undiff(word, d) for d in tail.split("\t")) if tail else ("",) * len(CASE_NAMES)


def place_kind(word: str) -> str:
    """How the dictionary knows a lower-case word of a place's Russian name in the nominative:
    `place` (Москва, Минск), `adjective` (Нижний) or '' (not a place word, or not in the table)."""
    return _places().get(word, "")


@lru_cache(maxsize=1)
def _places() -> dict[str, str]:
    with gzip.open(PLACES, "rt", encoding="utf-8") as f:
        return dict(line.split("\t") for line in f.read().splitlines() if line and not line.startswith("#"))


@lru_cache(maxsize=1)
def _lemmas() -> dict[str, dict[str, str]]:
    """lang -> form -> lemma, read on the first Cyrillic word."""
    out: dict[str, dict[str, str]] = {}
    with gzip.open(LEMMAS, "rt", encoding="utf-8") as f:
        for line in f.read().splitlines():
            if line and not line.startswith("#"):
                lang, lem, forms = line.split("\t")
                table = out.setdefault(lang, {})
                for form in forms.split(" "):
                    table[form] = lem
    return out


@lru_cache(maxsize=1)
def _cases() -> dict[str, str]:
    """word -> its forms as written in the table (read on the first Russian text that inflects a
    word; a word's forms are spelled out when it is asked for)."""
    out: dict[str, str] = {}
    with gzip.open(CASES, "rt", encoding="utf-8") as f:
        for line in f.read().splitlines():
            if line and not line.startswith("#"):
                word, _, tail = line.partition("\t")
                out[word] = tail
    return out


def _diff(word: str, form: str) -> str:
    """A form as `N:ending`: drop N letters of the word, add the ending ('' keeps the word)."""
    if not form:
        return ""
    same = 0
    while same < min(len(word), len(form)) and word[same] == form[same]:
        same += 1
    return f"{len(word) - same}:{form[same:]}"


def _undiff(word: str, diff: str) -> str:
    if not diff:
        return ""
    drop, _, ending = diff.partition(":")
    return word[:len(word) - int(drop)] + ending


def lemmas_text(tables: Mapping[str, Mapping[str, str]], source: str) -> str:
    """lang -> form -> lemma as the shipped table: one lemma a line with its forms."""
    lines = [f"# {source}: language, lemma, its forms"]
    for lang in sorted(tables):
        by_lemma: dict[str, list[str]] = {}
        for form, lem in tables[lang].items():
            _check(form, lem)
            by_lemma.setdefault(lem, []).append(form)
        lines += [f"{lang}\t{lem}\t{' '.join(sorted(forms))}" for lem, forms in sorted(by_lemma.items())]
    return "\n".join(lines) + "\n"


def cases_text(forms: Mapping[str, Iterable[str]], source: str) -> str:
    """word -> its forms in CASE_NAMES' order as the shipped table (a word kept in every case
    is its line alone)."""
    lines = [f"# {source}: word, then its {', '.join(CASE_NAMES)}, each as N:ending (drop N letters, add"
             " the ending; '' where it is kept as written)"]
    for word in sorted(forms):
        row = list(forms[word])
        _check(word, *row)
        lines.append("\t".join([word] + [_diff(word, f) for f in row]) if any(row) else word)
    return "\n".join(lines) + "\n"


def places_text(kinds: Mapping[str, str], source: str) -> str:
    """word -> `place` or `adjective` as the shipped table, one word a line."""
    for word in kinds:
        _check(word)
    return "\n".join([f"# {source}: word of a place's name, how the dictionary knows it in the nominative"]
                     + [f"{w}\t{kinds[w]}" for w in sorted(kinds)]) + "\n"


def _check(*words: str) -> None:
    for w in words:
        if any(c in w for c in "\t\n ") and w:
            raise ValueError(f"a word holds a separator: {w!r}")


def compressed(text: str) -> bytes:
    """The table gzipped without a time stamp, so the same forms make the same bytes."""
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)
