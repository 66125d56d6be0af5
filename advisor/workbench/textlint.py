"""The text lint: what a careful editor checks in every text a buyer reads or sends, done by a
program where a program can (docs/style.md lists which rules it enforces).

It reads one advice (its dict) and the text report made of it, and says each problem as a
`Finding`: no ids, options or English inside Russian prose, no Cyrillic inside English texts,
numerals that agree with their nouns, no "0 days", no slash forms, a lower-case letter after the
colon of a plan item, no guillemets in English, short sentences in texts to send, no step whose
day ahead is already past, no bare flag label, only prohibitions under "never do". Its words and
patterns are data (`templates/style.yaml`); tests run it over the snapshots and generated parcels.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Iterator

from advisor.base.dates import advice_day
from advisor.base.i18n import DEFAULT, LANGS, POST, long_dates

if TYPE_CHECKING:
    import pymorphy3

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
LATIN_WORD = re.compile(r"(?<![\w@/.:-])[A-Za-z][A-Za-z'’-]+(?![\w@/])")
URL = re.compile(r"\bhttps?://\S+|\b[\w-]+(?:\.[\w-]+)+/\S*")
QUOTED = re.compile(r"«[^»]*»|“[^”]*”|\"[^\"]*\"")
ORIGINAL_NAME = re.compile(r"\((?:[A-Za-z][\w'’.&-]*\s?)+\)")      # «Почта Финляндии (Posti)»
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZА-ЯЁ\"«(])")
NUMBER_NOUN = re.compile(r"(?<![\d.,:/])(\d+)\s+(?:[а-яё]+(?:ых|их|ый|ий|ой|ая|яя|ое|ее|ые|ие)\s+)?([а-яё]+)")


@dataclass(frozen=True)
class Finding:
    check: str          # which rule (`ru.latin`, `send.long_sentence` ...)
    where: str          # which text of the advice (`actions[1].text`, `report`)
    excerpt: str        # the words at fault
    why: str

    def __str__(self) -> str:
        return f"{self.check} at {self.where}: {self.why}: “{self.excerpt}”"


@lru_cache(maxsize=1)
def style() -> dict[str, Any]:
    import yaml
    from advisor.base.resources import templates_dir
    with (templates_dir() / "style.yaml").open(encoding="utf-8") as f:
        loaded: dict[str, Any] = yaml.safe_load(f)
        return loaded


@lru_cache(maxsize=1)
def _morph() -> "pymorphy3.MorphAnalyzer":
    import pymorphy3
    return pymorphy3.MorphAnalyzer()


def pieces(advice: dict[str, Any]) -> Iterator[tuple[str, str, str, str]]:
    """(where, language, role, text) of every text in the advice: `prose` to read in the advice's
    language, `send` for a text the buyer sends (English to the seller and the platform, Russian
    to the post)."""
    lang = advice.get("lang", DEFAULT)
    step = advice.get("next_step") or {}
    if step.get("text"):
        yield "next_step.text", lang, "prose", step["text"]
    for group in ("actions", "flags", "warnings", "deadlines", "notes", "missing"):
        for i, item in enumerate(advice.get(group) or []):
            if item.get("text"):
                yield f"{group}[{i}].text", lang, "prose", item["text"]
    for i, m in enumerate(advice.get("messages") or []):
        title = (m.get("title") or {}).get(lang)
        if title:
            yield f"messages[{i}].title", lang, "prose", title
        parts = {k: m[k] for k in ("form", "text", "attach") if isinstance(m.get(k), dict)} or {"": m}
        for name, texts in parts.items():
            for text_lang in LANGS:
                text = texts.get(text_lang)
                if not text:
                    continue
                # the form says which buttons to press, quoting them as the platform shows them
                # (Odnoklassniki's «Пожаловаться»): read as prose, not as a text sent
                role = "send" if (text_lang == POST) == (m.get("kind") == "post") and name != "form" else "prose"
                if role == "prose" and text_lang != lang:
                    continue            # a translation the buyer of the other language never sees
                yield f"messages[{i}].{name + '.' if name else ''}{text_lang}", text_lang, role, text


def lint(advice: dict[str, Any], report: str | None = None) -> list[Finding]:
    """Every finding in one advice and, when given, its text report."""
    today = advice_day(advice["today"]) if advice.get("today") else None
    out: list[Finding] = []
    for where, lang, role, text in pieces(advice):
        out += check_text(text, lang, role, where)
        if today and where.startswith(("actions", "next_step")):
            out += past_days(text, lang, today, where)
    out += bare_flags(advice)
    if report is not None:
        out += check_report(report, advice.get("lang", DEFAULT))
    return out


def check_text(text: str, lang: str, role: str, where: str) -> list[Finding]:
    """The checks of one text in its language."""
    s = style()
    text = URL.sub(lambda m: "<url>", text)        # an address is given as it is written
    out = [Finding("ids", where, m.group(0), i["why"]) for i in s["ids"]
           for m in re.finditer(i["pattern"], text, 0 if i.get("case") else re.I)]
    out += [Finding(f"{lang}.phrase", where, m.group(0), p["why"]) for p in s["phrases"][lang]
            for m in re.finditer(p["pattern"], text, re.M | (0 if p.get("case") else re.I))]
    own = OWN_CHECKS.get(lang)           # the checks of one language's script and grammar, if it has any
    if own:
        out += own(text, role, where)
    if role == "send":
        out += long_sentences(text, where)
    out += [Finding("spacing", where, _around(text, m.start()), "a double space or a space before a mark")
            for m in re.finditer(r"(?<=\S)  +(?=\S)| [,.;:!?](?!\w)", text)]
    return out


def cyrillic_in_english(text: str, role: str, where: str) -> list[Finding]:
    bare = text if role == "send" else QUOTED.sub("", text)     # a status quoted as printed is kept
    return [Finding("en.cyrillic", where, _around(bare, m.start()), "Cyrillic inside an English text")
            for m in [CYRILLIC.search(bare)] if m]


def russian(text: str, role: str, where: str) -> list[Finding]:
    return latin_in_russian(text, where) + numerals(text, where)


def latin_in_russian(text: str, where: str) -> list[Finding]:
    allowed = {w.lower() for w in style()["latin_in_russian"] if " " not in w}
    for name in (w for w in style()["latin_in_russian"] if " " in w):
        text = text.replace(name, " " * len(name))
    text = QUOTED.sub(lambda m: " " * len(m.group(0)), text.replace("<url>", "     "))   # a name quoted as printed
    text = ORIGINAL_NAME.sub(lambda m: " " * len(m.group(0)), text)
    words = [m for m in LATIN_WORD.finditer(text) if m.group(0).lower() not in allowed
             and not _code_like(text, m.start(), m.end())]
    return [Finding("ru.latin", where, _around(text, m.start()), "English or an id inside Russian prose")
            for m in words]


def _code_like(text: str, start: int, end: int) -> bool:
    """A track code, a number with letters, or a value in backticks: not prose."""
    before, after = re.search(r"\S*$", text[:start]), re.match(r"\S*", text[start:])
    token = (before.group(0) if before else "") + (after.group(0) if after else "")
    return bool(re.search(r"\d", token)) or token.startswith("`") or token.strip("(),.;:«»").isupper()


def numerals(text: str, where: str) -> list[Finding]:
    """A number and the noun it counts agree; "было 21 день" has the wrong verb."""
    s, morph, out = style(), _morph(), []
    nouns = set(s["counted_nouns"])
    for m in NUMBER_NOUN.finditer(text.lower()):
        n, word = int(m[1]), m[2]
        if len(m[1]) > 6:          # a code or an order number before a noun ("52021382387523 посылка"), not a count
            continue
        parses = [p for p in morph.parse(word) if p.normal_form in nouns and "NOUN" in p.tag
                  and not (p.normal_form == "год" and n >= 1000)]      # «с 2017 года» is a year
        if not parses:
            continue
        # in its own case ("до 21 дня") or as the subject ("43 дня", "21 день")
        agreed = {(f.make_agree_with_number(n) or f).word for p in parses for f in (p, p.inflect({"nomn"})) if f}
        if word not in agreed:
            out.append(Finding("ru.numeral", where, m.group(0), f"the noun does not agree with {n}"))
        before = text.lower()[:m.start()].rstrip().rsplit(" ", 2)
        verb = " ".join(before[-2:]) if before[-2:-1] == ["прошло"] else before[-1]
        if n % 10 == 1 and n % 100 != 11 and verb in s["neuter_verbs"]:
            out.append(Finding("ru.numeral", where, f"{verb} {m.group(0)}", f"the verb does not agree with {n}"))
    return out


def long_sentences(text: str, where: str) -> list[Finding]:
    limit = style()["send_sentence_words"]
    out = []
    for line in text.splitlines():
        for sentence in SENTENCE_END.split(line):
            words = len(re.findall(r"\w+(?:[-'’]\w+)*", sentence))
            if words > limit:
                out.append(Finding("send.long_sentence", where, sentence[:80] + "…", f"{words} words (at most {limit})"))
    return out


def past_days(text: str, lang: str, today: dt.date, where: str) -> list[Finding]:
    """A day a step says is still ahead ("by November 17", «до 17 ноября») may not be before today."""
    ahead = "|".join(re.escape(w) for w in style()["ahead_words"][lang])
    shape, months = long_dates(lang, year_optional=True)
    out = []
    for m in re.finditer(rf"(?<!\w)(?:{ahead})\s+({shape.pattern})", text):
        d = shape.match(m.group(1))
        if d is None:
            continue
        try:
            when = dt.date(int(d["year"]) if d["year"] else today.year, months.index(d["month"].lower()) + 1, int(d["day"]))
        except ValueError:
            continue
        if when < today:
            out.append(Finding("step.past_day", where, m.group(0), f"a day ahead that is before today ({today})"))
    return out


def bare_flags(advice: dict[str, Any]) -> list[Finding]:
    """A red flag that is only a label ("Buyer protection ends", a deadline's words, no full stop)
    says nothing at the moment it matters: a flag is a sentence."""
    labels = {(d.get("text") or "").strip(" .").lower() for d in advice.get("deadlines") or []}
    return [Finding("flag.bare_label", f"flags[{i}].text", f["text"], "a flag that is only a label, without its day")
            for i, f in enumerate(advice.get("flags") or [])
            if f.get("text", "").strip(" .").lower() in labels or not f.get("text", "").rstrip().endswith((".", "!", "?", ")"))]


def check_report(report: str, lang: str) -> list[Finding]:
    """The report's own lines: plan items after their colon, the items under "never do"."""
    s, out, never = style(), [], False
    for n, line in enumerate(report.splitlines(), 1):
        where = f"report line {n}"
        own = REPORT_CHECKS.get(lang)
        if own:
            out += own(line, where)
        if line.strip() == s["never_heading"][lang]:
            never = True
        elif never and line.startswith("  ! "):
            if not line[4:].startswith(tuple(s["never_starts"][lang])):
                out.append(Finding("never.not_prohibition", where, line[4:64], "not a prohibition under the never heading"))
        elif not line.startswith("  "):
            never = False
    return out


def colon_capital(line: str, where: str) -> list[Finding]:
    """A plan item's text after its colon starts in lower case in Russian."""
    m = re.match(r"\s+\d+\. [^:]+ — [^:]+: (\S+)", line)
    if m and m[1][:1].isupper() and not _proper(m[1]):
        return [Finding("ru.colon_capital", where, line.strip()[:60], "a capital letter after the colon of a plan item")]
    return []


# The checks of one language's script and grammar, by language (a language without any gets the
# shared checks and its `templates/style.yaml` phrases only).
OWN_CHECKS: dict[str, Callable[[str, str, str], list[Finding]]] = {"en": cyrillic_in_english, "ru": russian}
REPORT_CHECKS: dict[str, Callable[[str, str], list[Finding]]] = {"ru": colon_capital}


def _proper(word: str) -> bool:
    word = word.strip("«»\"(),.:;")
    if not CYRILLIC.search(word):
        return True         # a code or a Latin name keeps its capitals
    return any({"Name", "Surn", "Geox", "Orgn", "Abbr"} & set(p.tag.grammemes) for p in _morph().parse(word)[:2])


def _around(text: str, at: int, width: int = 30) -> str:
    return text[max(0, at - width):at + width].replace("\n", " ")
