"""A text lint: every example case and a sample of generated parcels rendered in both languages,
the report and every message, read for what a reader would notice. Its own tests feed it bad
texts, so it can fail."""
import datetime as dt
import re

import pytest
import yaml

from advisor.workbench.cases import load_cases
from advisor.text.render import fmt_plural
from advisor.views.report import render_text
from advisor.workbench.timelines import parcels
from conftest import ROOT

GLOSSARY = yaml.safe_load((ROOT / "rules" / "glossary.yaml").read_text(encoding="utf-8"))
LATIN = re.compile(r"[A-Za-z][A-Za-z'’]*")
URL = re.compile(r"https?://\S+")
AGREEMENT = re.compile(r"\b(прош[её]л|прошло|остался|осталось)\s+(\d+)\b", re.I)
ID = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")
LOWER_AFTER_STOP = re.compile(r"(?<![\s(]г)(?<!\bт\.е)(?<!\bт\.д)[.!?] +([a-zа-яё])")    # within a line
DOUBLED = re.compile(r"(?<!\.)\.\.(?!\.)|,,|[ \t][,.;:](?!\d)|(?<!г)[.,][,;]")
ZERO = re.compile(r"(?<![\d.,])0 (?:days?|дн\w*)\b|\b(?:in|через) 0\b|\b0 (?:days?|дн\w*) (?:ago|назад)")


def _names(advisor) -> set[str]:
    """Latin words a Russian text may hold: the glossary's names and the names of formats,
    posts and trackers that the rules' data gives."""
    words = set(GLOSSARY["latin_names"])
    for f in advisor.formats.formats:
        for text in (f.name or {}).values():
            words |= set(LATIN.findall(str(text)))
        for t in f.trackers:
            words |= set(LATIN.findall(str(t.get("name", ""))))
    for post in advisor.formats.posts.values():
        words |= set(LATIN.findall(str(post.get("name", ""))))
    for u in advisor.formats.universal:
        words |= set(LATIN.findall(str(u.get("name", ""))))
    for p in advisor.profiles.values():
        words |= set(LATIN.findall(str((p.get("name") or {}).get("ru", ""))))
    return words


def problems(text: str, lang: str, allowed: set[str] = frozenset(), prose: bool = True) -> list[str]:
    """What a reader would notice in one text. `allowed`: Latin words a Russian text may hold
    (names, the code, the buyer's own words); `prose`: ids and option names are not allowed."""
    out = []
    text = URL.sub("", text)                 # a link is quoted as it is
    for bad in ("{{", "{%", "None", "\\u", "(s)", "[high]", "[warn]", "[info]"):
        if bad in text:
            out.append(f"`{bad}` left in the text")
    if ZERO.search(text):
        out.append(f"a zero where a word belongs: `{ZERO.search(text)[0]}`")
    m = DOUBLED.search(text)
    if m:
        out.append(f"doubled or loose punctuation: `{text[max(0, m.start() - 15):m.end() + 5]}`")
    m = LOWER_AFTER_STOP.search(text)
    if m:
        out.append(f"a sentence starts in lower case: `{text[max(0, m.start() - 15):m.end() + 5]}`")
    if prose:
        if "--" in re.sub(r"-{5,}", "", text):
            out.append("an option name in the text")
        for word in ID.findall(text):
            out.append(f"an id in the text: `{word}`")
    if lang == "ru":
        for verb, n in AGREEMENT.findall(text):
            one = fmt_plural(int(n), "ru", "one", "few", "many") == "one"
            if one != verb.lower().endswith(("ёл", "ел", "ся")):
                out.append(f"the verb does not agree with the number: `{verb} {n}`")
        # a form's English button label in quotes with its Russian explanation after it (eBay's case form)
        for word in LATIN.findall(re.sub(r"«[A-Za-z' ,]+»(?= \()", "", text)):
            if len(word) > 1 and word not in allowed:     # a single letter is a character being discussed
                out.append(f"an English word in Russian: `{word}`")
        for term in GLOSSARY["terms"].values():
            for avoid in (term.get("ru") or {}).get("avoid", []):
                if re.search(rf"\b{re.escape(avoid)}", text, re.I):
                    out.append(f"`{avoid}`: the glossary says `{term['ru']['use']}`")
    for term in GLOSSARY["terms"].values():
        for avoid in (term.get("en") or {}).get("avoid", []) if lang == "en" else []:
            if re.search(rf"\b{re.escape(avoid)}\b", text, re.I):
                out.append(f"`{avoid}`: the glossary says `{term['en']['use']}`")
    return out


