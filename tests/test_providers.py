"""Russian Post's own operation codes read as stages, through the same table as their texts."""
import json

import pytest

from advisor.base.errors import FactsError
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
        assert reading.stage or reading.before or reading.no_stage or reading.keeps_stage, t


@pytest.mark.parametrize("code, text", [
    ("2.2", "Вручение отправителю"), ("2.1", "Вручение адресату"), ("11", "Прием на таможню"),
    ("14.4", "Отказ в выпуске"), ("14.8", "Выпуск приостановлен"), ("14.2", "Возвращено таможней"),
    ("8.9", "Прибыло в почтомат"), ("8.13", "Прибыло на территорию РФ"), ("2.3", "Выдано адресату через почтомат"),
    ("12.12", "Истек срок хранения в почтомате"), ("24", "Продление срока выпуска таможней"), ("9", "Импорт"),
])
def test_a_code_and_its_text_give_the_same_stage(advisor, code, text):
    by_code, _ = _stage(advisor, code)
    by_text = advisor.stages.classify(text, False).stage
    assert by_code == by_text, (code, by_code, text, by_text)


def test_an_exchange_operation_reads_by_the_events_country(advisor):
    assert _stage(advisor, "8.5", "CN")[0] == "origin_sorting"
    assert _stage(advisor, "8.5", "RU")[0] == "import"
    assert _stage(advisor, "8.6", "CN")[0] == "export"
    assert _stage(advisor, "8.6", "RU")[0] == "destination_sorting"
    assert _stage(advisor, "8.5", after_export=True)[0] == "import"


@pytest.mark.parametrize("code, reason", [("5.1", "lost"), ("18", "lost"), ("16", "destroyed"), ("5.2", "seized"),
                                          ("17", "seized"), ("8.26", "renumbered")])
def test_an_operation_no_stage_describes_is_said_not_hidden(advisor, code, reason):
    stage, a = _stage(advisor, code)
    assert stage is None
    [note] = [n for n in a["notes"] if n["kind"] == "status_no_stage"]
    assert note["reason"] == reason and note["text"].startswith("The post reports “")


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
    p.write_text(p.read_text(encoding="utf-8").replace("  9: {name: Импорт международной почты, stage: import,",
                                                       "  9: {name: Импорт международной почты, stage: imprt,"), encoding="utf-8")
    code, out, _ = run_cli("rules", "check", str(rules_copy))
    assert code == 1 and "rules/providers/russian_post.yaml:" in out and "unknown stage id `imprt`" in out
    assert "did you mean `import`?" in out


def _cainiao(advisor, *codes):
    events = [{"date": f"2026-10-{i + 2:02d}", "provider": "cainiao", "code": c} for i, c in enumerate(codes)]
    return advisor.advise({"track": "LP00123456789012", "order": {"destination": {"country": "RU"}}, "events": events},
                          today=TODAY).to_dict()


def test_every_cainiao_action_code_has_a_stage_or_says_why_not(advisor):
    table = advisor.providers.codes["cainiao"]
    assert len(table) >= 110
    for code, r in table.items():
        assert r.stage or r.before or r.no_stage or r.keeps_stage, code
        if r.no_stage:
            assert r.ru, f"{code}: the advice quotes it in Russian too"


@pytest.mark.parametrize("code, stage", [
    ("PU_PICKUP_SUCCESS", "accepted"), ("SC_INBOUND_SUCCESS", "origin_sorting"), ("LH_DEPART", "export"),
    ("LH_ARRIVE", "import"), ("CC_HO_IN_SUCCESS", "customs"), ("CC_IM_FAILURE", "customs_held"),
    ("GTMS_ACCEPT", "destination_sorting"), ("GTMS_STA_SIGNED", "arrived_office"), ("GTMS_SIGNED", "delivered"),
    ("RETURNED", "returned"),
])
def test_a_cainiao_code_reads_as_its_stage(advisor, code, stage):
    assert _cainiao(advisor, code)["events"][-1]["stage"] == stage


def test_a_pickup_point_or_a_sorting_centre_signing_is_not_a_delivery(advisor):
    """Cainiao prints 签收 (signed) for the buyer, a pickup point and a sorting centre alike."""
    for code in ("GTMS_STA_SIGNED", "SC_SIGN_IN_SUCCESS"):
        assert _cainiao(advisor, code)["stage"] != "delivered"
    assert advisor.stages.classify("签收成功", False).stage is None or advisor.providers.for_text("签收成功").stage == "origin_sorting"


