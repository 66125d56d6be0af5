"""Places read right: which end of the route an event is at, and one city in many spellings."""
import pytest

from advisor import Advisor
from advisor.knowledge.places import Places
from conftest import ROOT, TODAY, run_cli


@pytest.fixture(scope="module")
def places():
    return Places(ROOT / "rules")


@pytest.mark.parametrize("a, b", [
    ("Moscow", "Москва"), ("Moscow", "Moskva"), ("Moscow", "moscow 101000"), ("Moscow", "г. Москва"),
    ("St. Petersburg", "Санкт-Петербург"), ("Saint-Petersburg", "СПб"), ("Yekaterinburg", "Екатеринбург"),
    ("Ekaterinburg", "Екатеринбург"), ("Nizhny Novgorod", "Нижний Новгород"), ("Kazan", "Казань"),
])
def test_one_city_in_many_spellings(places, a, b):
    assert places.same_city(a, b, "RU") is True


def test_different_cities_and_unknown_names(places):
    assert places.same_city("Moscow", "Kazan", "RU") is False
    assert places.same_city("Moscow", "Санкт-Петербург", "RU") is False
    assert places.same_city("Moscow", "Zzyzxville", "RU") is None      # not known: not compared
    assert places.same_city("Almaty", "Алматы", "KZ") is True
    # within the destination country: Ankara is a city of Turkey, not of Russia
    assert places.same_city("Moscow", "Ankara", "RU") is None
    assert places.same_city("Moscow", "Ankara", "TR") is None


def test_exchange_statuses_read_by_the_events_country(advisor):
    events = [{"date": "2026-10-03", "status": "Приём", "country": "CN"},
              {"date": "2026-10-05", "status": "Прибыло в место международного обмена", "country": "CN"},
              {"date": "2026-10-07", "status": "Покинуло место международного обмена", "country": "CN"},
              {"date": "2026-11-10", "status": "Прибыло в место международного обмена", "country": "RU"},
              {"date": "2026-11-12", "status": "Покинуло место международного обмена", "country": "RU"}]
    a = advisor.advise({"track": "RK190321410CN", "order": {"track_issued": "2026-10-01",
                        "destination": {"country": "RU"}}, "events": events}, today=TODAY).to_dict()
    assert [e["stage"] for e in a["events"]] == ["accepted", "origin_sorting", "export", "import", "destination_sorting"]
    assert "wrong_destination" not in [f["id"] for f in a["flags"]]


def test_without_a_country_the_place_in_the_history_decides(advisor):
    a = advisor.advise({"track": "RK190321410CN", "order": {"track_issued": "2026-10-01"},
                        "events": [{"date": "2026-10-05", "status": "Прибыло в ММПО"},
                                   {"date": "2026-10-07", "status": "Экспорт"},
                                   {"date": "2026-11-10", "status": "Прибыло в ММПО"}]}, today=TODAY).to_dict()
    assert [e["stage"] for e in a["events"]] == ["origin_sorting", "export", "import"]


@pytest.mark.parametrize("stage, phrase, says", [
    ("accepted", "Импорт", "the phrase `Импорт` is under both"),
    ("import", "Прибыло в ММПО", "the phrase `Прибыло в ММПО` is both under `import` and in `position_dependent`"),
])
def test_a_phrase_with_two_stages_is_a_rules_check_error(rules_copy, stage, phrase, says):
    p = rules_copy / "stages.yaml"
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace(f"  {stage}:\n", f"  {stage}:\n    - {phrase}\n", 1), encoding="utf-8")
    code, out, _ = run_cli("rules", "check", str(rules_copy))
    assert code == 1 and says in out


# --- places read from the history, regions from postcodes, and the wrong-destination evidence ---

from advisor.reading.placeread import read_place
from conftest import advise_json  # noqa: E402

ROUTE = [{"date": "2026-10-03", "status": "Приём", "country": "CN"},
         {"date": "2026-10-10", "status": "Экспорт", "country": "CN"},
         {"date": "2026-11-10", "status": "Импорт", "country": "RU"}]


@pytest.mark.parametrize("postcode, region", [
    ("630000", "RU-NVS"), ("443001", "RU-SAM"), ("420111", "RU-TA"), ("101000", "RU-MOW"), ("131000", "RU-MOW"),
    ("142100", "RU-MOS"), ("190000", "RU-SPE"), ("187000", "RU-LEN"), ("667000", "RU-TY"), ("669000", "RU-IRK"),
    ("687000", "RU-ZAB")])
def test_a_russian_postcode_names_its_region(places, postcode, region):
    assert places.region_of_postcode(postcode, "RU").id == region


def test_unknown_postcodes_and_other_countries_have_no_region(places):
    assert places.region_of_postcode("050000", "RU") is None          # Almaty's old postcode: no Russian region
    assert places.region_of_postcode("630000", "KZ") is None
    assert places.region_of_postcode("63000", "RU") is None
    assert places.region_of_postcode("166000", "RU") is None          # a series no source read was left out


