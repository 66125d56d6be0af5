"""One field table (templates/fields.yaml) for every interface: every fact a buyer can know is an
option, a field of the page and a question, and the same answers give the same advice in each."""
import html
import json
import re
import sys
import urllib.parse
import urllib.request

import pexpect
import pytest

from advisor.base.errors import RulesError
from advisor.interfaces.fieldtable import read, table
from conftest import CACHE, ROOT, TODAY, run_cli, serving, terminal

DAY = TODAY.isoformat()
# facts a buyer does not type: the contract's version, the day advised for (an option of its own),
# and a tracker's own status and the origin it names (they come with a payload: `advise --from`)
NOT_TYPED = {"schema", "today", "tracker_status", "tracked_origin"}


def _input_paths(node, prefix=""):
    for key, sub in (node.get("properties") or {}).items():
        path = f"{prefix}{key}"
        if key in NOT_TYPED:
            continue
        if "properties" in sub and "$ref" not in sub:
            yield from _input_paths(sub, path + ".")
        else:
            yield path


@pytest.fixture(scope="module")
def base():
    for port in serving():
        yield f"http://127.0.0.1:{port}"


def page_of(base: str, answers: dict) -> str:
    with urllib.request.urlopen(base + "/?" + urllib.parse.urlencode(answers)) as r:
        return r.read().decode()


def next_text(page: str) -> str:
    m = re.search(r'<p class="next-text">(.*?)</p>', page, re.S)
    return " ".join(html.unescape(m[1]).split()) if m else ""



def _converse(c, steps) -> None:
    """Answer question mode: wait for each prompt, type its answer (None: only wait), then its end."""
    for expect, answer in steps:
        c.expect(expect)
        if answer is not None:
            c.sendline(answer)
    c.expect(pexpect.EOF)
    c.close()

def test_every_fact_a_buyer_can_know_is_a_field_of_the_table():
    schema = json.loads((ROOT / "schemas" / "parcel-facts-1.json").read_text())
    paths = {f.path for f in table().fields}
    missing = sorted(p for p in _input_paths(schema) if p not in paths)
    assert missing == []
    assert {"order.problem", "dispute.refund_received", "dispute.offered_refund", "order.price"} <= paths


def test_every_field_is_an_option_a_form_field_and_a_question(base):
    _, help_en, _ = run_cli("CODE", "--help")
    page = page_of(base, {"lang": "ru"})
    for f in table().fields:
        if f.option != "CODE":
            assert (f.flags[0] if f.flags else f.option_name) in help_en, f.name
        assert f'name="{f.name}"' in page, f.name
        assert f.text("question", "ru") and f.text("question", "en")
        # a follow-up follows answers asked before it, so question mode can reach it
        before = [g.name for g in table().fields][:[g.name for g in table().fields].index(f.name)]
        assert set(f.ask_if) <= set(before), f.name
    assert "Что не так с полученным товаром?" in page and "пришёл не тот товар" in page


SAME = [
    # the goods problem: a dispute about the goods, not "confirm receipt ... so the seller is paid"
    ({"issued": "20d", "protection_ends": "10d", "received": True, "goods_problem": "wrong_item"},
     {"issued_ago": "20", "protection_ends_left": "10", "received": "yes", "goods_problem": "wrong_item"}),
    # a refund received: the CLI had no option for it
    ({"issued": "50d", "dispute_opened": "20d", "seller_response": "accepted", "refund_received": "2d"},
     {"issued_ago": "50", "dispute_opened_ago": "20", "seller_response": "accepted", "refund_received_ago": "2"}),
    # an offer judged against the price
    ({"issued": "40d", "dispute_opened": "3d", "seller_response": "partial_refund", "offered_refund": "3.00USD",
      "price": "12.50USD"},
     {"issued_ago": "40", "dispute_opened_ago": "3", "seller_response": "partial_refund",
      "offered_refund": "3.00USD", "price": "12.50USD"}),
]


def _options(answers: dict) -> list[str]:
    out = []
    for name, value in answers.items():
        f = table()[name]
        out += [f.flags[0 if value else 1]] if f.kind == "bool" else [f.option_name, value]
    return out


@pytest.mark.parametrize("cli,form", SAME)
def test_the_page_and_the_cli_give_the_same_advice_for_the_same_answers(base, cli, form):
    code, out, err = run_cli("RK190321410CN", "--today", DAY, *_options(cli), "--format", "json")
    assert code == 0, err
    advice = json.loads(out)
    page = page_of(base, {"lang": "en", "today": DAY, "code": "RK190321410CN", **form})
    if advice["next_step"]:
        assert next_text(page) == " ".join(advice["next_step"]["text"].split())
    else:
        assert '<p class="next"><strong>Nothing to do right now.</strong></p>' in page
    flags = re.findall(r'<li class="flag [a-z]+"><strong>[^<]*</strong> (.*?)</li>', page, re.S)
    assert [html.unescape(f) for f in flags] == [f["text"] for f in advice["flags"]]
    assert "so the seller is paid" not in page