def test_a_cainiao_failure_is_said_in_the_advice_language(advisor):
    a = _cainiao(advisor, "PU_PICKUP_SUCCESS", "SC_OUTBOUND_FAILURE")
    assert a["stage"] == "accepted"
    [note] = [n for n in a["notes"] if n["kind"] == "status_no_stage"]
    assert note["reason"] == "exception" and "Outbound at the sorting center failed" in note["text"]
    ru = advisor.advise({"track": "LP00123456789012", "events": [
        {"date": "2026-10-02", "provider": "cainiao", "code": "SC_OUTBOUND_FAILURE"}]}, today=TODAY, lang="ru").to_dict()
    [note] = [n for n in ru["notes"] if n["kind"] == "status_no_stage"]
    assert "Ошибка отправки из сортировочного центра" in note["text"]


def test_a_cancelled_russian_post_operation_is_not_a_cancelled_shipment(advisor):
    """Operation 26 undoes the operation before it («Предыдущая операция отменена»)."""
    stage, a = _stage(advisor, "26")
    assert stage is None and not [n for n in a["notes"] if n["kind"] in ("status_no_stage", "unknown_code")]
    assert "post_reports_problem" not in [f["id"] for f in a["flags"]]


def test_a_text_that_is_a_provider_name_reads_as_its_code(advisor):
    """The page's own words for an operation read through the operation's table entry."""
    for text, code in [("Пересекло границу", "10"), ("Вручение не состоялось", "5"), ("Получено отправителем", "2.2"),
                       ("Обработка. Прибыло в почтомат", "8.9")]:
        a = advisor.advise({"track": "RK190321410CN", "events": [{"date": "2026-11-10", "status": text}]}, today=TODAY).to_dict()
        b = advisor.advise({"track": "RK190321410CN", "events": [{"date": "2026-11-10", "provider": "russian_post", "code": code}]},
                           today=TODAY).to_dict()
        assert a["events"][-1]["stage"] == b["events"][-1]["stage"], text
        assert [n.get("reason") for n in a["notes"] if n["kind"] == "status_no_stage"] == \
               [n.get("reason") for n in b["notes"] if n["kind"] == "status_no_stage"], text


def test_a_code_mapped_twice_is_a_located_error(rules_copy):
    p = rules_copy / "providers" / "cainiao.yaml"
    p.write_text(p.read_text(encoding="utf-8") + "  GTMS_SIGNED: {name: Delivered again, stage: returned}\n", encoding="utf-8")
    code, out, _ = run_cli("rules", "check", str(rules_copy))
    assert code == 1 and "rules/providers/cainiao.yaml:" in out and "GTMS_SIGNED" in out


# ---- trackers' own codes: AfterShip, 17TRACK, TrackingMore ---------------------------------------

def _coded(advisor, provider, code, after_export=False):
    events = [{"date": "2026-10-05", "status": "Экспорт"}] if after_export else []
    a = advisor.advise({"track": "RK190321410CN", "order": {"track_issued": "2026-10-01", "destination": {"country": "RU"}},
                        "events": events + [{"date": "2026-11-10", "provider": provider, "code": code}]},
                       today=TODAY).to_dict()
    return a["events"][-1]["stage"], a


@pytest.mark.parametrize("provider", ["aftership", "17track", "trackingmore", "cainiao", "russian_post"])
def test_every_code_of_a_provider_has_a_stage_or_says_why_not(advisor, provider):
    table = advisor.providers.codes[provider]
    assert table
    for code, r in table.items():
        assert r.stage or r.before or r.no_stage or r.keeps_stage, (provider, code)
        if r.no_stage and not any("\u0400" <= c <= "\u04ff" for c in r.name):
            assert r.ru, f"{provider} {code}: the advice quotes it in Russian too"