def test_every_region_s_centre_lies_in_it_in_the_gazetteer(places):
    """The postcode table and the gazetteer agree: each region's centre (`centre` in
    rules/postcodes.yaml) is, for the gazetteer, in the region the table says, so a city named in
    words compares with a place known only by its postcode."""
    import yaml
    regions = yaml.safe_load((ROOT / "rules" / "postcodes.yaml").read_text(encoding="utf-8"))["countries"]["RU"]["regions"]
    assert len(regions) >= 80
    from advisor.knowledge.places import _city
    wrong = [rid for rid, r in regions.items()
             if not any(_city("RU")[i][1] == r["geonames"] for i in places.ids(r["centre"], "RU") or ())]
    assert wrong == []
    assert len({r["geonames"] for r in regions.values()}) == len(regions)      # one region per gazetteer code
    assert places.region_of_city("Kazan", "RU").id == "RU-TA"
    assert places.region_of_city("Новосибирск", "RU").id == "RU-NVS"


@pytest.mark.parametrize("status, city, postcode, region, kind", [
    ("Прибыло в место вручения Новосибирск 630000", "Новосибирск", "630000", "RU-NVS", "office"),
    ("Вручение адресату 443001", None, "443001", "RU-SAM", "delivered"),
    ("Сортировочный центр Подольск", "Подольск", None, "RU-MOS", "route"),
    ("Arrived at MOSCOW PCI", "MOSCOW", None, "RU-MOW", "route"),
    ("Прибыло в место вручения Внуково", "Внуково", None, "RU-MOW", "route"),
])
def test_a_status_line_gives_its_place_and_kind(places, status, city, postcode, region, kind):
    stage = {"office": "arrived_office", "delivered": "delivered"}.get(kind, "destination_sorting")
    p = read_place(places, status=status, matched=None, city=None, postcode=None, country=None, stage=stage,
                   destination="RU", assume="RU")
    assert (p.city, p.postcode, p.region.id if p.region else None, p.kind) == (city, postcode, region, kind)


def test_a_transit_country_is_route_whatever_the_status(places):
    p = read_place(places, status="Прибыло в место вручения", matched=None, city="Костанай", postcode=None,
                   country="KZ", stage="arrived_office", destination="RU", assume="RU")
    assert p.kind == "route" and p.country == "KZ"


def _history(tmp_path, *lines):
    path = tmp_path / "history.txt"
    path.write_text("\n".join(["03.10.2026 10:00 Приём", "10.10.2026 12:00 Экспорт", "10.11.2026 09:00 Импорт", *lines]) + "\n",
                    encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("line", [
    "12.11.2026 08:00 Сортировочный центр Подольск",
    "12.11.2026 08:00 Прибыло в сортировочный центр Москва",
    "12.11.2026 08:00 Arrived at MOSCOW PCI",
    "12.11.2026 08:00 Покинуло место международного обмена Внуково",
    "12.11.2026 08:00 Прибыло в место транзита Алматы",
])
def test_route_places_in_a_pasted_history_are_never_a_wrong_destination(tmp_path, line):
    a = advise_json("RK190321410CN", "--issued", "2026-10-01", "--dest", "RU,Новосибирск", "--history", _history(tmp_path, line))
    assert "wrong_destination" not in [f["id"] for f in a["flags"]]
    assert not [m for m in a["messages"] if m["purpose"] == "wrong_destination"]
    assert a["events"][-1]["place"]["kind"] == "route"


def test_an_office_in_another_city_is_flagged_naming_both_and_not_picked_up(tmp_path):
    """The issue's Russian Post history: the office is in Novosibirsk, the order is to Moscow."""
    history = _history(tmp_path, "18.11.2026 14:05 Прибыло в место вручения Новосибирск 630000")
    a = advise_json("RK190321410CN", "--issued", "2026-10-01", "--dest", "RU,Moscow", "--history", history)
    flag = next(f for f in a["flags"] if f["id"] == "wrong_destination")
    assert "delivery office in Novosibirsk, 630000" in flag["text"] and "your order is to Moscow" in flag["text"]
    assert "pick_up_parcel" not in [s["action"] for s in a["actions"]]
    ru = advise_json("RK190321410CN", "--issued", "2026-10-01", "--dest", "RU,Москва", "--history", history, "--lang", "ru")
    flag = next(f for f in ru["flags"] if f["id"] == "wrong_destination")
    assert "в Новосибирске (630000)" in flag["text"] and "Москва" in flag["text"] and "Novosibirsk" not in flag["text"]
    # the text to the seller is English, with the English name of the place the tracker printed in Russian
    message = next(m for m in ru["messages"] if m["purpose"] == "wrong_destination")
    assert "delivery office in Novosibirsk, 630000" in message["en"] and "Новосибирск" not in message["en"]


def test_an_office_known_by_postcode_compares_by_region(tmp_path):
    other = advise_json("RK190321410CN", "--issued", "2026-10-01", "--dest", "RU,Kazan",
                        "--history", _history(tmp_path, "18.11.2026 14:05 Прибыло в место вручения 443001"))
    flag = next(f for f in other["flags"] if f["id"] == "wrong_destination")
    assert "Samara Oblast, 443001" in flag["text"] and "Kazan" in flag["text"]
    same = advise_json("RK190321410CN", "--issued", "2026-10-01", "--dest", "RU,420111",
                       "--history", _history(tmp_path, "18.11.2026 14:05 Прибыло в место вручения Казань"))
    assert "wrong_destination" not in [f["id"] for f in same["flags"]]
    assert same["next_step"]["action"] == "pick_up_parcel" and "Kazan" in same["next_step"]["text"]


def test_the_pick_up_step_names_the_office_s_own_place(tmp_path):
    """An office in the next town of the order's region: the step names that office, not the
    buyer's town, and a note says why it is not called another address."""
    a = advise_json("RK190321410CN", "--issued", "2026-10-01", "--dest", "RU,Бердск",
                    "--history", _history(tmp_path, "18.11.2026 14:05 Прибыло в место вручения Новосибирск 630099"))
    assert a["next_step"]["action"] == "pick_up_parcel"
    assert "Novosibirsk, 630099" in a["next_step"]["text"] and "Бердск" not in a["next_step"]["text"]
    note = next(n for n in a["notes"] if n["kind"] == "place_unverified")
    assert note["reason"] == "same_region" and "same region" in note["text"]


def test_a_tracker_destination_city_alone_says_it_cannot_tell():
    a = advise_json("RK190321410CN", "--issued", "2026-10-01", "--dest", "RU,Moscow", "--tracked-dest", "RU,Kazan")
    assert "wrong_destination" not in [f["id"] for f in a["flags"]]
    note = next(n for n in a["notes"] if n["kind"] == "place_unverified")
    assert "not taken as another address" in note["text"]


def test_a_postcode_series_in_two_regions_is_a_rules_check_error(rules_copy):
    p = rules_copy / "postcodes.yaml"
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace('prefixes: "630-633"', 'prefixes: "630-633, 443"'), encoding="utf-8")
    code, out, _ = run_cli("rules", "check", str(rules_copy))
    assert code == 1 and "rules/postcodes.yaml:" in out and "the postcode prefix `443` is in two regions" in out


