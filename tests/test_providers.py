"""Russian Post's own operation codes read as stages, through the same table as their texts."""
import pytest

from advisor.errors import FactsError
from conftest import TODAY, run_cli


def _stage(advisor, code, country=None, after_export=False):
    events = [{"date": "2026-10-05", "stage": "export"}] if after_export else []
    ev = {"date": "2026-11-10", "provider": "russian_post", "code": code}
    if country:
        ev["country"] = country
    a = advisor.advise({"track": "RK190321410CN", "order": {"track_issued": "2026-10-01", "destination": {"country": "RU"}},
                        "events": events + [ev]}, today=TODAY).to_dict()
    return a["events"][-1]["stage"], a


def test_every_operation_type_of_the_tracking_api_is_read(advisor):
    table = advisor.providers.codes["russian_post"]
    for t in range(1, 36):
        reading = table.get(str(t))
        assert reading is not None, t
        assert reading.stage or reading.before or reading.no_stage, t


@pytest.mark.parametrize("code, text", [
    ("2.2", "Вручение отправителю"), ("2.1", "Вручение адресату"), ("11", "Прием на таможню"),
    ("14.4", "Отказ в выпуске"), ("14.8", "Выпуск приостановлен"), ("14.2", "Возвращено таможней"),
    ("8.9", "Прибыло в почтомат"), ("8.13", "Прибыло на территорию РФ"), ("2.3", "Выдано адресату через почтомат"),
    ("12.12", "Истек срок хранения в почтомате"), ("24", "Продление срока выпуска таможней"), ("9", "Импорт"),
])
def test_a_code_and_its_text_give_the_same_stage(advisor, code, text):
    by_code, _ = _stage(advisor, code)
    by_text = advisor.stages.classify(text, False)[0]
    assert by_code == by_text, (code, by_code, text, by_text)


def test_an_exchange_operation_reads_by_the_events_country(advisor):
    assert _stage(advisor, "8.5", "CN")[0] == "origin_sorting"
    assert _stage(advisor, "8.5", "RU")[0] == "import"
    assert _stage(advisor, "8.6", "CN")[0] == "export"
    assert _stage(advisor, "8.6", "RU")[0] == "destination_sorting"
    assert _stage(advisor, "8.5", after_export=True)[0] == "import"


@pytest.mark.parametrize("code, reason", [("5.1", "lost"), ("18", "lost"), ("16", "destroyed"), ("5.2", "seized"),
                                          ("17", "seized"), ("26", "cancelled"), ("8.26", "renumbered")])
def test_an_operation_no_stage_describes_is_said_not_hidden(advisor, code, reason):
    stage, a = _stage(advisor, code)
    assert stage is None
    [note] = [n for n in a["notes"] if n["kind"] == "status_no_stage"]
    assert note["reason"] == reason and note["text"].startswith("The post reports «")


def test_an_unknown_provider_is_a_facts_error_naming_the_event(advisor):
    with pytest.raises(FactsError) as e:
        advisor.advise({"track": "RK190321410CN", "events": [{"date": "2026-11-10", "provider": "russianpost", "code": "1"}]},
                       today=TODAY)
    assert e.value.where == "events[0].provider" and "did you mean `russian_post`?" in e.value.help


def test_a_provider_needs_its_code():
    code, out, err = run_cli("--facts", "-", input='{"track": "RK190321410CN", "events": [{"date": "2026-11-10", "provider": "russian_post"}]}')
    assert code == 2 and "events[0]" in err and "Traceback" not in err


def test_a_provider_file_with_an_unknown_stage_is_a_located_error(rules_copy):
    p = rules_copy / "providers" / "russian_post.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("  9: {name: Импорт международной почты, stage: import}",
                                                       "  9: {name: Импорт международной почты, stage: imprt}"), encoding="utf-8")
    code, out, _ = run_cli("rules", "check", str(rules_copy))
    assert code == 1 and "rules/providers/russian_post.yaml:" in out and "unknown stage id `imprt`" in out
    assert "did you mean `import`?" in out