@pytest.mark.parametrize("provider, code, text", [
    ("aftership", "Delivered_001", "Delivered"),
    ("aftership", "InTransit_004", "Arrived at destination country"),
    ("aftership", "InTransit_006", "Передано таможне"),
    ("aftership", "AvailableForPickup_001", "Прибыло в место вручения"),
    ("aftership", "Exception_010", "Returned to sender"),
    ("aftership", "Exception_004", "Delayed by Customs"),
    ("aftership", "InfoReceived_001", "Electronic information received"),
    ("17track", "InTransit_PickedUp", "Accepted by carrier"),
    ("17track", "InTransit_Departure", "Departed from the country of origin"),
    ("17track", "InTransit_Arrival", "Arrival at the destination country"),
    ("17track", "Delivered_Other", "Вручение адресату"),
    ("17track", "Exception_Returned", "Возврат"),
    ("17track", "InTransit_CustomsRequiringInformation", "Задержано таможней"),
    ("trackingmore", "transit004", "Arrive at destination country"),
    ("trackingmore", "delivered002", "Получено адресатом"),
    ("trackingmore", "exception010", "Returned to sender"),
    ("trackingmore", "exception006", "Задержано таможней"),
])
def test_a_trackers_code_gives_the_stage_its_text_gives(advisor, provider, code, text):
    by_code, _ = _coded(advisor, provider, code)
    a = advisor.advise({"track": "RK190321410CN", "order": {"track_issued": "2026-10-01", "destination": {"country": "RU"}},
                        "events": [{"date": "2026-11-10", "status": text}]}, today=TODAY).to_dict()
    assert by_code == a["events"][-1]["stage"], (provider, code, text)


def test_a_two_sided_tracker_code_reads_by_its_place_in_the_route(advisor):
    assert _coded(advisor, "aftership", "InTransit_003")[0] == "origin_sorting"
    assert _coded(advisor, "aftership", "InTransit_003", after_export=True)[0] == "destination_sorting"
    assert _coded(advisor, "17track", "InTransit_CustomsProcessing", after_export=True)[0] == "customs"


@pytest.mark.parametrize("provider, code, reason", [
    ("aftership", "Exception_013", "lost"), ("17track", "Exception_Lost", "lost"), ("17track", "Exception_Cancel", "cancelled"),
    ("trackingmore", "exception008", "cancelled"), ("aftership", "Exception_009", "prohibited"),
])
def test_a_tracker_code_no_stage_describes_is_said(advisor, provider, code, reason):
    stage, a = _coded(advisor, provider, code)
    [note] = [n for n in a["notes"] if n["kind"] == "status_no_stage"]
    assert stage is None and note["reason"] == reason


def test_an_unknown_tracker_code_is_a_note_and_a_trackers_descriptions_are_not_texts(advisor):
    stage, a = _coded(advisor, "aftership", "InTransit_099")
    assert stage is None and [n["kind"] for n in a["notes"]].count("unknown_code") == 1
    assert advisor.providers.for_text("Shipment arrived at a hub or sorting center") is None


def test_tracker_codes_through_batch(tmp_path):
    line = json.dumps({"track": "RK190321410CN", "events": [{"date": "2026-11-10", "provider": "17track",
                                                             "code": "InTransit_Arrival"}]})
    code, out, err = run_cli("batch", "--today", "2026-11-20", "--no-messages", input=line + "\n")
    assert code == 0, err
    assert json.loads(out)["stage"] == "import"


def test_a_trackers_code_is_said_as_the_trackers_word_not_the_posts(advisor):
    for lang, word in (("en", "The tracking service reports “"), ("ru", "Служба отслеживания сообщает: «")):
        a = advisor.advise({"track": "RK190321410CN", "events": [{"date": "2026-11-10", "provider": "aftership",
                                                                  "code": "Exception_013"}]}, today=TODAY, lang=lang).to_dict()
        [note] = [n for n in a["notes"] if n["kind"] == "status_no_stage"]
        assert note["text"].startswith(word)


@pytest.mark.parametrize("provider", ["17track", "aftership", "cainiao", "easypost", "karrio", "ship24", "trackingmore"])
def test_out_for_delivery_is_one_stage_whether_a_tracker_sends_its_code_or_its_text(advisor, provider):
    """A tracker's out-for-delivery code read as sorting told a buyer, 12 days after the courier set
    out, that the parcel still had 7-15 days to reach the local office; the same line sent as text
    reads as the last mile (the office, where an undelivered parcel waits)."""
    table = advisor.providers.codes[provider]
    coded = {c: r for c, r in table.items()
             if r.name and ("out for delivery" in r.name.lower() or r.name.lower() in ("delivery started", "delivery attempted again"))}
    assert coded, provider
    text_stage = advisor.stages.classify("Out for delivery", True).stage
    assert text_stage == "arrived_office"
    assert {c: r.stage for c, r in coded.items()} == {c: text_stage for c in coded}
