"""The text lint (advisor/textlint.py, docs/style.md): it finds what a careful editor would, and finds
nothing over the reports in tests/snapshots/ and over 2,000 generated parcels."""
import collections

import pytest

import snapshots
from advisor.views.report import render_text
from advisor.workbench.textlint import lint
from advisor.workbench.timelines import parcels

GENERATED, SEED = 2000, 2026     # parcels the lint reads, each in one language (half each)

CHECKS = ["ids", "spacing", "en.phrase", "ru.phrase", "en.cyrillic", "ru.latin", "ru.numeral", "send.long_sentence",
          "step.past_day", "flag.bare_label", "ru.colon_capital", "never.not_prohibition"]


def _advice(lang="ru", **over):
    out = {"lang": lang, "today": "2026-11-22", "next_step": None, "actions": [], "flags": [], "warnings": [],
           "deadlines": [], "notes": [], "missing": [], "messages": []}
    out.update(over)
    return out


def _checks(advice, report=None):
    return sorted({f.check for f in lint(advice, report)})


@pytest.mark.parametrize("text, check", [
    ("Нет отслеживания через 28 дней после выдачи номера.", "ru.phrase"),
    ("Посылку я не получил(а).", "ru.phrase"),
    ("У продавца было 21 день, а номер не отслеживается.", "ru.numeral"),
    ("Прошло 5 дня с оплаты.", "ru.numeral"),
    ("Подайте жалобу на почту: Russian Post.", "ru.latin"),
    ("Откройте спор (--dispute-opened).", "ids"),
    ("Откройте спор через 0 дней.", "ru.phrase"),
    ("Откройте спор до 17 ноября 2026 г.", "step.past_day"),
    ("Откройте спор, раньше чем защита закончится.", "ru.phrase"),
    ("Если он промолчит, жалобу закроется в вашу пользу.", "ru.phrase"),
    ("Ждать: ждать решения площадки.", "ru.phrase"),
    ("Пакет (не отслеживается); страна — Китай; не отслеживается.", "ru.phrase"),
])
def test_the_lint_finds_each_kind_of_problem_in_russian(text, check):
    assert check in _checks(_advice(actions=[{"text": text}]))


@pytest.mark.parametrize("text, check", [
    ("The post reports «Delivered».", "en.phrase"),
    ("Open a dispute in 0 days.", "en.phrase"),
    ("Open a dispute by November 17, 2026.", "step.past_day"),
    ("Say stage open_dispute.", "ids"),
    ("Wait: wait about a week.", "en.phrase"),
    ("Small packet (not tracked); from China; not tracked.", "en.phrase"),
])
def test_the_lint_finds_each_kind_of_problem_in_english(text, check):
    assert check in _checks(_advice("en", actions=[{"text": text}]))


def test_texts_to_send_keep_to_english_and_short_sentences():
    long = " ".join(["word"] * 31) + "."
    message = {"kind": "seller", "title": {"en": "t", "ru": "т"}, "en": "My order is to Екатеринбург. " + long, "ru": "Текст."}
    assert _checks(_advice("en", messages=[message])) == ["en.cyrillic", "send.long_sentence"]


def test_correct_russian_passes():
    text = ("У продавца был 21 день, прошло 2 дня, до 5 дней, в течение 21 дня, с 2017 года; "
            "проверьте на AliExpress и в Почте Финляндии (Posti) номер RK190321410CN «Delivered».")
    assert _checks(_advice(actions=[{"text": text}], deadlines=[{"text": "Открыть спор до"}],
                           flags=[{"text": "Открыть спор до 25 ноября 2026 г."}])) == []


def test_a_flag_is_a_sentence_with_its_day_not_a_label():
    flags = [{"text": "Защита покупателя закончилась"}]
    assert _checks(_advice(flags=flags)) == ["flag.bare_label"]
    assert _checks(_advice(flags=[{"text": "Защита покупателя закончилась 5 дней назад (17 ноября 2026 г.)."}])) == []


def test_the_report_lines_are_read_too():
    report = "План\n  1. Сегодня — Открыть спор\n  2. Сегодня — Проверить: Прошло 28 дней.\nНикогда не делайте\n  ! Деньги вернулись.\n"
    assert _checks(_advice(), report) == ["never.not_prohibition", "ru.colon_capital"]
    assert _checks(_advice(), report.replace(": Прошло", ": прошло").replace("! Деньги", "! Не ждите")) == []


@pytest.fixture(scope="module")
def found(advisor):
    """check -> findings (parcel, finding) over the snapshots' reports and the generated parcels."""
    out = collections.defaultdict(list)
    for lang in snapshots.LANGS:
        for _, title, advice, text in snapshots.reports(advisor, lang):
            for f in lint(advice, text) if advice else []:
                out[f.check].append((f"{title} {lang}", str(f)))
    for i, doc in enumerate(parcels(advisor, GENERATED, seed=SEED)):
        lang = snapshots.LANGS[i % 2]
        advice = advisor.advise(doc, lang=lang)
        for f in lint(advice.to_dict(), render_text(advisor, advice, lang)):
            out[f.check].append((f"generated parcel {i} (seed {SEED}) {lang}", str(f)))
    return out


@pytest.mark.parametrize("check", CHECKS)
def test_no_finding_over_the_snapshots_and_generated_parcels(found, check):
    assert found.get(check, [])[:10] == [], f"{len(found[check])} findings"
