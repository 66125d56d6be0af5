"""Every seller message and dispute text, rendered from a realistic case in both languages."""
import datetime as dt
import re
import shutil

import pytest

from advisor import Advisor
from advisor.workbench.cases import load_cases
from advisor.base.errors import RulesError
from advisor.text.render import fmt_days
from conftest import ROOT, TODAY

CODE = "RK190321410CN"
MOVING = [{"date": "2026-09-30", "status": "Приём"}, {"date": "2026-11-01", "status": "Экспорт"}]

# name -> (facts, strings the English text must hold, strings the Russian text must hold)
MESSAGES = {
    "seller/not_tracked": (
        {"order": {"track_issued": "2026-11-10"}},
        ["November 10, 2026", "12 days ago", "not the order page"], ["10 ноября 2026", "12 дней назад", "ни страница заказа,"]),
    "seller/check_code": (
        {"order": {"track_issued": "2026-10-31"}, "events": [{"date": "2026-11-01", "status": "Регистрация отправки"}]},
        ["November 1, 2026", "pre-advice"], ["1 ноября 2026", "предуведомление"]),
    "seller/stuck_after_export": (
        {"order": {"track_issued": "2026-10-01"}, "events": [{"date": "2026-10-10", "status": "Экспорт"}]},
        ["left your country on October 10, 2026", "43 days ago"], ["покинула вашу страну", "10 октября 2026", "43 дня назад"]),
    "seller/delivered_not_received": (
        {"events": [{"date": "2026-11-18", "status": "Вручение адресату"}]},
        ["delivered on November 18, 2026", "have not received"], ["18 ноября 2026", "ко мне она не попала"]),
    "seller/proof_of_postage": (
        {"platform": "ebay", "order": {"track_issued": "2026-11-12"}},
        ["for 10 days", "proof of postage"], ["10 дней", "подтверждение отправки"]),
    "seller/extend_protection": (
        {"order": {"paid": "2026-09-25", "protection_ends": "2026-11-26"}, "events": MOVING},
        ["November 26, 2026", "by 30 days"], ["26 ноября 2026", "на 30 дней"]),
    "seller/extend_or_dispute": (
        {"order": {"protection_ends": "2026-11-26"}, "events": MOVING},
        ["extend buyer protection", "open a dispute"], ["продлите защиту покупателя", "открыть спор"]),
    "post/search_request": (
        {"order": {"paid": "2026-09-20", "destination": {"country": "RU", "city": "Kazan"}},
         "events": [{"date": "2026-09-25", "status": "Приём"}, {"date": "2026-10-10", "status": "Импорт"}]},
        ["To: Russian Post", "Last tracking entry: October 10, 2026", "[the addressee's full name]"],
        ["Кому: Почта России", "Последняя отметка в отслеживании: 10 октября 2026", "[фамилия, имя, отчество получателя]"]),
    "seller/refuse_partial": (
        {"order": {"price": {"amount": 12.5, "currency": "USD"}},
         "dispute": {"opened": "2026-11-15", "offered_refund": {"amount": 3, "currency": "USD"}}},
        ["offer of $3.00", "I paid $12.50", "keep the dispute open"], ["вернуть 3,00", "оплачен полностью (12,50", "не закрою спор"]),
    "seller/search_claim": (
        {"events": [{"date": "2026-10-15", "status": "Импорт"}]},
        ["since October 15, 2026 (38 days)", "insurance claim"], ["15 октября 2026", "(38 дней)", "розыск"]),
    "seller/refund_or_resend": (
        {"events": [{"date": "2026-10-15", "status": "Импорт"}]},
        ["has not arrived", "since October 15, 2026 (38 days)", "refund the order or send it again", "start a search"],
        ["не пришёл", "38 дней", "15 октября 2026", "верните деньги или отправьте заказ заново", "розыск"]),
    "seller/refund_not_arrived": (
        {"dispute": {"opened": "2026-10-10", "seller_response": "accepted"}},
        ["opened on October 10, 2026", "has not arrived"], ["10 октября 2026", "не пришли"]),
    "seller/thanks": ({"received": True}, ["has arrived", "Thank you"], ["пришла", "Спасибо"]),
    "seller/returned": (
        {"events": [{"date": "2026-11-18", "status": "Возврат"}]},
        ["going back to you (November 18, 2026)"], ["возвращается", "18 ноября 2026"]),
    "seller/refund_then_arrived": (
        {"received": True, "dispute": {"opened": "2026-10-10", "seller_response": "accepted", "refund_received": "2026-11-01"}},
        ["refunded", "pay you"], ["вернули", "заплатить"]),
    "dispute/no_tracking": (
        {"order": {"track_issued": "2026-10-25", "price": {"amount": 12.5, "currency": "USD"}}},
        ["no tracking information", "October 25, 2026", "after 28 days", "Attach:"],
        ["нет информации об отслеживании", "25 октября 2026", "28 дней", "Приложите:"]),
    "dispute/protection_ending": (
        {"order": {"protection_ends": "2026-11-26"}, "events": MOVING},
        ["protection ends on November 26, 2026", "full refund", "Attach:"], ["26 ноября 2026", "полный возврат", "Приложите:"]),
    "dispute/wrong_destination": (
        {"order": {"destination": {"country": "RU", "city": "Moscow"}}, "tracked_destination": {"country": "CA", "city": "Ottawa"}},
        ["invalid delivery address", "Ottawa, Canada", "Moscow, Russia", "100% refund", "Attach:"],
        ["неверный адрес доставки", "Оттава, Канада", "Москва, Россия", "другую страну", "Приложите:"]),
    "dispute/wrong_check_digit": (
        {"track": "RK190321411CN", "order": {"destination": {"country": "RU"}}},
        ["RK190321411CN", "China Post (https://yjcx.ems.com.cn)", "Russian Post (https://www.pochta.ru/tracking)", "Attach:"],
        ["RK190321411CN", "Почта Китая (https://yjcx.ems.com.cn)", "Почта России", "Приложите:"]),
    "dispute/not_received": (
        {"order": {"paid": "2026-08-20", "protection_ends": "2026-11-12", "price": {"amount": 12.5, "currency": "USD"}}},
        ["$12.50", "paid on August 20, 2026", "ended on November 12, 2026", "full refund", "Attach:"],
        ["12,50", "$", "20 августа 2026", "12 ноября 2026", "полный возврат", "Приложите:"]),
    "dispute/not_as_described": (
        {"received": True, "order": {"problem": "wrong_item"}},
        ["wrong item", "photos", "Attach:"], ["не тот товар", "фото", "Приложите:"]),
}

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
LATIN = re.compile(r"[A-Za-z]")


