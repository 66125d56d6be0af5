"""Status texts as sequences of lemmas, so the reading's terms match every form of a word:
«вручен», «вручено», «вручить» are one lemma (pymorphy3's, with its Ukrainian dictionary for a
Ukrainian line), "delivered" and "deliver" one stem (their inflection taken off), and a run of
Chinese characters is kept whole (a term matches inside it: Chinese has no spaces). The
dictionaries' lemmas ship as a table of the terms' words in every form (wordforms.py, loaded on
the first Cyrillic word); any other word is its own lemma, which matches no term, as before."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from advisor.base import wordforms

_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[^\W\d_]+(?:'[^\W\d_]+)*|\d+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_UKRAINIAN = re.compile(r"[іїєґ]")
# bidi and zero-width controls say nothing a reader needs and can hide a word from the terms
_CONTROLS = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                   "\u2066\u2067\u2068\u2069\ufeff"), None)
# marks NFKC would glue to a word ("Point™" becomes "pointtm"), and the apostrophes of
# Ukrainian words written four ways (кур'єр, кур’єр, курʼєр, кур`єр)
_MARKS = {ord("™"): " ", ord("®"): " ", ord("©"): " ", ord("’"): "'", ord("ʼ"): "'", ord("`"): "'"}


# Latin letters typed inside a Cyrillic word look the same and hide it from the dictionary
# («Возвращeн» with a Latin e, as a courier's SDK prints it)
_MIXED = re.compile(r"\w*[\u0400-\u04ff]\w*")
_HOMOGLYPHS = str.maketrans("aeopcxyki", "аеорсхукі")
# carriers write the pick-up three ways (pickup, pick-up, pick up): one word for the terms
_PICKUP = re.compile(r"\bpick[\s-]+up(s?)\b")


def normalise(text: str) -> str:
    """Case-folded NFKC text with ё as е, the invisible controls removed, Latin look-alikes
    inside a Cyrillic word made Cyrillic, and "pick up" / "pick-up" written "pickup"."""
    out = unicodedata.normalize("NFKC", text.translate(_MARKS)).translate(_CONTROLS).casefold().replace("ё", "е")
    if _CYRILLIC.search(out):
        return _MIXED.sub(lambda m: m[0].translate(_HOMOGLYPHS), out)
    return _PICKUP.sub(r"pickup\1", out) if "pick" in out else out


def language(text: str) -> str:
    """The script a line is in, for the dictionary to read it with: `zh`, `uk`, `ru` or `en`."""
    if _CJK.search(text):
        return "zh"
    if _CYRILLIC.search(text):
        return "uk" if _UKRAINIAN.search(text.casefold()) else "ru"
    return "en"


_VOWELS = set("aeiouy")
# words whose final -e is the word: without it "note" would be the negation "not"
_KEEP_E = frozenset({"note", "none", "done", "gone", "hope", "rate", "cane", "bite"})


PAST = "+ed"        # the mark of a past form on its stem: "delivered" is "deliver+ed"


def english(word: str) -> str:
    """An English word without its inflection (-s, -es, a final -e): "delivers" and "deliver" are
    one, "arrive" and "arrival" are not. A past form keeps a mark on its stem ("delivered" is
    `deliver+ed`) and an -ing form stays whole: "please deliver", "collect at the office" and
    "delivering" say what is to happen, "delivered" what did (statuswords matches a term in the
    past form only to a past form; any other term to every form). Only inflection: a full stemmer
    (Snowball, Porter) also strips derivation, and then "customer" is "customs" and "receiver" is
    "received", which a status line cannot afford."""
    w = word[:-2] if word.endswith("'s") else word       # the recipient's address
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-2] if w.endswith(("ches", "shes", "xes", "sses", "zes")) else w[:-1]
    if w.endswith("ing") and len(w) >= 6 and _VOWELS & set(w[:-3]):
        return w                # "delivering" is on its way, "delivered" is there: never one lemma
    stem = w[:-2]
    if w.endswith("ed") and len(stem) >= 3 and _VOWELS & set(stem):
        if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
            stem = stem[:-1]                  # dropped -> drop
        return _no_e(stem) + PAST
    return _no_e(w)


def _no_e(w: str) -> str:
    return w[:-1] if len(w) > 3 and w.endswith("e") and not w.endswith("ee") and w not in _KEEP_E else w


_ELISION = re.compile(r"^(?:l|d|qu|n|s|j|c|m|t)'(?=[^\W\d_])")


@lru_cache(maxsize=16_384)      # words of distinct status lines: bounded, memory stays flat
def lemma(word: str, lang: str) -> str:
    """One word's lemma: its dictionary form for Russian and Ukrainian, its stem for Latin script,
    itself otherwise (digits, Chinese runs)."""
    if _CJK.match(word) or word.isdigit():
        return word
    if _CYRILLIC.search(word):
        # a form the line's dictionary lacks is read with the other: a Ukrainian line with no і,
        # ї, є or ґ («Затримано митницею») looks Russian by its letters
        own, other = ("uk", "ru") if lang == "uk" else ("ru", "uk")
        return wordforms.lemma(word, own if wordforms.known(word, own) or not wordforms.known(word, other) else other)
    return english(_ELISION.sub("", word))      # French elision: l'expéditeur is expéditeur


def tokens(text: str) -> list[str]:
    """The words of a normalised text, each Chinese run as one word."""
    return _TOKEN.findall(text)


def lemmas(text: str, lang: str | None = None) -> tuple[str, ...]:
    """The lemmas of a text's words in order (`lang` from the text itself when not given)."""
    norm = normalise(text)
    lang = lang or language(norm)
    return tuple(lemma(w, lang) for w in tokens(norm))
