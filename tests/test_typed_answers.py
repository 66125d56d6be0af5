"""One reader per answer: the CLI's options, the page's form and the questions read a date, a place,
an amount and an event with the same readers (interfaces/fields.py over base/dates.py), and a
date counted in days (`12d`, the page's "days ago") is counted from the day advised for, however
that day is given and wherever it is written among the options."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from advisor.base.dates import Counted
from advisor.interfaces import fields
from conftest import run_cli

CODE = "RK190321410CN"


def _days(*args: str) -> dict[str, object]:
    status, out, err = run_cli(CODE, *args, "--format", "json")
    assert status == 0, err
    return json.loads(out)["days"]


def test_a_counted_date_counts_from_the_day_advised_for_wherever_it_is_given(tmp_path):
    before = _days("--today", "2026-11-22", "--paid", "12d", "--protection-ends", "5d")
    after = _days("--paid", "12d", "--protection-ends", "5d", "--today", "2026-11-22")
    assert before == after and before["since_paid"] == 12 and before["protection_left"] == 5
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"today": "2025-03-01"}), encoding="utf-8")
    from_file = _days("--facts", str(facts), "--paid", "12d")
    assert from_file["since_paid"] == 12


def test_a_wrong_answer_is_said_while_the_options_are_read():
    status, out, err = run_cli(CODE, "--paid", "12x", "--today", "2026-11-22")
    assert status == 2 and out == ""
    assert err.startswith("error: --paid: `12x` is not a date: expected YYYY-MM-DD, DD.MM.YYYY or Nd")


def test_the_option_types_give_typed_values():
    from advisor.interfaces.options import DATE, EVENT, MONEY, PLACE, DateText
    assert DATE.convert("12d", None, None) == Counted(12)
    assert DateText("left").convert("5d", None, None) == Counted(5, ahead=True)
    assert DATE.convert("05.06.2026", None, None) == dt.date(2026, 6, 5)
    assert PLACE.convert("RU,Kazan 420111", None, None) == {"country": "RU", "postcode": "420111", "city": "Kazan"}
    assert MONEY.convert("3,50usd", None, None) == {"amount": 3.5, "currency": "USD"}
    assert EVENT.convert("3d=accepted", None, None) == fields.Event(Counted(3), "accepted")


@pytest.mark.parametrize("typed", [True, False])
def test_typed_and_text_answers_make_the_same_facts(typed):
    answers = {"paid": "12d", "protection_ends": "5d", "dest": "RU,Kazan", "price": "3.50USD"}
    table = {f.name: f for f in fields.table().fields}
    if typed:
        answers = {"paid": fields.parse_date_answer("12d", "--paid"),
                   "protection_ends": fields.parse_date_answer("5d", "--protection-ends", "left"),
                   "dest": fields.read_place("RU,Kazan", "--dest"), "price": fields.read_money("3.50USD", "--price")}
    facts = fields.to_facts(fields.Answers.of(answers), dt.date(2026, 11, 22), set(), lambda n: n)
    got = {table[n].path: facts[table[n].path] for n in ("paid", "protection_ends", "dest", "price")}
    assert list(got.values()) == ["2026-11-10", "2026-11-27", {"country": "RU", "city": "Kazan"},
                                  {"amount": 3.5, "currency": "USD"}]


def test_the_page_reads_its_day_and_counted_days_as_the_cli_does():
    from advisor import Advisor
    from advisor.interfaces.page import Page
    page = Page(Advisor())
    paid = fields.table().fields[[f.name for f in fields.table().fields].index("paid")].path
    _, doc, _ = page.read({"track": CODE, "paid_ago": "12", "today": "2026-11-22"}, "en", dt.date(2030, 1, 1))
    assert doc["today"] == "2026-11-22" and _at(doc, paid) == "2026-11-10"
    for wrong in ("22.11.2026", "2026-13-01", "1999-01-01"):
        answer, _, _ = page.read({"track": CODE, "today": wrong}, "en", dt.date(2030, 1, 1))
        assert "today" in answer.errors, wrong


def _at(doc: dict[str, object], path: str) -> object:
    node: object = doc
    for part in path.split("."):
        assert isinstance(node, dict)
        node = node.get(part)
    return node
