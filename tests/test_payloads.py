"""Trackers' payloads as they come (rules/adapters): every published payload in
tests/fixtures/payloads gives the stage it states, through the Python API, the CLI and HTTP, with
no glue but the order's own facts; events are ordered and echoed as read."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from advisor.api import Advisor
from advisor.base.errors import FactsError

from conftest import run_cli

HERE = Path(__file__).parent / "fixtures" / "payloads"
INDEX = yaml.safe_load((HERE / "index.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def advisor():
    return Advisor()


# The providers and forms issue 33 names: each must have a published payload (or, where none was
# published, one derived mechanically from one and marked `derived` in index.yaml).
NAMED = {("aftership", "tracking"), ("aftership", "webhook"), ("17track", "gettrackinfo"), ("17track", "webhook"),
         ("trackingmore", "tracking"), ("ship24", "webhook"), ("easypost", "tracker"), ("easypost", "event"),
         ("shippo", "track"), ("shippo", "webhook"), ("russian_post", "soap"), ("russian_post", "zeep"), ("cainiao", "module"),
         ("karrio", "proxy")}


def test_every_payload_is_indexed_and_every_named_provider_has_one():
    files = {p.name for p in HERE.iterdir() if p.suffix in (".json", ".xml")}
    assert files == set(INDEX)
    assert NAMED <= {(spec["provider"], spec["form"]) for spec in INDEX.values()}
    assert all(spec.get("source") for spec in INDEX.values())


@pytest.mark.parametrize("name", sorted(INDEX))
def test_a_published_payload_gives_the_stage_it_states_through_python_cli_and_http(advisor, name):
    """One payload, as the provider sends it, through the three interfaces with nothing but the
    day: the Python API (its provider named, and `auto`), `advise --from auto FILE` and
    `POST /v1/advice/from/{provider}` give the stage the payload states."""
    from fastapi.testclient import TestClient
    from advisor.interfaces.server import create_app
    spec = INDEX[name]
    data = (HERE / name).read_bytes()
    advice = advisor.advise_payload(data, provider=spec["provider"], today=spec["today"], messages=False).data
    auto = advisor.advise_payload(data, provider="auto", today=spec["today"], messages=False).data
    assert (advice["payload"]["form"], auto["payload"]["provider"], auto["payload"]["recognised"]) == \
        (spec["form"], spec["provider"], True)
    if "carrier" in spec:
        assert advice["track"]["carrier"] == spec["carrier"]
    code, stdout, stderr = run_cli("--from", "auto", str(HERE / name), "--today", str(spec["today"]),
                                   "--format", "json", "--no-messages")
    assert code == 0, stderr
    assert f"({spec['form']})" in stderr
    payload = data.decode("utf-8") if name.endswith(".xml") else json.loads(data)
    body = {"payload": payload, "order": {"track_issued": str(spec["today"])}, "today": str(spec["today"])}
    answer = TestClient(create_app(advisor)).post(f"/v1/advice/from/{spec['provider']}", json=body)
    assert answer.status_code == 200, answer.text
    stages = {"python": advice["stage"], "auto": auto["stage"], "cli": json.loads(stdout)["stage"],
              "http": answer.json()["stage"]}
    assert stages == dict.fromkeys(stages, spec["stage"])


def test_the_http_interface_is_in_the_openapi_document(advisor):
    from fastapi.testclient import TestClient
    from advisor.interfaces.server import create_app
    assert "/v1/advice/from/{provider}" in TestClient(create_app(advisor)).get("/openapi.json").json()["paths"]


def test_same_day_events_of_a_newest_first_list_read_as_delivered(advisor):
    """17TRACK lists newest first, two events on the delivery day: delivered, not out for delivery."""
    advice = advisor.advise_payload((HERE / "17track_webhook.json").read_bytes(), provider="17track",
                                    today=dt.date(2022, 4, 30), messages=False).data
    events = advice["events"]
    assert [e["index"] for e in events] == [4, 3, 2, 1, 0]
    last = events[-1]
    assert (last["date"], last["time"], last["offset"], last["country"], last["city"], last["how"]) == \
        ("2022-04-04", "16:35:22", "-07:00", "US", "GASQUET", "code")
    # a list simply newest first is how trackers print: nothing to say about its order
    assert "events_reordered" not in [n["kind"] for n in advice["notes"]]


@pytest.mark.parametrize("dates, said", [
    (["2026-11-20", "2026-11-18", "2026-11-02"], False),      # newest first
    (["2026-11-02", "2026-11-18", "2026-11-20"], False),      # oldest first
    (["2026-11-18", "2026-11-02", "2026-11-20"], True),       # neither: the advice says it sorted them
])
def test_only_a_list_in_no_date_order_is_said_to_be_reordered(advisor, dates, said):
    events = [{"date": d, "status": s} for d, s in zip(dates, ["Приём", "Экспорт", "Импорт"])]
    advice = advisor.advise({"track": "RK190321410CN", "events": events}, today=dt.date(2026, 11, 22),
                            messages=False).data
    assert ("events_reordered" in [n["kind"] for n in advice["notes"]]) is said
    assert [e["date"] for e in advice["events"]] == sorted(dates)


def test_the_day_is_the_one_printed_at_the_place_not_utc(advisor):
    """16:35 at UTC-7 on 4 April is 5 April in UTC: the event stays on the 4th."""
    advice = advisor.advise_payload((HERE / "17track_webhook.json").read_bytes(), provider="17track",
                                    today=dt.date(2022, 4, 30), messages=False).data
    assert advice["events"][-1]["date"] == "2022-04-04"


def test_same_day_events_given_out_of_order_go_by_their_time(advisor):
    facts = {"track": "RK190321410CN", "events": [
        {"date": "2026-11-20", "time": "15:00", "status": "Вручение адресату"},
        {"date": "2026-11-20", "time": "09:00", "status": "Прибыло в место вручения"},
        {"date": "2026-11-18", "status": "Импорт"}]}
    advice = advisor.advise(facts, today=dt.date(2026, 11, 22), messages=False).data
    assert advice["stage"] == "delivered"
    assert [e["time"] for e in advice["events"]] == [None, "09:00", "15:00"]


def test_a_pasted_newest_first_history_is_read_oldest_first(advisor, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("20.11.2026 Вручение адресату\n20.11.2026 Прибыло в место вручения\n18.11.2026 Импорт\n",
                    encoding="utf-8")
    code, stdout, stderr = run_cli("RK190321410CN", "--history", str(page), "--today", "2026-11-22",
                                   "--format", "json", "--no-messages")
    assert code == 0, stderr
    assert json.loads(stdout)["stage"] == "delivered"


def test_a_named_carrier_is_never_read_as_a_fake_service(advisor):
    """AfterShip's FedEx placeholder 111111111111 has the 17 Post fake service's shape."""
    data = json.loads((HERE / "aftership_last_checkpoint.json").read_text(encoding="utf-8"))
    advice = advisor.advise_payload(data, provider="aftership", today=dt.date(2018, 8, 20), messages=False).data
    assert advice["track"]["kind"] != "fake_service"
    assert all(e["postal"] for e in advice["events"])
    without = advisor.advise({"track": "111111111111", "events": [{"date": "2018-08-01", "status": "Delivered"}]},
                             today=dt.date(2018, 8, 20), messages=False).data
    assert without["track"]["kind"] == "fake_service"      # what the carrier fact prevents


@pytest.mark.parametrize("lang, words, named", [("en", "none of its formats", "“ups”"),
                                                ("ru", "ни на один из его форматов", "«ups»")])
def test_a_named_carrier_the_code_is_not_of_is_said(advisor, lang, words, named):
    """AfterShip names `ups` for 1234567890, which no UPS format reads: the advice says so."""
    data = (HERE / "aftership_tracking.json").read_bytes()
    advice = advisor.advise_payload(data, provider="aftership", today=dt.date(2018, 8, 20), lang=lang,
                                    messages=False).data
    assert advice["track"]["named_carrier"] == {"name": "ups", "matches": False}
    said = [n for n in advice["notes"] if n["kind"] == "carrier_unmatched"]
    assert said and words in said[0]["text"] and named in said[0]["text"]
    ups = advisor.advise_payload((HERE / "17track_webhook.json").read_bytes(), provider="17track",
                                 today=dt.date(2022, 4, 30), messages=False).data
    assert ups["track"]["named_carrier"]["matches"] and "carrier_unmatched" not in [n["kind"] for n in ups["notes"]]


def test_a_sub_status_of_a_later_api_version_is_reported_not_guessed(advisor):
    """17TRACK may add sub-statuses: one the table does not know is said, and the stage stays."""
    data = (HERE / "17track_gettrackinfo_yanwen.json").read_bytes()
    advice = advisor.advise_payload(data, provider="17track", today=dt.date(2026, 7, 1), messages=False).data
    unknown = [n for n in advice["notes"] if n["kind"] == "unknown_code"]
    assert [n["code"] for n in unknown] == ["InTransit_QuantumTunnelling"]
    assert [e["stage"] for e in advice["events"]] == ["accepted", None, "import"]
    assert advice["track"]["named_carrier"] == {"name": "Yanwen", "matches": False}     # YT... is YunExpress's shape


def test_the_trackers_destination_decides_the_end_of_the_route(advisor):
    """No order destination: the tracker's (Ship24's destinationCountryCode, Cainiao's destCountry)
    says which end an event is at; an order's own destination still wins."""
    read = advisor.adapters.read((HERE / "cainiao_detail.json").read_bytes(), "cainiao")
    assert read.facts["tracked_destination"] == {"country": "BR"}
    line = [{"date": "2026-11-10", "status": "Arrived at sorting center", "country": "BR"}]
    alone = advisor.advise({"track": "RK190321410CN", "events": line}, today=dt.date(2026, 11, 22)).data
    tracked = advisor.advise({"track": "RK190321410CN", "tracked_destination": {"country": "BR"}, "events": line},
                             today=dt.date(2026, 11, 22)).data
    assert (alone["events"][0]["stage"], tracked["events"][0]["stage"]) == ("origin_sorting", "destination_sorting")


