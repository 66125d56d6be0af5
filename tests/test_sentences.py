"""Sentences for people are made two ways only (docs/architecture.md, "a sentence for people"):
Jinja2 for those with grammar, `base/sentences.fill` for a table's `{name}` sentences."""
from __future__ import annotations

import re
from pathlib import Path

from advisor.base.sentences import fill

ROOT = Path(__file__).resolve().parent.parent
BY_HAND = re.compile(r"""\.replace\(\s*f?["']\{\w+\}|\.format_map\(""")


def test_fill_puts_each_value_in_its_place_and_keeps_a_brace_it_has_no_value_for():
    assert fill("`{value}` is not a date ({reason})", {"value": "12x"}, reason="expected Nd") == \
        "`12x` is not a date (expected Nd)"
    assert fill("{n} of {of}; {unknown} {", n=2, of=5) == "2 of 5; {unknown} {"


def test_no_module_fills_a_placeholder_by_hand():
    found = [f"{p.relative_to(ROOT)}:{n}" for p in sorted((ROOT / "advisor").rglob("*.py"))
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if BY_HAND.search(line)]
    assert found == [], "fill a table's sentence with base/sentences.fill"


def test_the_page_says_a_wrong_answer_with_the_value_in_its_sentence():
    import datetime as dt
    from advisor import Advisor
    from advisor.interfaces.page import Page
    answer, _, _ = Page(Advisor()).read({"track": "RK190321410CN", "paid": "31.02.2026"}, "en", dt.date(2026, 11, 22))
    assert "“31.02.2026”" in answer.errors["paid"] and "{value}" not in answer.errors["paid"]