def _russian_prose(report: str) -> str:
    """The Russian report without what is meant to stay English: the blocks between `-----`
    lines and the form's answers after «по-английски»."""
    kept, inside = [], False
    for line in report.splitlines():
        if line.startswith("-----"):
            inside = not inside
            continue
        if not inside:
            kept.append(line.split("(по-английски):")[0])
    return "\n".join(kept)


def _facts_words(doc: dict) -> set[str]:
    """The buyer's own words (codes, cities, statuses, shipping): quoted back, never translated."""
    words: set[str] = set()

    def walk(v):
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, str):
            words.update(LATIN.findall(v))
    walk(doc)
    return words


def lint_advice(advisor, doc: dict, today: dt.date | None) -> list[str]:
    out = []
    names = _names(advisor) | _facts_words(doc)
    for lang in ("en", "ru"):
        advice = advisor.advise(doc, today=today, lang=lang)
        data = advice.to_dict()
        if data["track"]:
            names |= set(LATIN.findall(data["track"]["code"]))
        report = render_text(advisor, advice, lang)
        shown = _russian_prose(report) if lang == "ru" else report
        out += [f"{lang} report: {p}" for p in problems(shown, lang, names, prose=(lang == "ru"))]
        profile = advisor.profiles[data["platform"]]
        for m in data["messages"]:
            name = f"{m['kind']}/{m['purpose']}"
            out += [f"{name} ({lang}): {p}" for p in problems(m[lang], lang, names)]
            out += [f"{name} title ({lang}): {p}" for p in problems(m["title"][lang], lang, names)]
            limit = profile["seller_message_max_chars" if m["kind"] == "seller" else "dispute_text_max_chars"]
            if len(m["en"]) > limit:
                out.append(f"{name}: {len(m['en'])} characters, the platform's box takes {limit}")
    return out


CASES = load_cases(ROOT / "rules")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_case_reads_cleanly_in_both_languages(advisor, case):
    today = dt.date.fromisoformat(case.today) if case.today else None
    assert lint_advice(advisor, case.facts, today) == []


def test_generated_parcels_read_cleanly_in_both_languages(advisor):
    found = {}
    for doc in parcels(advisor, 400, seed=77):
        for p in lint_advice(advisor, doc, None):
            found.setdefault(p, doc)
    assert not found, list(found.items())[:5]


@pytest.mark.parametrize("text, lang, expect", [
    ("Осталось 0 дней до конца защиты.", "ru", "a zero where a word belongs"),
    ("Protection ends in 0 days.", "en", "a zero where a word belongs"),
    ("Добавьте историю (--event or --history).", "ru", "an option name"),
    ("Откройте спор. he said so", "ru", "an English word in Russian"),
    ("Откройте спор. затем ждите.", "ru", "a sentence starts in lower case"),
    ("Open the dispute.. Then wait.", "en", "doubled or loose punctuation"),
    ("Stage: no_tracking now.", "en", "an id in the text"),
    ("Откройте диспут на AliExpress.", "ru", "`диспут`: the glossary says `спор`"),
    ("Code None is fine.", "en", "`None` left in the text"),
    ("1 event(s) read.", "en", "`(s)` left in the text"),
    ("[high] Protection ends.", "en", "`[high]` left in the text"),
    ("Прошло 21 день, а статусов нет.", "ru", "the verb does not agree with the number"),
    ("Защита: осталось 1 день.", "ru", "the verb does not agree with the number"),
    ("Защита: остался 5 дней.", "ru", "the verb does not agree with the number"),
])
def test_the_lint_catches_what_it_is_for(text, lang, expect):
    assert any(expect in p for p in problems(text, lang, {"eBay"})), problems(text, lang, {"eBay"})


@pytest.mark.parametrize("text, lang", [
    ("Откройте спор на AliExpress до 30 ноября 2026 г. Затем ждите ответа.", "ru"),
    ("Защита закончилась 3 дня назад, а посылки нет.", "ru"),
    ("Open a dispute by November 30, 2026 at the latest. Then wait.", "en"),
    ("Посылка в отделении (г. Москва). Возьмите паспорт.", "ru"),
    ("Прошёл 21 день, осталось 22 дня, прошло 25 дней, остался 1 день.", "ru"),
])
def test_the_lint_passes_good_texts(text, lang):
    assert problems(text, lang, {"AliExpress"}) == []