def _clean(text: str, lang: str):
    assert text.strip(), "empty message"
    for bad in ("{{", "{%", "}}", "None", "Undefined", "г..", " ,", "  "):
        assert bad not in text, f"{bad!r} in {text!r}"
    if lang == "ru":
        # real Russian: Cyrillic letters outweigh Latin once codes, URLs and names of services are out
        rest = re.sub(r"https?://\S+|[A-Z0-9]{8,}|AliExpress|Joom|eBay|Ottawa|Moscow|Posti|Omniva", "", text)
        assert len(CYRILLIC.findall(rest)) > 5 * len(LATIN.findall(rest)), text


def test_every_message_template_has_a_case_here(advisor):
    assert set(MESSAGES) == advisor.messages


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_message_renders_the_facts(advisor, name):
    facts, en, ru = MESSAGES[name]
    facts = {"track": CODE, **facts}
    for lang, want in (("en", en), ("ru", ru)):
        text = advisor.render_message(name, facts, today=TODAY, lang=lang)
        _clean(text, lang)
        assert facts["track"] in text
        for piece in want:
            assert piece in text, f"{piece!r} not in {lang} {name}: {text!r}"


@pytest.mark.parametrize("n,word", [(1, "1 день"), (2, "2 дня"), (5, "5 дней"), (11, "11 дней"), (21, "21 день"), (22, "22 дня")])
def test_russian_plurals_come_from_babel(advisor, n, word):
    assert fmt_days(n, "ru") == word
    issued = (TODAY - dt.timedelta(days=n)).isoformat()
    text = advisor.render_message("seller/not_tracked", {"track": CODE, "order": {"track_issued": issued}}, today=TODAY, lang="ru")
    assert ("вчера" if n == 1 else f"{word} назад") in text      # one day ago is "yesterday"


