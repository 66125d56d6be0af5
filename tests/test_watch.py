"""The buyer's list of parcels (`advise watch`, `advise due`), used as a buyer would: through the
command line (click's runner and real processes), a pseudo-terminal for the list view, the
calendar file parsed back, the list's file checked on disk."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap

import pytest

from conftest import CACHE, ROOT, TODAY, run_cli, terminal

NEXT_WEEK = TODAY + dt.timedelta(days=7)

# ten orders in flight after a sale, as the buyer describes them on the day they are added
TEN = {
    "RK190321410CN": ["--issued", "2026-11-10", "--protection-ends", "2026-12-01"],
    "RA123456785CN": ["--issued", "2026-11-19", "--protection-ends", "2027-01-20"],
    "LB555666772CN": ["--issued", "2026-11-02", "--event", "2026-11-05=Export", "--protection-ends", "2027-01-10", "--dest", "RU"],
    "RR100200305CN": ["--paid", "2026-10-01", "--issued", "2026-10-03", "--protection-ends", "2026-12-10",
                      "--event", "2026-10-10=Export", "--event", "2026-11-15=Import", "--dest", "RU"],
    "CP987654326CN": ["--issued", "2026-11-14", "--seller-messaged", "2026-11-20", "--seller-silent", "--protection-ends", "2027-01-05"],
    "RS314159268CN": ["--issued", "2026-10-13", "--dispute-opened", "2026-11-18", "--seller-response", "partial_refund",
                      "--offered-refund", "3.00USD", "--protection-ends", "2026-12-30"],
    "UA271828189CN": ["--issued", "2026-10-23", "--event", "2026-11-10=Delivered", "--not-received", "--protection-ends", "2026-12-25"],
    "RB112233447SG": ["--issued", "2026-11-17", "--platform", "ebay"],
    "LX443322114NL": ["--issued", "2026-11-07", "--platform", "joom", "--protection-ends", "2026-12-15"],
    "RU505050501CN": ["--issued", "2026-10-28", "--received"],
}


def watch(db, *args, today=TODAY, process=False, lang=None):
    extra = ["--today", today.isoformat()] if today else []
    return run_cli(*args, "--db", str(db), *extra, *(["--lang", lang] if lang else []), process=process)


def add_ten(db):
    for code, options in TEN.items():
        status, out, err = watch(db, "watch", "add", code, *options)
        assert status == 0, err
        assert f"Added {code} to your list." in out


@pytest.fixture
def db(tmp_path):
    return tmp_path / "data" / "parcels.sqlite3"


def _due_by_hand(today: dt.date, days: int) -> list[tuple[str, str, str]]:
    """Each parcel advised alone by `advise CODE ...` (no list involved) as of `today`: its dated
    steps due by `today + days`."""
    out = []
    for code, options in TEN.items():
        status, text, err = run_cli(code, *options, "--today", today.isoformat(), "--format", "json", "--no-messages")
        assert status == 0, err
        for step in json.loads(text)["actions"]:
            if step["due"] and step["due"] <= (today + dt.timedelta(days=days)).isoformat():
                out.append((step["due"], code, step["action"]))
    return sorted(out)


def test_a_buyer_adds_ten_parcels_and_a_week_later_sees_exactly_the_steps_that_fell_due(db):
    add_ten(db)
    # on the day they were added, the protection of RK190321410CN was still nine days off
    status, out, _ = watch(db, "due", "--format", "json", "--days", "0")
    assert ("RK190321410CN", "open_dispute") not in {(s["code"], s["action"]) for s in json.loads(out)["steps"]}

    status, out, err = watch(db, "due", "--format", "json", today=NEXT_WEEK)
    assert status == 0, err          # something is due today: exit 0
    due = json.loads(out)
    got = sorted((s["due"], s["code"], s["action"]) for s in due["steps"])
    assert got == _due_by_hand(NEXT_WEEK, 7)
    today = {(s["code"], s["action"]) for s in due["steps"] if s["today"]}
    # the last safe day to open the dispute is two days before protection ends (2026-12-01)
    assert ("RK190321410CN", "open_dispute") in today
    assert due["due_today"] is True and due["today"] == "2026-11-29" and due["until"] == "2026-12-06"
    # a parcel in hand has nothing left to do by a date
    assert "RU505050501CN" not in {s["code"] for s in due["steps"] if s["action"] != "confirm_receipt"}

    # the steps dated within the week on the day they were added are among them, due now
    status, out, _ = watch(db, "due", "--format", "json")
    within_week = {(s["code"], s["action"]) for s in json.loads(out)["steps"] if s["due"] > TODAY.isoformat()}
    assert ("RK190321410CN", "open_dispute") in within_week and len(within_week) == 4
    assert within_week - today <= {(code, "wait") for code in TEN}     # a wait that ended is no step

    status, text, _ = watch(db, "due", today=NEXT_WEEK)
    lines = text.splitlines()
    assert lines[0] == "Due today, November 29, 2026:"
    assert lines[1:] == [f"  {s['code']}  {s['label']}" for s in due["steps"]]      # all of them fell due


def test_due_exits_1_when_nothing_is_due_today_and_says_so(db):
    status, out, err = watch(db, "watch", "add", "RA123456785CN", "--issued", "2026-11-21", "--protection-ends", "2027-01-20")
    assert status == 0, err
    status, out, _ = watch(db, "due", "--days", "1")
    assert status == 1
    assert out.strip() == "Nothing is due by November 23, 2026."
    status, out, _ = watch(db, "due", "-q")
    assert status == 1 and out == ""


def test_the_list_is_sorted_by_the_next_steps_date_and_says_what_changed(db):
    add_ten(db)
    status, out, err = watch(db, "watch", "--format", "json")
    assert status == 0, err
    rows = json.loads(out)["parcels"]
    assert len(rows) == 10
    dues = [r["next_step"]["due"] for r in rows if r["next_step"] and r["next_step"]["due"]]
    assert dues == sorted(dues)
    status, text, _ = watch(db, "watch")
    assert text.startswith("Your parcels, as of November 22, 2026:")
    assert text.index("RK190321410CN") < text.index("RA123456785CN")   # today before a later date

    # the seller's code starts to move: the buyer pastes the new events three days later
    later = TODAY + dt.timedelta(days=3)
    status, out, err = watch(db, "watch", "update", "RA123456785CN", "--event", "2026-11-23=Accepted",
                             "--event", "2026-11-24=Export", today=later)
    assert status == 0, err
    assert "changed on November 25, 2026: the stage was: no tracking information yet" in out
    status, text, _ = watch(db, "watch", today=later)
    assert "stage: exported, between countries" in text
    assert "changed on November 25, 2026" in text
    # the same history pasted again adds nothing twice, and says so
    status, out, err = watch(db, "watch", "update", "RA123456785CN", "--event", "2026-11-24=Export", today=later)
    assert status == 0 and "Events already on the list, not added again: 1." in out
    exported = json.loads(watch(db, "watch", "export")[1])
    events = next(p for p in exported["parcels"] if p["code"] == "RA123456785CN")["facts"]["events"]
    assert [e["date"] for e in events] == ["2026-11-23", "2026-11-24"]


def test_a_pasted_history_and_the_sellers_answer_update_the_parcel(db, tmp_path):
    watch(db, "watch", "add", "CP987654326CN", "--issued", "2026-11-14", "--protection-ends", "2027-01-05")
    page = tmp_path / "track.txt"
    page.write_text("20.11.2026 10:00 Прием\n21.11.2026 14:05 Экспорт Шанхай\n", encoding="utf-8")
    status, out, err = watch(db, "watch", "update", "CP987654326CN", "--history", str(page), "--seller-messaged",
                             "2026-11-21", "--seller-replied")
    assert status == 0, err
    facts = json.loads(watch(db, "watch", "export")[1])["parcels"][0]["facts"]
    assert facts["seller"] == {"messaged": "2026-11-21", "replied": True}
    assert len(facts["events"]) == 2 and facts["order"]["protection_ends"] == "2027-01-05"
    # every version of the facts and each different advice is kept with its day
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*) FROM facts").fetchone()[0] == 2
        assert [r[0] for r in c.execute("SELECT day FROM advices")] == ["2026-11-22", "2026-11-22"]


def test_done_and_remove(db):
    add_ten(db)
    assert watch(db, "watch", "done", "rk 190321410 cn")[0] == 0         # the code as pasted
    status, out, _ = watch(db, "due", "--format", "json", today=NEXT_WEEK)
    assert "RK190321410CN" not in {s["code"] for s in json.loads(out)["steps"]}
    status, text, _ = watch(db, "watch")
    assert "RK190321410CN" not in text
    status, text, _ = watch(db, "watch", "--all")
    assert "RK190321410CN  done on November 22, 2026" in text
    status, out, _ = watch(db, "watch", "remove", "RA123456785CN")
    assert status == 0 and out.strip() == "Removed RA123456785CN from your list."
    status, out, err = watch(db, "watch", "update", "RA123456785CN", "--received")
    assert status == 2 and "error: CODE: `RA123456785CN` is not on your list" in err
    assert len(json.loads(watch(db, "watch", "export")[1])["parcels"]) == 9


def test_a_parcel_that_cannot_be_advised_is_named_and_the_others_still_shown(db):
    watch(db, "watch", "add", "RK190321410CN", "--issued", "2026-11-10", "--event", "2026-11-20=Export")
    watch(db, "watch", "add", "RA123456785CN", "--issued", "2026-11-10")
    status, out, err = watch(db, "watch", today=dt.date(2026, 11, 15))        # before the event
    assert status == 2
    assert err.startswith("error: RK190321410CN: events[0].date: `2026-11-20` is after today (`2026-11-15`)")
    assert "RA123456785CN  " in out and "RK190321410CN  cannot be advised" in out


def _calendar(data: bytes) -> dict[str, dict]:
    from icalendar import Calendar
    cal = Calendar.from_ical(data)
    assert str(cal["method"]) == "PUBLISH"
    return {str(e["uid"]): {"status": str(e["status"]), "sequence": int(e["sequence"]), "day": e["dtstart"].dt}
            for e in cal.walk("VEVENT")}


def test_one_calendar_for_the_list_updates_and_cancels_its_events(db, tmp_path):
    import vobject
    add_ten(db)
    first = _calendar(run_cli("watch", "--ics", "-", "--db", str(db), "--today", TODAY.isoformat())[1].encode())
    assert first and {e["status"] for e in first.values()} == {"CONFIRMED"}
    again = _calendar(run_cli("watch", "--ics", "-", "--db", str(db), "--today", TODAY.isoformat())[1].encode())
    assert again == first                          # stable UIDs: importing again changes nothing
    # the parcel arrives: its steps are gone from the advice and must leave the calendar
    watch(db, "watch", "update", "RR100200305CN", "--received", today=TODAY + dt.timedelta(days=1))
    watch(db, "watch", "remove", "RB112233447SG", today=TODAY + dt.timedelta(days=1))
    path = tmp_path / "parcels.ics"
    status, out, err = watch(db, "watch", "--ics", str(path), today=TODAY + dt.timedelta(days=1))
    assert status == 0, err
    later = _calendar(path.read_bytes())
    cancelled = {uid for uid, e in later.items() if e["status"] == "CANCELLED"}
    gone = set(first) - {uid for uid, e in later.items() if e["status"] == "CONFIRMED"}
    assert gone and cancelled == gone
    assert all(later[uid]["sequence"] > first[uid]["sequence"] for uid in cancelled)
    list(vobject.readComponents(path.read_text(encoding="utf-8")))     # a second reader takes it too


def test_export_and_import_round_trip(db, tmp_path):
    add_ten(db)
    watch(db, "watch", "done", "RU505050501CN")
    exported = tmp_path / "parcels.json"
    assert watch(db, "watch", "export", str(exported))[0] == 0
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    other = tmp_path / "other.sqlite3"
    status, out, err = watch(other, "watch", "import", str(exported))
    assert status == 0, err
    assert "Imported: 10 added, 0 updated, 0 already the same, 0 kept" in out
    assert watch(other, "watch", "export")[1] == exported.read_text(encoding="utf-8")
    status, out, _ = watch(other, "watch", "import", str(exported))
    assert "0 added, 0 updated, 10 already the same, 0 kept" in out


def test_a_wrong_list_file_is_said_with_its_place(db, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema": "parcel-watchlist/1", "parcels": [
        {"code": "RK190321410CN", "added": "2026-11-22", "facts": {"order": {"paid": "yesterday"}}}]}))
    status, out, err = watch(db, "watch", "import", str(bad))
    assert status == 2 and err.startswith(f"error: {bad}: parcels[0].facts.order.paid:")
    bad.write_text("[1, 2]")
    status, out, err = watch(db, "watch", "import", str(bad))
    assert status == 2 and "not a parcel list" in err and "help: give a file made by `advise watch export`" in err
    status, out, err = watch(db, "watch", "add", "--issued", "3d")
    assert status == 2 and err.startswith("error: CODE: give the parcel's track code")


def test_the_file_is_the_owners_only_and_lives_in_the_data_directory(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PARCEL_ADVISOR_CACHE": CACHE, "HOME": str(tmp_path),
           "XDG_DATA_HOME": str(tmp_path / "xdg")}
    p = subprocess.run([sys.executable, "-m", "advisor", "watch", "add", "RK190321410CN", "--issued", "12d"],
                       capture_output=True, text=True, cwd=ROOT, env=env)
    assert p.returncode == 0, p.stderr
    path = tmp_path / "xdg" / "parcel-advisor" / "parcels.sqlite3"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    os.chmod(path, 0o644)                  # loosened by hand: the next run tightens it again
    subprocess.run([sys.executable, "-m", "advisor", "watch"], capture_output=True, cwd=ROOT, env=env, check=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_list_from_a_newer_version_is_refused_and_left_untouched(db):
    add_ten(db)
    with sqlite3.connect(db) as c:
        c.execute("PRAGMA user_version = 7")
    before = _digest(db)
    for args in (("watch",), ("due",), ("watch", "add", "RA123456785CN"), ("watch", "import", str(db))):
        status, out, err = watch(db, *args)
        assert status == 2
        assert "was written by a newer parcel-advisor (list version `7`; this one reads up to 1)" in err
        assert "help: upgrade parcel-advisor" in err and "Traceback" not in err
    assert _digest(db) == before


def test_a_file_that_is_not_a_list_is_refused(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("my parcels\n")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as c:
        c.execute("CREATE TABLE t (x)")
    for path, said in ((text, "is not a parcel list (not an SQLite file)"), (other, "is an SQLite file of another program")):
        before = _digest(path)
        status, out, err = watch(path, "watch")
        assert status == 2 and said in err
        assert _digest(path) == before


def test_an_empty_file_becomes_a_list_by_the_migrations(tmp_path):
    from advisor.interfaces.watchlist import SCHEMA_VERSION
    path = tmp_path / "new.sqlite3"
    path.touch()
    assert watch(path, "watch", "add", "RK190321410CN", "--issued", "12d")[0] == 0
    with sqlite3.connect(path) as c:
        assert c.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from advisor.interfaces.watchlist import WatchList
    path, tag, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    for i in range(n):
        w = WatchList(path)                 # each round opens the file anew, as each command does
        p = w.add(f"{tag}{i:04d}", {"track": f"{tag}{i:04d}", "order": {"track_issued": "2026-11-01"}}, "2026-11-22")
        w.keep_advice(p, "2026-11-22", f"d{i}", {"stage": "none", "n": i})
        w.set_meta("last_view", "2026-11-22")
        w.close()
""")


