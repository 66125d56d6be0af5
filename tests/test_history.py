"""Reading tracking histories: status phrases to stages, pasted tracker lines to events."""
import pytest

from advisor.reading.history import parse_history
from conftest import run_cli, advise_json

RUSSIAN_POST = """Трек-номер RK190321410CN
02.10.2026 08:15 Приём Шэньчжэнь 518000
05.10.2026 23:40 Покинуло место приёма
07.10.2026 11:00 Прибыло в место международного обмена
09.10.2026 04:12 Экспорт Гуанчжоу
30.10.2026 16:22 Импорт Москва EMS
31.10.2026 01:10 Передано таможне
01.11.2026 14:30 Выпущено таможней
02.11.2026 09:00 Покинуло место международного обмена
05.11.2026 12:00 Прибыло в сортировочный центр Москва
18.11.2026 10:11 Прибыло в место вручения 125009
"""


@pytest.mark.parametrize("line,date,status", [
    ("2015.05.29 13:04 (GMT-7): In transit (shipped by air)", "2015-05-29", "In transit (shipped by air)"),
    ("18/06/15 05:00 Item pre-advice received", "2015-06-18", "Item pre-advice received"),
    ("22.11.2026 14:05 Экспорт Москва", "2026-11-22", "Экспорт Москва"),
    ("2026-11-20T10:00:00 Import", "2026-11-20", "Import"),
    ("2026-11-20 Arrive at destination country", "2026-11-20", "Arrive at destination country"),
    ("22 ноября 2026 г., 14:05 Прибыло в место вручения", "2026-11-22", "Прибыло в место вручения"),
    ("21 нояб. 2026, 10:00 Импорт", "2026-11-21", "Импорт"),
    ("3 мая 2026 Экспорт", "2026-05-03", "Экспорт"),
    ("20 ноя 2026 Приём", "2026-11-20", "Приём"),
    ("Nov 19, 2026 08:00 Departed from origin", "2026-11-19", "Departed from origin"),
    ("18 November 2026 Accepted by carrier", "2026-11-18", "Accepted by carrier"),
    ("Sept 7th, 2026 - Delivered", "2026-09-07", "Delivered"),
])
def test_date_shapes_from_trackers(line, date, status):
    events, problems = parse_history(line)
    assert problems == []
    # the time and offset printed with the date are kept beside it (ordering same-day events)
    assert [{k: v for k, v in e.items() if k not in ("time", "offset")} for e in events] == \
        [{"date": date, "status": status, "line": 1}]


def test_words_that_are_no_month_and_impossible_named_dates_are_not_dates():
    events, problems = parse_history("Moscow 12 2026 sorting\nMay 2026 update\n31 февраля 2026 Приём\n12 Dec 2026 Импорт")
    assert [e["date"] for e in events] == ["2026-12-12"]
    assert [p["line"] for p in problems] == [1, 2, 3]


def test_unreadable_lines_reported_by_number_rest_used():
    events, problems = parse_history("header\n01.11.2026 Приём\n\n31.02.2026 Экспорт\n03.11.2026 Экспорт\n")
    assert [e["line"] for e in events] == [2, 5]
    assert [p["line"] for p in problems] == [1, 4]


@pytest.mark.parametrize("status,stage", [
    ("IMPORT CUSTOMS CLEARANCE STARTED", "customs"),
    ("import customs clearance complete.", "destination_sorting"),
    ("Hand over to airline", "export"),
    ("Airline departure", "export"),
    ("Received by local delivery company", "destination_sorting"),
    ("Out for delivery", "arrived_office"),
    ("Held by customs", "customs_held"),
    ("Awaiting collection", "arrived_office"),
    ("Таможенное оформление завершено", "destination_sorting"),
    ("Выпущено таможней", "destination_sorting"),
    ("Задержано таможней", "customs_held"),
    ("Неудачная попытка вручения", "arrived_office"),
    ("Вручение адресату", "delivered"),
    ("Возврат", "returned"),
    ("The item information was created by the seller", "pre_advice"),
    ("Electronic notification received", "pre_advice"),
])
def test_phrases_classify_case_and_punctuation_insensitive(advisor, status, stage):
    read = advisor.stages.classify(status, exported=True)
    assert (read.stage, read.typed) == (stage, False)


