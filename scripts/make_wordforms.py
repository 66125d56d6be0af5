"""Makes advisor/wordforms/ (the lemmas of the reading's terms in every form, and the place names'
and platforms' words in six cases) from pymorphy3's Russian and Ukrainian dictionaries; run it
after changing the terms of rules/reading.yaml, a platform's words, rules/postcodes.yaml's
regions, the gazetteer, or after upgrading pymorphy3 or its dictionaries:

    pip install -e '.[wordforms]' && python scripts/make_wordforms.py

The dictionaries (30 MB installed) are not needed to install or run the advisor: only the files
this writes ship. The output is byte-for-byte reproducible, so a diff shows real changes;
tests/test_wordforms.py checks the shipped files against it where the dictionaries are installed.
"""
from __future__ import annotations

import re
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any, Iterable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from advisor.base import wordforms  # noqa: E402
from advisor.knowledge.lemmas import normalise, tokens  # noqa: E402

LANGS = ("ru", "uk")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def source() -> str:
    """What the tables are made from: the dictionaries, and Babel, whose Russian country names are
    among the inflected words (another release of any of them may make other tables)."""
    return ", ".join(f"{name} {version(name)}" for name in ("pymorphy3", "pymorphy3-dicts-ru", "pymorphy3-dicts-uk", "babel"))


def _analysers() -> dict[str, Any]:
    import pymorphy3
    return {lang: pymorphy3.MorphAnalyzer(lang=lang) for lang in LANGS}


def dictionary_lemma(morph: Any, word: str) -> str:
    """A normalised Cyrillic word's lemma as the reading took it from pymorphy3: its first parse's."""
    parses = morph.parse(word)
    return str(parses[0].normal_form).replace("ё", "е") if parses else word


def term_words(rules: Path) -> set[str]:
    """The Cyrillic words of rules/reading.yaml's terms, normalised as a status line's words are."""
    import yaml
    doc = yaml.safe_load((rules / "reading.yaml").read_text(encoding="utf-8"))
    out: set[str] = set()
    for values in (doc.get("terms") or {}).values():
        for words in (values or {}).values():
            for text in words or []:
                out.update(w for w in tokens(normalise(str(text))) if _CYRILLIC.search(w))
    return out


def lemma_tables(words: Iterable[str], analysers: dict[str, Any]) -> dict[str, dict[str, str]]:
    """lang -> form -> lemma for every form whose lemma is a term word's lemma in either
    dictionary (a term is matched with both): the forms of every lexeme of the terms' words
    and of their lemmas in both dictionaries (a Russian word in a Ukrainian line is read with the
    Ukrainian one), each with the lemma its own first parse gives. The terms' words and lemmas
    are always in, so no word outside the table can be its own lemma and a term's."""
    words = set(words)
    lemmas = {dictionary_lemma(m, w) for m in analysers.values() for w in words}
    candidates = set(words) | lemmas
    for morph in analysers.values():
        for w in sorted(words | lemmas):
            for p in morph.parse(w):
                candidates.update(normalise(f.word) for f in p.lexeme)
    tables = {}
    for lang, morph in analysers.items():
        table = {}
        for form in sorted(candidates):
            lem = dictionary_lemma(morph, form)
            if lem in lemmas or form in lemmas or form in words:
                table[form] = lem
        tables[lang] = table
    return tables


def name_words(rules: Path) -> set[str]:
    """The lower-case words a text may inflect: of the gazetteer's Cyrillic names, the regions'
    Russian names, the countries' Russian names (Babel's) and the platforms' Russian words."""
    import yaml
    from advisor.knowledge.gazetteer import _lines
    from advisor.knowledge.places import _postcodes
    from advisor.text.render import _territories
    names: list[str] = []
    for lines in _lines().values():
        for line in lines:
            names += line.split("\t")[3].split("\x1f")
    regions, _ = _postcodes(rules)
    names += [r.ru for by_id in regions.values() for r in by_id.values()]
    names += list(_territories("ru").values())
    platforms = yaml.safe_load((rules / "platforms.yaml").read_text(encoding="utf-8"))
    for p in (platforms.get("platforms") or {}).values():
        names += [str(w.get("ru") or "") for w in (p.get("words") or {}).values() if isinstance(w, dict)]
    names.append("спор")            # views/report.py's word for a platform without its own
    return {w.lower() for n in names for w in n.split(" ") if _CYRILLIC.search(w)}


def case_table(words: Iterable[str]) -> dict[str, list[str]]:
    """word -> its forms in the six cases as inflect.py makes them ('' where it keeps the word)."""
    from advisor.text.inflect import CASES, by_dictionary
    assert CASES == wordforms.CASE_NAMES, "inflect.py and wordforms.py name the same cases"
    return {w: [by_dictionary(w, case) or "" for case in CASES] for w in sorted(words)}


def place_kinds(words: Iterable[str], analysers: dict[str, Any]) -> dict[str, str]:
    """The words of places' names (and their hyphenated parts) the Russian dictionary knows as a
    place or as an adjective in the nominative: what engine/placenames.py asks of a city's Russian name."""
    morph = analysers["ru"]
    parts = {p for w in words for p in [w, *w.split("-")] if p}
    kinds = {}
    for word in parts:
        parses = [p for p in morph.parse(word) if p.is_known]
        if any({"Geox", "nomn"} <= p.tag.grammemes for p in parses):
            kinds[word] = "place"
        elif any({"ADJF", "nomn"} <= p.tag.grammemes for p in parses):
            kinds[word] = "adjective"
    return kinds


def made() -> tuple[bytes, bytes, bytes]:
    """The three files' contents, gzipped."""
    from advisor.base.resources import rules_dir
    rules = rules_dir()
    analysers = _analysers()
    names = name_words(rules)
    lemmas = wordforms.lemmas_text(lemma_tables(term_words(rules), analysers), source())
    cases = wordforms.cases_text(case_table(names), source())
    places = wordforms.places_text(place_kinds(names, analysers), source())
    return wordforms.compressed(lemmas), wordforms.compressed(cases), wordforms.compressed(places)


def main() -> None:
    lemmas, cases, places = made()
    wordforms.DIR.mkdir(parents=True, exist_ok=True)
    wordforms.LEMMAS.write_bytes(lemmas)
    wordforms.CASES.write_bytes(cases)
    wordforms.PLACES.write_bytes(places)
    print(f"{wordforms.LEMMAS.name}: {len(lemmas):,} bytes; {wordforms.CASES.name}: {len(cases):,} bytes; "
          f"{wordforms.PLACES.name}: {len(places):,} bytes")


if __name__ == "__main__":
    main()
