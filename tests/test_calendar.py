"""The advice's dates as a calendar file: parsed back by icalendar and by vobject (a second,
independent parser), from the CLI, the Python API and HTTP."""
import datetime as dt
import json
import urllib.request

import icalendar
import pytest
import vobject

from conftest import TODAY, http_call, run_cli, serving

PARCEL = ("RK190321410CN", "--issued", "12d", "--protection-ends", "2026-12-20")


def _events(data: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(data)
    return {str(e["uid"]): e for e in cal.walk("VEVENT")}


def test_cli_writes_one_all_day_event_per_dated_step_and_date(tmp_path):
    code, out, _ = run_cli(*PARCEL, "--today", TODAY.isoformat(), "--format", "json")
    advice = json.loads(out)
    path = tmp_path / "parcel.ics"
    code, text, err = run_cli(*PARCEL, "--today", TODAY.isoformat(), "--ics", str(path))
    assert code == 0 and "Next:" in text and str(path) in err
    events = _events(path.read_bytes())
    dated = [a for a in advice["actions"] if a["due"]]
    # every dated step and date is on the calendar, the step "open a dispute" inside its last day's event
    assert {e.decoded("dtstart").isoformat() for e in events.values()} == \
        {a["due"] for a in dated} | {d["date"] for d in advice["deadlines"]}
    assert len(events) == len(dated) + len(advice["deadlines"]) - 1 >= 3
    by_title = {str(e["summary"]): e for e in events.values()}
    protection = by_title["Buyer protection ends (parcel RK190321410CN)"]    # the event sits on its day
    assert protection.decoded("dtstart") == dt.date(2026, 12, 20)          # all-day: a date, not a time
    assert protection.decoded("dtend") == dt.date(2026, 12, 21)
    assert str(protection["description"]).startswith("Buyer protection ends December 20, 2026.")
    assert "Platform: AliExpress" in str(protection["description"])
    triggers = sorted(a.decoded("trigger") for a in protection.walk("VALARM"))
    assert triggers == [dt.timedelta(hours=-15), dt.timedelta(hours=9)]   # 09:00 the day before and on the day
    step = by_title["Write to the seller (parcel RK190321410CN)"]
    assert step.decoded("dtstart") == TODAY and str(step["description"]).startswith("Do it today.")


def test_one_event_per_deadline_and_reminders_only_ahead():
    """A step due on its own date ("open a dispute" on the last day to open one) is told in that
    date's event, not a second event on the same day; nothing due on the advice's day rings (the
    buyer is reading the advice), a later date rings the day before and on the day."""
    code, out, _ = run_cli("RK190321410CN", "--issued", "20d", "--protection-ends", "2026-12-20",
                           "--today", TODAY.isoformat(), "--format", "json")
    advice = json.loads(out)
    assert any(a["action"] == "open_dispute" and a["due"] == "2026-12-15" for a in advice["actions"])
    events = list(_events(run_cli("RK190321410CN", "--issued", "20d", "--protection-ends", "2026-12-20",
                                  "--today", TODAY.isoformat(), "--ics", "-")[1].encode()).values())
    days = [e.decoded("dtstart") for e in events]
    assert days.count(dt.date(2026, 12, 15)) == 1
    last = next(e for e in events if e.decoded("dtstart") == dt.date(2026, 12, 15))
    assert str(last["summary"]) == "Last day to open a dispute (parcel RK190321410CN)"
    assert "open a \"not received\" dispute that day" in str(last["description"])
    assert len(last.walk("VALARM")) == 2
    today = [e for e in events if e.decoded("dtstart") == TODAY]
    assert len(today) >= 2 and all(e.walk("VALARM") == [] for e in today)


def test_calendar_texts_carry_the_message_instead_of_pointing_below(tmp_path):
    history = tmp_path / "history.txt"
    history.write_text("01.11.2026 10:00 Export\n")
    for lang, below, head in (("en", "(message below)", "Message to the seller (no news since it left the country)"),
                              ("ru", "(сообщение ниже)", "Сообщение продавцу (нет новостей после экспорта)")):
        code, out, err = run_cli("RK190321410CN", "--issued", "30d", "--history", str(history), "--lang", lang,
                                 "--today", TODAY.isoformat(), "--ics", "-")
        assert code == 0, err
        step = next(iter(_events(out.encode()).values()))
        text = str(step["description"])
        assert below not in text and head in text
        assert "Hello!" in text and "RK190321410CN" in text          # the English message to send, whole


def test_a_newer_file_updates_the_same_events():
    """Same parcel, a later day: the same UIDs with a higher SEQUENCE (a calendar replaces them)."""
    first = run_cli(*PARCEL, "--today", "2026-11-22", "--ics", "-")[1].encode()
    later = run_cli(*PARCEL, "--today", "2026-11-25", "--ics", "-")[1].encode()
    a, b = _events(first), _events(later)
    common = set(a) & set(b)
    assert any("date-protection_ends" in uid for uid in common)
    for uid in common:
        assert int(b[uid]["sequence"]) > int(a[uid]["sequence"])
    other = _events(run_cli("RR123456785CN", "--issued", "12d", "--today", "2026-11-22", "--ics", "-")[1].encode())
    assert not set(other) & set(a)                      # another parcel never overwrites this one


def test_a_second_parser_reads_the_same_calendar(advisor):
    advice = advisor.advise({"track": "RK190321410CN", "order": {"track_issued": "2026-11-10", "paid": "2026-11-08",
                                                               "protection_ends": "2026-12-20"}},
                            today=TODAY, lang="ru")
    data = advice.to_ics()
    cal = vobject.readOne(data.decode("utf-8"))
    ours = _events(data)
    seen = {}
    for ev in cal.vevent_list:
        seen[ev.uid.value] = (ev.dtstart.value, ev.summary.value, len(getattr(ev, "valarm_list", [])))
    assert {uid: (e.decoded("dtstart"), str(e["summary"]), len(e.walk("VALARM"))) for uid, e in ours.items()} == seen
    titles = [v[1] for v in seen.values()]
    assert "Защита покупателя заканчивается (посылка RK190321410CN)" in titles
    descriptions = [str(e["description"]) for e in ours.values()]
    assert any(d.startswith("Защита покупателя заканчивается 20 декабря 2026\u202fг.\n") for d in descriptions)
    assert not any("г.." in d for d in descriptions)
    assert all("parcel" not in t for t in titles)        # Russian titles, no English inside
    assert cal.x_wr_calname.value.startswith("Посылка RK190321410CN")


def test_a_parcel_without_a_code_keeps_its_uids_by_its_payment_date(advisor):
    facts = {"order": {"paid": "2026-11-01", "protection_ends": "2026-12-20"}}
    a = _events(advisor.advise(facts, today=TODAY).to_ics())
    b = _events(advisor.advise(facts, today=TODAY + dt.timedelta(days=3)).to_ics())
    assert set(a) & set(b)
    assert all("(parcel" not in str(e["summary"]) for e in a.values())


def test_ics_to_a_directory_is_a_clear_error(tmp_path):
    code, _, err = run_cli(*PARCEL, "--ics", str(tmp_path))
    assert code == 4 and err.startswith(f"error: --ics: `{tmp_path}` is a directory") and "Traceback" not in err


@pytest.fixture(scope="module")
def port():
    yield from serving()


def test_http_answers_a_calendar_for_facts(port):
    base = f"http://127.0.0.1:{port}"
    body = json.dumps({"track": "RK190321410CN", "order": {"track_issued": "2026-11-10", "protection_ends": "2026-12-20"}})
    req = urllib.request.Request(base + "/v1/advice.ics?lang=en&today=2026-11-22", data=body.encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        assert r.headers["Content-Type"].startswith("text/calendar")
        events = _events(r.read())
    assert any(str(e["summary"]).startswith("Buyer protection ends") for e in events.values())
    assert all("\nDo it today." not in str(e["description"]) for e in events.values())
    status, err = http_call(base, "POST", "/v1/advice.ics", body={"order": {"paid": "2026-13-01"}})
    assert status == 422 and err["error"]["where"] == "order.paid"


def test_rules_check_refuses_a_calendar_list_naming_no_known_date(tmp_path):
    import shutil
    from conftest import ROOT
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    path = templates / "calendar.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  open_dispute_by: [open_dispute]", "  open_dispute_until: [open_dispute]"),
                    encoding="utf-8")
    code, out, err = run_cli("rules", "check", "--templates", str(templates))
    line = next(n for n, t in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if t.startswith("same_as:"))
    assert code == 1 and f"templates/calendar.yaml:{line + 1}:3: `same_as` names `open_dispute_until`" in out + err