def test_sorting_centre_is_origin_before_export_and_destination_after(advisor):
    assert advisor.stages.classify("Inbound in sorting center", exported=False).stage == "origin_sorting"
    assert advisor.stages.classify("Inbound in sorting center", exported=True).stage == "destination_sorting"


def test_unknown_phrase_keeps_stage_and_is_reported(advisor):
    a = advisor.advise({"track": "RK190321410CN", "events": [
        {"date": "2026-11-01", "status": "Экспорт"}, {"date": "2026-11-10", "status": "Посылка улетела на Луну"}]},
        today=__import__("datetime").date(2026, 11, 22)).to_dict()
    assert a["stage"] == "export"
    assert [n["kind"] for n in a["notes"]] == ["unknown_status"]
    assert "Луну" in a["notes"][0]["status"]


def test_pasted_russian_post_history_in_russian(tmp_path):
    hist = tmp_path / "history.txt"
    hist.write_text(RUSSIAN_POST, encoding="utf-8")
    a = advise_json("RK190321410CN", "--history", str(hist), "--lang", "ru")
    assert a["stage"] == "arrived_office"
    assert [e["stage"] for e in a["events"]][:4] == ["accepted", "origin_sorting", "origin_sorting", "export"]
    assert a["next_step"]["action"] == "pick_up_parcel"
    assert "Посылка в отделении" in a["next_step"]["text"]
    assert a["history"]["unread"] == [{"line": 1, "reason": "no date at the start of the line", "text": "Трек-номер RK190321410CN"}]
    assert a["notes"] == []
    code, out, _ = run_cli("RK190321410CN", "--history", "-", "--lang", "ru", "--today", "2026-11-22", input=RUSSIAN_POST)
    assert code == 0
    assert "Этап: прибыло в место вручения" in out and "Забрать посылку" in out


def test_seller_typed_history_only(advisor):
    events, _ = parse_history("2015.05.29 13:04 (GMT-7): In transit (shipped by air)\n"
                              "2015.05.28 10:00 (GMT-7): Departure from Warehouse\n")
    a = advisor.advise({"track": "RK190321410CN", "order": {"track_issued": "2015-05-27"},
                        "events": [{"date": e["date"], "status": e["status"]} for e in events]},
                       today=__import__("datetime").date(2015, 6, 20)).to_dict()
    assert "seller_statuses_only" in [f["id"] for f in a["flags"]]
    assert a["stage"] == "none"


def test_the_two_pasted_histories_that_crashed_the_cli_are_read_or_refused_clearly(tmp_path):
    """Issue 37: both exited 3 (a traceback) in the CLI and were a 500 on the page."""
    from conftest import run_cli
    marked = tmp_path / "marked.html"
    marked.write_text("<![octed4/span>\n<li>20.11.2026 Delivered</li>\n", encoding="utf-8")
    code, out, err = run_cli("RK190321410CN", "--issued", "2026-11-10", "--today", "2026-11-22",
                             "--history", str(marked), "--format", "json")
    assert code == 0, err
    assert [e["date"] for e in __import__("json").loads(out)["events"]] == ["2026-11-20"]
    digits = tmp_path / "digits.txt"
    digits.write_text("Nov 16t222222222222222222222222222222h 2026 Delivered\n", encoding="utf-8")
    code, _, err = run_cli("RK190321410CN", "--issued", "2026-11-10", "--today", "2026-11-22", "--history", str(digits))
    assert code == 2 and err.startswith("error: line 1: no line of the history has a date"), err