def test_the_goods_problem_in_question_mode_gives_the_cli_advice():
    c = _spawn("C.UTF-8")
    _converse(c, [("Track code", "RK190321410CN"), ("Your answer", "1"), ("When did you pay", ""),
                           ("give the track code", "20d"), ("protection end", "10d"), ("write to the seller", ""),
                           ("open a dispute", ""), ("parcel in hand", "y"), ("wrong with what arrived", None),
                           ("Your answer", "3"), ("Add more", "n")])
    assert c.exitstatus == 0
    shown = " ".join(c.before.split())
    code, out, _ = run_cli("RK190321410CN", "--issued", "20d", "--protection-ends", "10d", "--received",
                           "--goods-problem", "defective", "--format", "json")
    advice = json.loads(out)
    assert advice["next_step"]["action"] == "open_dispute"
    assert " ".join(advice["next_step"]["text"].split()) in shown
    assert "protection: 10 days left" in shown               # `10d` for protection: days left


def _spawn(lang: str, *args, columns: int = 200):
    env = {"PATH": "/usr/bin:/bin", "LANG": lang, "PARCEL_ADVISOR_CACHE": CACHE, "NO_COLOR": "1"}
    return terminal(sys.executable, ["-m", "advisor", *args], env=env, cwd=str(ROOT), encoding="utf-8",
                         timeout=30, dimensions=(40, columns))


def test_question_mode_says_an_impossible_answer_at_once_and_keeps_the_others():
    c = _spawn("ru_RU.UTF-8")
    c.expect("Трек-номер"); c.sendline("RK190321410CN")
    c.expect("Ваш ответ"); c.sendline("1")
    c.expect("оплатили"); c.sendline("20д")
    c.expect("выдал"); c.sendline("25д")                  # before the payment: said now, not after the last question
    c.expect("раньше даты оплаты"); c.expect("выдал"); c.sendline("15д")
    c.expect("защита"); c.sendline("35д")                 # days left
    c.expect("написали"); c.sendline("")
    c.expect("открыли спор"); c.sendline("10д")
    c.expect("Ваш ответ"); c.sendline("5")
    c.expect("передан на рассмотрение"); c.sendline("н")
    c.expect("Когда вернулись деньги"); c.sendline("12д")  # before the dispute was opened
    c.expect("раньше, чем открыт спор"); c.expect("Когда вернулись деньги"); c.sendline("")
    c.expect("на руках"); c.sendline("")
    c.expect("Рассказать подробнее"); c.sendline("н")
    c.expect(pexpect.EOF)
    c.close()
    assert c.exitstatus == 0 and "Traceback" not in c.before
    assert "осталось 35 дней" in c.before.replace("\r\n", " ") or "35 дней" in c.before


def test_protection_given_as_days_means_days_left_in_the_cli():
    code, out, _ = run_cli("RK190321410CN", "--today", DAY, "--issued", "20d", "--protection-ends", "35d",
                           "--format", "json")
    assert code == 0 and json.loads(out)["days"]["protection_left"] == 35
    code, out, _ = run_cli("RK190321410CN", "--today", DAY, "--paid", "35d", "--format", "json")
    assert json.loads(out)["days"]["since_paid"] == 35          # the other dates: days ago
    _, help_text, _ = run_cli("CODE", "--help")
    assert "12d for 12 days left" in " ".join(help_text.split())


def test_an_error_about_an_answer_given_as_an_option_names_the_option():
    code, _, err = run_cli("RK190321410CN", "--goods-problem", "wrong_item")
    assert code == 2 and err.startswith("error: --goods-problem: ")
    assert "help: add `--received`, or remove `--goods-problem`" in err


def test_a_table_row_without_its_russian_is_an_error_at_its_line(tmp_path):
    text = (ROOT / "templates" / "fields.yaml").read_text(encoding="utf-8")
    broken = text.replace('question: {en: "When did you pay?", ru: "Когда вы оплатили заказ?"}',
                          'question: {en: "When did you pay?"}')
    assert broken != text
    (tmp_path / "fields.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(RulesError) as e:
        read(tmp_path / "fields.yaml", "fields.yaml")
    line = next(i for i, s in enumerate(broken.splitlines(), 1) if 'question: {en: "When did you pay?"}' in s)
    assert e.value.where.startswith(f"fields.yaml:{line}:") and "every language" in e.value.message


def test_a_history_pasted_in_question_mode_is_read_as_the_cli_reads_it(tmp_path):
    history = ["20.11.2026 10:00 Принято в отделении связи", "22.11.2026 14:05 Экспорт"]
    c = _spawn("C.UTF-8")
    _converse(c, [("Track code", "RK190321410CN"), ("Your answer", "1"), ("When did you pay", ""),
                           ("give the track code", "20d"), ("protection end", ""), ("write to the seller", ""),
                           ("open a dispute", ""), ("parcel in hand", ""), ("Add more", "y"), ("freeze", ""),
                           ("promise", ""), ("shipping method", ""), ("free", ""), ("going", ""), ("tracker say", ""),
                           ("carrier", ""), ("history", "nothing like a date"), ("", ""),
                           ("No line has a date with its year", None), ("history", history[0]), ("", history[1]),
                           ("", "")])
    assert c.exitstatus == 0
    (tmp_path / "h.txt").write_text("\n".join(history) + "\n", encoding="utf-8")
    code, out, _ = run_cli("RK190321410CN", "--issued", "20d", "--history", str(tmp_path / "h.txt"), "--format", "json")
    advice = json.loads(out)
    shown = " ".join(c.before.split())
    assert advice["history"]["read"] == 2 and " ".join(advice["next_step"]["text"].split()) in shown