def test_a_misspelt_key_in_places_yaml_is_a_rules_check_error(rules_copy):
    p = rules_copy / "places.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("route_hubs:", "route_hub:"), encoding="utf-8")
    code, out, _ = run_cli("rules", "check", str(rules_copy))
    assert code == 1 and "rules/places.yaml:" in out and "unknown key `route_hub`" in out and "route_hubs" in out


from hypothesis import given, strategies as st  # noqa: E402

ROUTE_LINES = ["Прибыло в сортировочный центр {c}", "Покинуло сортировочный центр {c}", "Сортировочный центр {c}",
               "Прибыло в место международного обмена {c}", "Покинуло место международного обмена {c}",
               "Прибыло в место транзита {c}", "Транзит {c}", "Arrived at {c} PCI", "Arrived at sorting center {c}",
               "{c} MMPO", "Передано таможне {c}", "Прибыло в место вручения {c} АСЦ"]
ROUTE_CITIES = ["Москва", "MOSCOW", "Подольск", "Внуково", "Шереметьево", "Домодедово", "Пулково", "Алматы", "Минск",
                "Екатеринбург", "Санкт-Петербург"]
ORDER_CITIES = ["Новосибирск", "Novosibirsk", "Kazan", "Владивосток", "Омск", "Moscow", "Самара"]


@given(st.lists(st.tuples(st.sampled_from(ROUTE_LINES), st.sampled_from(ROUTE_CITIES)), min_size=1, max_size=4),
       st.sampled_from(ORDER_CITIES), st.booleans())
def test_no_route_place_ever_makes_a_wrong_destination(advisor, lines, order_city, with_country):
    """Whatever route places a history passes, in whatever words, no wrong-destination flag and
    no dispute text accusing the seller (W8, R3, D6)."""
    events = list(ROUTE)
    for i, (line, city) in enumerate(lines):
        e = {"date": f"2026-11-{11 + i:02d}", "status": line.format(c=city)}
        if with_country:
            e["country"] = {"Алматы": "KZ", "Минск": "BY"}.get(city, "RU")
        events.append(e)
    a = advisor.advise({"track": "RK190321410CN", "events": events,
                        "order": {"track_issued": "2026-10-01", "destination": {"country": "RU", "city": order_city}}},
                       today=TODAY).to_dict()
    assert "wrong_destination" not in [f["id"] for f in a["flags"]], events
    assert not [m for m in a["messages"] if m["purpose"] == "wrong_destination"]
