"""Question mode: `advise` alone on a terminal asks, through a real pseudo-terminal (pexpect)."""
import json
import sys

import pexpect

from conftest import CACHE, ROOT, run_cli, terminal


def _spawn(lang: str):
    env = {"PATH": "/usr/bin:/bin", "LANG": lang, "PARCEL_ADVISOR_CACHE": CACHE, "NO_COLOR": "1"}
    return terminal(sys.executable, ["-m", "advisor"], env=env, cwd=str(ROOT), encoding="utf-8", timeout=30)


def test_questions_in_english_give_the_advice_the_options_give():
    c = _spawn("C.UTF-8")
    c.expect("Track code"); c.sendline("RK190321410CN")
    c.expect("Where did you buy it"); c.expect("Your answer"); c.sendline("1")
    c.expect("When did you pay"); c.sendline("")
    c.expect("give the track code"); c.sendline("yesterday")           # not a date: said, asked again
    c.expect("is not a date"); c.expect("give the track code"); c.sendline("40d")
    c.expect("protection end"); c.sendline("")
    c.expect("write to the seller"); c.sendline("10d")
    c.expect(r"Did the seller answer\? \[y/n\]"); c.sendline("n")
    c.expect("open a dispute"); c.sendline("")
    c.expect("parcel in hand"); c.sendline("")
    c.expect("Add more"); c.sendline("")
    c.expect(pexpect.EOF)
    c.close()
    assert c.exitstatus == 0
    shown = c.before.replace("\r\n", "\n")
    code, out, _ = run_cli("RK190321410CN", "--platform", "aliexpress", "--issued", "40d", "--seller-messaged", "10d",
                           "--seller-silent", "--format", "json")
    advice = json.loads(out)
    assert advice["next_step"]["text"] in shown.replace("\n", " ") or advice["next_step"]["text"] in shown


def test_questions_in_russian_with_a_dispute_and_an_offer():
    c = _spawn("ru_RU.UTF-8")
    c.expect("Трек-номер"); c.sendline("RK190321410CN")
    c.expect("Где вы купили"); c.expect("Ваш ответ"); c.sendline("7")
    c.expect("введите число от 1 до 4"); c.expect("Ваш ответ"); c.sendline("1")
    c.expect("оплатили"); c.sendline("45д")                          # days ago, as a Russian speaker types it
    c.expect("выдал"); c.sendline("40d")
    c.expect("защита"); c.sendline("")
    c.expect("написали"); c.sendline("")
    c.expect("открыли спор"); c.sendline("3d")
    c.expect("Что продавец ответил"); c.expect("Ваш ответ"); c.sendline("3")
    c.expect("Сколько предлагает"); c.sendline("три доллара")
    c.expect("не сумма"); c.expect("Сколько предлагает"); c.sendline("3.00USD")
    c.expect("Сколько вы заплатили"); c.sendline("12.50USD")         # the offer is judged against the price
    c.expect("передан на рассмотрение"); c.sendline("")
    c.expect("Когда вернулись деньги"); c.sendline("")
    c.expect("на руках"); c.sendline("н")
    c.expect("Рассказать подробнее"); c.sendline("н")
    c.expect(pexpect.EOF)
    c.close()
    assert c.exitstatus == 0
    shown = c.before
    assert "Не закрывать спор" in shown and "3,00" in shown and "24%" in shown   # the partial offer is refused
    assert "Traceback" not in shown


def test_without_a_terminal_advise_alone_prints_the_usage_and_exits_2():
    code, out, err = run_cli(input="")
    assert code == 2 and out == ""
    assert err.startswith("Usage: advise") and "run `advise` alone in a terminal" in err
