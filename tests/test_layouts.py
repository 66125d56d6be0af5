"""Pasted pages in the layouts buyers copy them in (advisor/layouts.py): which date goes with which
status and place, read from the page itself, and a page that pairs two ways refused with its lines."""
import json

import pytest

from advisor.base.errors import HistoryError
from advisor.interfaces.fields import read_pasted
from advisor.reading.history import read_history
from conftest import run_cli


def _events(text: str) -> list[tuple]:
    return [(e["line"], e["date"], e["status"], e.get("place")) for e in read_history(text).events]


def test_russian_posts_blocks_pair_each_status_with_the_date_below_it_and_the_place_below_that():
    page = ("Отслеживание RA644000123RU\nВручение адресату\n22 ноября 2026, 14:05\nНовосибирск 630000\n"
            "Прибыло в место вручения\n20 ноября 2026, 09:12\nНовосибирск 630000\n")
    assert _events(page) == [(3, "2026-11-22", "Вручение адресату", "Новосибирск 630000"),
                             (6, "2026-11-20", "Прибыло в место вручения", "Новосибирск 630000")]
    assert [u["line"] for u in read_history(page).unread] == [1]


def test_the_same_blocks_date_first_are_read_the_other_way_round():
    page = "22.11.2026, 14:05\nВручение адресату\nНовосибирск 630000\n20.11.2026, 09:12\nПрибыло в место вручения\nНовосибирск 630000\n"
    assert _events(page) == [(1, "2026-11-22", "Вручение адресату", "Новосибирск 630000"),
                             (4, "2026-11-20", "Прибыло в место вручения", "Новосибирск 630000")]


def test_without_postcodes_the_ends_of_the_copy_tell_the_order():
    # nothing after the last date: its status was above it
    assert _events("Delivered\n22.11.2026\nArrived\n20.11.2026\n") == [
        (2, "2026-11-22", "Delivered", None), (4, "2026-11-20", "Arrived", None)]
    # every event has a place but the last one would not: the statuses are above their dates
    assert _events("Delivered\n22.11.2026\nMoscow\nArrived\n20.11.2026\nMoscow\n") == [
        (2, "2026-11-22", "Delivered", "Moscow"), (5, "2026-11-20", "Arrived", "Moscow")]


def test_a_day_printed_once_above_its_timed_events_dates_each_of_them_and_none_becomes_a_place():
    page = ("Tracking Number: LZ123456785US\nNovember 22, 2026\n2:05 pm Delivered, In/At Mailbox\n9:12 am Out for Delivery\n"
            "November 21, 2026\n6:40 pm\tArrived at Post Office\tSANTA MONICA, CA 90401\n")
    assert _events(page) == [(3, "2026-11-22", "Delivered, In/At Mailbox", None), (4, "2026-11-22", "Out for Delivery", None),
                             (6, "2026-11-21", "Arrived at Post Office", "SANTA MONICA, CA 90401")]
    assert [u["line"] for u in read_history(page).unread] == [1]
    # a time with no day above it is not dated by guess
    assert [u["line"] for u in read_history("09:12 Out for Delivery\n22.11.2026 Delivered\n").unread] == [1]


def test_a_title_holding_the_track_code_is_not_taken_for_a_status():
    page = "Посилка 20450982447375\n22.11.2026\n14:05\nВідправлення отримано\nКиїв\n20.11.2026\n09:12\nПрибуло у відділення\nКиїв\n"
    assert _events(page) == [(2, "2026-11-22", "Відправлення отримано", "Київ"),
                             (6, "2026-11-20", "Прибуло у відділення", "Київ")]


def test_a_tab_separated_row_gives_its_place_even_when_the_place_column_comes_first():
    assert _events("22.11.2026 14:05\tВручено адресату\t050000, Алматы\n") == [
        (1, "2026-11-22", "Вручено адресату", "050000, Алматы")]
    assert _events("22.11.2026\t14:05\tАлматы 050000\tВручено адресату\n") == [
        (1, "2026-11-22", "Вручено адресату", "Алматы 050000")]


def test_a_line_whose_place_is_not_set_apart_keeps_it_in_the_status():
    assert _events("22.11.2026 14:05 Вручение адресату Москва\n") == [(1, "2026-11-22", "Вручение адресату Москва", None)]


def test_a_page_that_pairs_both_ways_is_refused_naming_the_lines_never_guessed():
    with pytest.raises(HistoryError) as e:
        read_history("Parcel\n22.11.2026\nDelivered\n20.11.2026\nArrived\nHelp\n")
    assert e.value.where == "line 2"
    assert "`22.11.2026` with line 1 `Parcel` or with line 3 `Delivered`" in e.value.message
    assert e.value.key == "history_both_ways" and e.value.lines == "1–3"


def test_a_date_without_a_status_of_its_own_is_refused():
    with pytest.raises(HistoryError) as e:
        read_history("Delivered\n22.11.2026\n20.11.2026\nArrived\n")
    assert "the date `22.11.2026` has no status line of its own" in e.value.message


@pytest.mark.parametrize("lang,said,help_", [
    ("en", "each date can go with the line above it or the line below it", "help: copy from the first event's first line"),
    ("ru", "каждая дата может относиться и к строке над ней, и к строке под ней", "подсказка: скопируйте от первой строки первого события"),
])
def test_the_cli_says_a_refused_paste_in_the_users_language_and_never_asks_for_the_same_paste(tmp_path, lang, said, help_):
    page = tmp_path / "page.txt"
    page.write_text("Parcel\n22.11.2026\nDelivered\n20.11.2026\nArrived\nHelp\n", encoding="utf-8")
    code, _, err = run_cli("RK190321410CN", "--history", str(page), "--lang", lang, process=True)
    assert code == 2 and said in err and help_ in err and "`Parcel`" in err
    assert "as they are" not in err and "как есть" not in err


def test_a_page_with_no_dated_line_says_so_and_how_to_paste_instead():
    code, _, err = run_cli("RK190321410CN", "--history", "-", input="Вручение адресату\n22 ноября, 14:05\n")
    assert code == 2 and "no line of the history has a date with its year" in err and "add the year" in err


def test_the_printed_place_travels_on_the_events_city():
    events, info = read_pasted("Вручение адресату\n22.11.2026 14:05\nНовосибирск 630000\n".encode(), "--history")
    assert events == [{"date": "2026-11-22", "time": "14:05", "status": "Вручение адресату", "city": "Новосибирск 630000"}]
    code, out, _ = run_cli("RK190321410CN", "--history", "-", "--dest", "RU,Новосибирск", "--today", "2026-11-25",
                           "--format", "json", input="Вручение адресату\n22.11.2026 14:05\nНовосибирск 630000\n")
    assert code == 0 and json.loads(out)["stage"] == "delivered"