def test_extension_never_asks_past_the_120_day_cap(advisor):
    facts = {"track": CODE, "order": {"paid": "2026-08-01", "protection_ends": "2026-11-26"}, "events": MOVING}
    assert "by 3 days" in advisor.render_message("seller/extend_protection", facts, today=TODAY)
    assert "на 3 дня" in advisor.render_message("seller/extend_protection", facts, today=TODAY, lang="ru")


def test_messages_in_advice_match_the_rules_choice(advisor):
    a = advisor.advise({"track": CODE, "order": {"track_issued": "2026-11-10"}}, today=TODAY).to_dict()
    [m] = [m for m in a["messages"] if m["purpose"] == "not_tracked"]
    assert m["kind"] == "seller" and "12 days ago" in m["en"] and "12 дней назад" in m["ru"]
    assert m["title"] == {"en": "the code is not tracked", "ru": "номер не отслеживается"}


def test_every_message_has_a_title_in_both_languages(advisor):
    titles = advisor.vocab["messages"]
    assert set(titles) == set(advisor.messages)
    assert all(titles[name][lang].strip() for name in titles for lang in ("en", "ru"))


def test_a_message_without_a_title_is_a_rules_check_problem_and_falls_back_to_its_purpose(rules_copy):
    from conftest import run_cli
    p = rules_copy / "vocabulary.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace(
        '  seller/not_tracked: {en: "the code is not tracked", ru: "номер не отслеживается",\n'
        '    requires: {has_code: true, code_kind: {not: order_number}, moved: false}}\n', ""), encoding="utf-8")
    code, out, _ = run_cli("rules", "check", str(rules_copy))
    assert code == 1 and re.search(r"^rules/vocabulary\.yaml:\d+:\d+: the message `seller/not_tracked` has no English title$",
                                   out, re.M), out
    a = Advisor(rules=rules_copy).advise({"track": CODE, "order": {"track_issued": "2026-11-10"}}, today=TODAY).to_dict()
    [m] = [m for m in a["messages"] if m["purpose"] == "not_tracked"]
    assert m["title"] == {"en": "not tracked", "ru": "not tracked"}


def _sweep():
    for case in load_cases(ROOT / "rules"):
        yield pytest.param(case, id=case.name)


@pytest.mark.parametrize("case", list(_sweep()))
def test_every_template_renders_against_every_case(advisor, case):
    """StrictUndefined: a template naming a variable no facts provide fails here, for any case
    whose facts fit what the message says (its `requires`: the only cases it can be given for)."""
    from advisor.knowledge.rulelang import holds
    today = dt.date.fromisoformat(case.today)
    facts = advisor.facts(case.facts, today)
    profile = advisor.profiles[facts.platform]
    engine = advisor.prepare(facts, today).derived.engine
    for name in sorted(advisor.messages):
        if not all(holds(t, engine) for t in advisor.message_requires[facts.platform].get(name, [])):
            continue
        for lang in ("en", "ru"):
            text = advisor.render_message(name, facts, today=today, lang=lang)
            _clean(text, lang)
            kind = name.split("/")[0]
            assert len(text) <= profile[f"{'seller_message' if kind == 'seller' else 'dispute_text'}_max_chars"]


@pytest.mark.parametrize("city", ["{{ 7*7 }}", "{% for x in range(9**9) %}x{% endfor %}",
                                  "{{ ''.__class__.__mro__[1].__subclasses__() }}"])
def test_facts_are_data_never_templates(advisor, city):
    facts = {"track": CODE, "order": {"destination": {"country": "RU", "city": "Moscow"}},
             "tracked_destination": {"country": "CA", "city": city}}
    for lang in ("en", "ru"):
        text = advisor.render_message("dispute/wrong_destination", facts, today=TODAY, lang=lang)
        assert city in text and "49" not in text
    a = advisor.advise(facts, today=TODAY).to_dict()
    assert any(city in m["en"] for m in a["messages"])