def test_two_processes_writing_at_once_do_not_corrupt_the_list(tmp_path):
    path = tmp_path / "shared.sqlite3"
    n = 150
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), tag, str(n)], cwd=ROOT,
                              env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE)
             for tag in ("A", "B")]
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read().decode()
    with sqlite3.connect(path) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert c.execute("SELECT count(*) FROM parcels").fetchone()[0] == 2 * n
        assert c.execute("SELECT count(*) FROM advices").fetchone()[0] == 2 * n
    # and two real `advise watch add` at once
    procs = [subprocess.Popen([sys.executable, "-m", "advisor", "watch", "add", code, "--issued", "12d", "--db", str(path)],
                              cwd=ROOT, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PARCEL_ADVISOR_CACHE": CACHE},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for code in ("RK190321410CN", "RA123456785CN")]
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read().decode()
    status, out, err = watch(path, "watch", "export", today=None)
    assert {"RK190321410CN", "RA123456785CN"} <= {p["code"] for p in json.loads(out)["parcels"]}


def test_the_list_in_a_terminal(db):
    """`advise watch` on a real pseudo-terminal: coloured, the parcel due today first."""
    import pexpect
    add_ten(db)
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PARCEL_ADVISOR_CACHE": CACHE, "TERM": "xterm", "HOME": "/tmp"}
    c = terminal(sys.executable, ["-m", "advisor", "watch", "--db", str(db), "--today", NEXT_WEEK.isoformat()],
                      env=env, cwd=str(ROOT), encoding="utf-8", timeout=60, dimensions=(40, 100))
    c.expect("Your parcels, as of November 29, 2026:")
    c.expect(pexpect.EOF)
    screen = c.before
    assert "\x1b[1mRK190321410CN" in screen                      # the code in bold
    assert "\x1b[31m\x1b[1mtoday, November 29, 2026\x1b[0m: Open a dispute" in screen.replace("\r", "")
    status, out, _ = watch(db, "watch", "--format", "json", today=NEXT_WEEK)
    order = [r["code"] for r in json.loads(out)["parcels"]]
    seen = [line[len("\x1b[1m"):].split("\x1b")[0] for line in screen.replace("\r", "").splitlines() if line.startswith("\x1b[1m")]
    assert seen == order and order[-1] == "RR100200305CN"       # the one with a later date comes last
    c.close()
    assert c.exitstatus == 0


def test_the_list_in_russian(db):
    add_ten(db)
    env = {"PATH": "/usr/bin:/bin", "LANG": "ru_RU.UTF-8", "PARCEL_ADVISOR_CACHE": CACHE}
    p = subprocess.run([sys.executable, "-m", "advisor", "due", "--db", str(db), "--today", NEXT_WEEK.isoformat()],
                       capture_output=True, text=True, cwd=ROOT, env=env)
    assert p.returncode == 0, p.stderr
    out = p.stdout.replace("\u202f", " ")           # Babel puts a narrow space before «г.»
    assert out.startswith("Сегодня, 29 ноября 2026 г., нужно:")
    assert "RK190321410CN  Открыть спор" in out
    p = subprocess.run([sys.executable, "-m", "advisor", "watch", "--db", str(db), "--today", NEXT_WEEK.isoformat()],
                       capture_output=True, text=True, cwd=ROOT, env=env)
    out = p.stdout.replace("\u202f", " ")
    assert out.startswith("Ваши посылки на 29 ноября 2026 г.:")
    assert "сегодня, 29 ноября 2026 г.: Открыть спор" in out and "этап: сведений об отслеживании пока нет" in out