def test_the_tracker_status_counts_when_the_events_say_less(advisor):
    """AfterShip says Delivered while its one checkpoint is InfoReceived."""
    data = (HERE / "aftership_tracking.json").read_bytes()
    advice = advisor.advise_payload(data, provider="aftership", today=dt.date(2018, 8, 20), messages=False).data
    assert advice["stage"] == "delivered"
    assert advice["events"][-1]["index"] is None and advice["events"][-1]["how"] == "code"


def test_countries_as_trackers_write_them(advisor):
    facts = {"track": "RK190321410CN", "events": [
        {"date": "2026-11-01", "status": "Экспорт", "country": "CHN"},
        {"date": "2026-11-05", "status": "Импорт", "country": "Russian Federation"}]}
    advice = advisor.advise(facts, today=dt.date(2026, 11, 22), messages=False).data
    assert [e["country"] for e in advice["events"]] == ["CN", "RU"]
    with pytest.raises(FactsError, match="Atlantis"):
        advisor.advise({"events": [{"date": "2026-11-01", "status": "x", "country": "Atlantis"}]},
                       today=dt.date(2026, 11, 22))


def test_order_facts_beside_the_payload_win_and_events_come_from_it(advisor):
    data = (HERE / "ship24_webhook.json").read_bytes()
    advice = advisor.advise_payload(data, provider="ship24", order={"track_issued": "2025-03-01"},
                                    today=dt.date(2025, 3, 10), messages=False).data
    assert advice["days"]["since_track_issued"] == 9
    with pytest.raises(FactsError, match="comes from the payload"):
        advisor.advise_payload(data, provider="ship24", facts={"events": []}, today=dt.date(2025, 3, 10))