def test_sandbox_blocks_python_internals_in_templates(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    (templates / "en" / "seller" / "thanks.j2").write_text("{{ code.__class__.__mro__[1].__subclasses__() }}", encoding="utf-8")
    adv = Advisor(templates=templates)
    with pytest.raises(RulesError) as e:
        adv.render_message("seller/thanks", {"track": CODE, "received": True}, today=TODAY)
    assert "templates/en/seller/thanks.j2" in e.value.where


def test_a_message_missing_in_one_language_is_refused(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    (templates / "ru" / "seller" / "thanks.j2").unlink()
    with pytest.raises(RulesError) as e:
        Advisor(templates=templates)
    assert "seller/thanks" in e.value.message


def test_too_long_message_is_reported_not_cut(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    p = rules / "platforms.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("seller_message_max_chars: 1000", "seller_message_max_chars: 50", 1), encoding="utf-8")
    a = Advisor(rules=rules).advise({"track": CODE, "order": {"track_issued": "2026-11-10"}}, today=TODAY).to_dict()
    [note] = [n for n in a["notes"] if n["kind"] == "message_too_long"]
    assert note["message"] == "seller/not_tracked" and note["limit"] == 50
    [m] = [m for m in a["messages"] if m["purpose"] == "not_tracked"]
    assert len(m["en"]) == note["length"] > 50


def test_a_message_is_withheld_when_what_it_says_does_not_fit_the_facts(advisor):
    # no code given: the messages about "the tracking number X" are not written with a blank
    # where the code should be; the advice says why
    a = advisor.advise({"order": {"track_issued": "2026-09-01", "protection_ends": "2027-01-10"},
                        "events": [{"date": "2026-09-03", "stage": "accepted"}]}, today=TODAY).to_dict()
    assert "seller/check_code" not in [f"{m['kind']}/{m['purpose']}" for m in a["messages"]]
    [note] = [n for n in a["notes"] if n["kind"] == "message_withheld"]
    assert note["message"] == "seller/check_code" and note["rule"] == "origin-stuck"
    for m in a["messages"]:
        assert "None" not in m["en"] + m["ru"]


def test_not_tracked_says_what_the_buyer_does_see(advisor):
    base = {"track": CODE, "order": {"track_issued": "2026-11-05"}}
    plain = advisor.render_message("seller/not_tracked", base, today=TODAY)
    assert "No tracking service shows anything" in plain
    seller = dict(base, events=[{"date": "2026-11-06", "status": "Departure from Warehouse", "source": "order_page"}])
    text = advisor.render_message("seller/not_tracked", seller, today=TODAY)
    # the seller is on the platform: the message names the order page, not the platform (seed-13 reading)
    assert "the only statuses are on the order page" in text and "AliExpress" not in text and "shows anything" not in text
    pre = dict(base, events=[{"date": "2026-11-06", "stage": "pre_advice"}])
    assert "only an electronic notice" in advisor.render_message("seller/not_tracked", pre, today=TODAY)
    ru = advisor.render_message("seller/not_tracked", seller, today=TODAY, lang="ru")
    assert "статусы есть только на странице заказа." in ru


def test_a_requires_naming_an_unknown_fact_is_a_rules_check_problem(rules_copy):
    from conftest import run_cli
    p = rules_copy / "vocabulary.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("    requires: {has_code: true, code_kind: {not: order_number}, moved: false}}",
                                                       "    requires: {has_kode: true, code_kind: {not: order_number}, moved: false}}", 1), encoding="utf-8")
    code, out, _ = run_cli("rules", "check", str(rules_copy))
    assert code == 1 and "unknown fact `has_kode` in rule `message seller/" in out and "did you mean `has_code`?" in out


def test_a_fake_services_statuses_are_not_postal_movement(advisor):
    # T8/R9: the seller makes the statuses up; an extension request saying "on its way" would be false
    a = advisor.advise({"track": "RT123456785FI", "order": {"track_issued": "2026-09-03", "protection_ends": "2026-11-25"},
                        "events": [{"date": "2026-09-06", "status": "Экспорт"}, {"date": "2026-09-20", "status": "Импорт"}]},
                       today=TODAY).to_dict()
    assert a["stage"] == "none" and all(not e["postal"] for e in a["events"])
    assert "statuses_invented" in [n["kind"] for n in a["notes"]]
    assert "request_extension" not in [x["action"] for x in a["actions"]]
    assert a["next_step"]["action"] == "open_dispute"
