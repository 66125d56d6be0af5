"""Places read right: which end of the route an event is at, and one city in many spellings."""
import pytest

from advisor import Advisor
from advisor.places import Places
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