def test_a_wrong_provider_or_payload_is_one_clear_error(tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text('{"hello": 1}', encoding="utf-8")
    code, stdout, stderr = run_cli("--from", "aftershipp", str(bad))
    assert code == 2 and "unknown provider `aftershipp`" in stderr and "aftership" in stderr
    code, stdout, stderr = run_cli("--from", "auto", str(bad))
    assert code == 2 and "no adapter recognises" in stderr
    assert "Traceback" not in stdout + stderr


def test_batch_reads_one_payload_a_line(tmp_path):
    lines = [json.dumps(json.loads((HERE / n).read_text(encoding="utf-8")))
             for n in ("17track_webhook.json", "ship24_webhook.json")]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, stdout, stderr = run_cli("batch", str(src), "--from", "auto", "--workers", "1", "--today",
                                   "2025-06-01", "--no-messages")
    assert code == 0, stderr
    out = [json.loads(line) for line in stdout.splitlines()]
    assert [o["payload"]["provider"] for o in out] == ["17track", "ship24"]
    assert [o["stage"] for o in out] == ["delivered", "delivered"]


def test_a_new_provider_is_a_new_file(tmp_path, advisor):
    import shutil
    rules = tmp_path / "rules"
    shutil.copytree(advisor.rules_dir, rules)
    (rules / "adapters" / "mytracker.yaml").write_text(
        "adapter: mytracker\ntitle: My tracker\nforms:\n  - form: plain\n    when: \"parcel.history\"\n"
        "    root: parcel\n    track: code\n    events: history\n    event: {at: when, text: what}\n", encoding="utf-8")
    mine = Advisor(rules=rules)
    payload = {"parcel": {"code": "RK190321410CN", "history": [{"when": "2026-11-20T10:00:00+03:00", "what": "Вручение адресату"}]}}
    advice = mine.advise_payload(payload, today=dt.date(2026, 11, 22), messages=False).data
    assert advice["payload"]["provider"] == "mytracker" and advice["stage"] == "delivered"


def _advise(advisor, name, provider="auto"):
    spec = INDEX[name]
    return advisor.advise_payload((HERE / name).read_bytes(), provider=provider, today=spec["today"], messages=False).data


def test_a_live_shippo_track_is_read_event_by_event(advisor):
    """Shippo's recorded answer: eleven events oldest first, places where it gives them, USPS named."""
    advice = _advise(advisor, "shippo_track.json")
    events = advice["events"]
    assert [e["index"] for e in events] == list(range(11))
    assert (events[0]["date"], events[0].get("city"), events[0].get("country")) == ("2016-12-07", None, None)  # location null
    last = events[-1]
    assert (last["date"], last["time"], last["city"], last["country"], last["stage"], last["how"]) == \
        ("2016-12-08", "15:19:00", "Berkeley", "US", "delivered", "code")
    assert advice["track"]["named_carrier"] == {"name": "usps", "matches": True}


def test_aftership_webhook_body_is_read_as_sent(advisor):
    """AfterShip's webhook example: the body as posted (`event`, `msg`, `ts`), countries as USA, times as printed."""
    advice = _advise(advisor, "aftership_webhook.json")
    assert (advice["payload"]["provider"], advice["payload"]["form"]) == ("aftership", "webhook")
    events = advice["events"]
    assert {e["country"] for e in events} == {"US"}
    assert [e["stage"] for e in events[:2]] == ["pre_advice", "accepted"]
    last = events[-1]
    assert (last["date"], last["time"], last.get("offset"), last["city"], last["stage"]) == \
        ("2021-05-17", "03:45:00", None, "HOLLY RIDGE", "destination_sorting")
    assert advice["track"]["named_carrier"] == {"name": "usps", "matches": True}


def test_pochta_ru_page_json_is_read_oldest_first(advisor):
    """The JSON pochta.ru's page loads: newest first, countries as numeric codes (156, 643), the
    destination from `countryToCode`, one code from operation type and attribute (`1.0` is type 1)."""
    read = advisor.adapters.read((HERE / "russian_post_site.json").read_bytes(), "russian_post")
    assert (read.form, read.facts["track"], read.facts["tracked_destination"]) == ("site", "ZA298249753CN", {"country": "RU"})
    advice = _advise(advisor, "russian_post_site.json", "russian_post")
    got = [(e["index"], e["date"], e["offset"], e["country"], e.get("city"), e["stage"]) for e in advice["events"]]
    assert got == [(2, "2023-11-20", "+08:00", "CN", None, "accepted"),
                   (1, "2023-12-18", "+03:00", "RU", "Казань", "arrived_office"),
                   (0, "2023-12-21", "+03:00", "RU", "Казань", "delivered")]
    assert not [n for n in advice["notes"] if n["kind"] in ("unknown_code", "events_reordered")]


def _set(doc, path, value):
    for key in path[:-1]:
        doc = doc[key]
    doc[path[-1]] = value


@pytest.mark.parametrize("name, path, value, where", [
    ("shippo_track.json", ["tracking_history", 3, "status_date"], "yesterday", "payload tracking_history[3].status_date"),
    ("aftership_webhook.json", ["msg", "checkpoints", 2, "checkpoint_time"], None, "payload msg.checkpoints[2]"),
    ("russian_post_site.json", ["detailedTrackings", 0, "trackingItem", "trackingHistoryItemList", 1, "countryId"], 999,
     "payload events[1].country"),
])
def test_a_malformed_payload_is_one_error_naming_its_field(advisor, tmp_path, name, path, value, where):
    """Through the CLI and HTTP: the field by the payload's own names, the value in backticks, no traceback."""
    from fastapi.testclient import TestClient
    from advisor.interfaces.server import create_app
    doc = json.loads((HERE / name).read_text(encoding="utf-8"))
    _set(doc, path, value)
    bad = tmp_path / name
    bad.write_text(json.dumps(doc), encoding="utf-8")
    code, stdout, stderr = run_cli("--from", "auto", str(bad), "--today", str(INDEX[name]["today"]))
    assert code == 2 and stderr.startswith(f"error: {where}: ") and "Traceback" not in stdout + stderr
    if value is not None:
        assert f"`{value}`" in stderr
    answer = TestClient(create_app(advisor)).post(f"/v1/advice/from/{INDEX[name]['provider']}", json={"payload": doc})
    assert answer.status_code == 422 and answer.json()["error"]["where"] == where


def test_a_code_that_says_nothing_is_read_from_the_events_text(advisor):
    """Shippo's first two events are `UNKNOWN` (a code that keeps the stage): their texts say the
    label exists, so they read as pre-advice, echoed as read from the text; the rest by code."""
    events = _advise(advisor, "shippo_track.json")["events"]
    assert [(e["index"], e["stage"], e["how"]) for e in events[:3]] == \
        [(0, "pre_advice", "text"), (1, "pre_advice", "text"), (2, "origin_sorting", "code")]
    assert all(e["matched"] for e in events[:2])


@pytest.mark.parametrize("name, first", [
    ("shippo_track.json", {2: "origin_sorting", 3: "origin_sorting", 5: "origin_sorting", 7: "destination_sorting"}),
    ("aftership_webhook.json", {1: "accepted", 2: "origin_sorting", 3: "origin_sorting", 4: "destination_sorting"}),
    ("17track_webhook.json", {3: "origin_sorting", 2: "origin_sorting", 1: "arrived_office"}),   # out for delivery: the last mile
    ("russian_post_rtm34.xml", {1: "origin_sorting", 2: "origin_sorting", 6: "arrived_office"}),
])
def test_a_domestic_routes_first_scans_are_not_destination_sorting(advisor, name, first):
    """Both ends in one country (the payload's addresses, or the code's country and the tracker's
    destination): the country places no event, so "accepted at the origin facility" is not
    sorting at the destination; the text ("Regional Destination Facility", "arrived at the post
    office") or the route so far says when the parcel reached the far end."""
    events = {e["index"]: e["stage"] for e in _advise(advisor, name)["events"]}
    assert {i: events[i] for i in first} == first


def test_the_trackers_origin_makes_a_route_domestic(advisor):
    """The same US events and in-transit codes, with and without the tracker's origin: with it the
    route is domestic and its first scan sorting at the origin; without it, the destination country
    puts every US event at the far end."""
    events = [{"date": "2026-11-02", "provider": "shippo", "code": "TRANSIT", "status": "Arrived at USPS facility", "country": "US"},
              {"date": "2026-11-03", "provider": "shippo", "code": "TRANSIT", "status": "Departed USPS facility", "country": "US"}]
    facts = {"track": "1ZA4R1790312830803", "tracked_destination": {"country": "US"}, "events": events}
    abroad = advisor.advise(facts, today=dt.date(2026, 11, 5), messages=False).data
    domestic = advisor.advise({**facts, "tracked_origin": {"country": "US"}}, today=dt.date(2026, 11, 5), messages=False).data
    assert [e["stage"] for e in abroad["events"]] == ["destination_sorting"] * 2
    assert [e["stage"] for e in domestic["events"]] == ["origin_sorting"] * 2
    read = advisor.adapters.read((HERE / "shippo_track.json").read_bytes(), "shippo")
    assert (read.facts["tracked_origin"], read.facts["tracked_destination"]) == ({"country": "US"}, {"country": "US"})


def test_a_zeep_users_json_is_the_soap_answer_read_alike(advisor):
    """Russian Post's answer dumped from zeep (a bare list of records, nulls, `OperDate` with a
    space) reads event for event as the SOAP answer it came from."""
    def seen(name):
        return [(e["index"], e["date"], e["time"], e["offset"], e["country"], e["city"], e["stage"], e["how"])
                for e in _advise(advisor, name)["events"]]
    assert seen("russian_post_zeep.json") == seen("russian_post_rtm34.xml")
    read = advisor.adapters.read((HERE / "russian_post_zeep.json").read_bytes(), "auto")
    assert (read.provider, read.form, read.facts["track"]) == ("russian_post", "zeep", "44334455667733")
    assert read.facts["events"][-1]["code"] == "2.1"
