"""Realistic pasted tracker pages (tests/corpus/pages/): every event read with its date, status
and printed place, the lines that are not events reported, and the stage the advice gives; a
page whose dates and statuses can pair two ways is refused naming the lines."""
import json

import pytest
import yaml

from advisor.base.errors import HistoryError
from advisor.reading.history import read_history
from conftest import ROOT, run_cli

PAGES = ROOT / "tests" / "corpus" / "pages"
EXPECTED = yaml.safe_load((ROOT / "tests" / "corpus" / "pages.yaml").read_text(encoding="utf-8"))


def test_every_page_of_the_corpus_has_its_expectations():
    assert sorted(EXPECTED) == sorted(p.name for p in PAGES.iterdir())
    assert len(EXPECTED) >= 20


def _shown(event: dict) -> str:
    return " | ".join([event["date"], event["status"]] + ([event["place"]] if event.get("place") else []))


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if "events" in e))
def test_a_pasted_page_gives_its_events(name):
    expected = EXPECTED[name]
    history = read_history((PAGES / name).read_bytes())
    assert [_shown(e) for e in history.events] == expected["events"]
    assert [u["line"] for u in history.unread] == expected["unread_lines"]


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if "stage" in e))
def test_a_pasted_page_gives_the_stage_a_person_reads_in_it(name):
    code, out, err = run_cli("RK190321410CN", "--history", str(PAGES / name), "--today", "2026-11-25", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["stage"] == EXPECTED[name]["stage"]


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if "error" in e and n != "ambiguous.txt"))
def test_a_page_whose_dates_pair_both_ways_is_refused_naming_the_lines(name):
    with pytest.raises(HistoryError) as e:
        read_history((PAGES / name).read_bytes())
    assert EXPECTED[name]["error"] in e.value.message
    code, _, err = run_cli("RK190321410CN", "--history", str(PAGES / name))
    assert code == 2 and EXPECTED[name]["error"] in err and "help: copy from the first event's first line" in err


def test_a_page_whose_slashed_dates_read_both_ways_is_refused_with_both_readings():
    with pytest.raises(HistoryError) as e:
        read_history((PAGES / "ambiguous.txt").read_bytes())
    assert EXPECTED["ambiguous.txt"]["error"] in e.value.message
    code, _, err = run_cli("RK190321410CN", "--history", str(PAGES / "ambiguous.txt"))
    assert code == 2 and "can be 2026-06-05 or 2026-05-06" in err and "DD.MM.YYYY" in err


def test_one_ambiguous_line_among_dated_ones_is_reported_not_guessed():
    h = read_history("20.11.2026 Экспорт\n05/06/2026 Arrived\n")
    assert [e["status"] for e in h.events] == ["Экспорт"]
    assert h.unread == [{"line": 2, "reason": h.unread[0]["reason"], "text": "05/06/2026 Arrived",
                         "readings": ["2026-06-05", "2026-05-06"]}]


def test_the_day_month_order_follows_the_page_either_way():
    us = read_history("11/20/2026 Arrived\n11/05/2026 Accepted\n")
    eu = read_history("20/11/2026 Arrived\n11/05/2026 Accepted\n")
    assert [e["date"] for e in us.events] == ["2026-11-20", "2026-11-05"]
    assert [e["date"] for e in eu.events] == ["2026-11-20", "2026-05-11"]
    assert us.repaired[0]["reason"].startswith("slashed dates read month/day/year")
    mixed = read_history("20/11/2026 Arrived\n11/20/2026 Departed\n05/06/2026 Accepted\n")
    assert [u["line"] for u in mixed.unread] == [3]            # the page contradicts itself: not guessed


def test_html_is_read_by_a_parser_not_by_patterns():
    page = ('<ul><li title="a > b" data-x=\'>\'>20.11.2026 10:00 Приём</li>'
            '<li><!-- 01.01.2021 fake --><script>"<li>01.01.2020 fake</li>"</script>21.11.2026 Экспорт</li></ul>')
    h = read_history(page)
    assert [(e["date"], e["status"]) for e in h.events] == [("2026-11-20", "Приём"), ("2026-11-21", "Экспорт")]
