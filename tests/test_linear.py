"""A history ten times longer costs about ten times as much, never more than twelve: a tracker's
5,000 events must not be a half-second hole in a request (issue 36: the route check once looked at
every later event for each event). Measured as counts of work (each line of Python run, each
iteration of a loop or comprehension: the same on any machine, under any load), and, for the CLI
whose work spans a subprocess, as a ratio of CPU time in one run, best of three, the two lengths
interleaved, so the machine's speed and its other load cancel out."""
import datetime as dt
import sys
import time

import pytest

from conftest import run_cli

TODAY = dt.date(2026, 11, 22)
SHORT, LONG = 250, 2500
# no delivery among them: the case the old check was quadratic in; an unknown line and a customs
# hold keep the reading, the notes and the route checks busy
STATUSES = ["Приём", "Inbound in sorting center", "Экспорт", "Импорт", "Прибыло в сортировочный центр",
            "Held by customs", "Прибыло в место вручения", "Some words no phrase knows"]


def _events(n: int, last: str | None = None) -> list[dict]:
    out = []
    for i in range(n):
        day = TODAY - dt.timedelta(days=max(0, 300 - i * 300 // n))
        out.append({"date": day.isoformat(), "status": STATUSES[i % len(STATUSES)],
                    "country": "CN" if i < n // 2 else "RU", "city": "Moscow" if i % 3 else "Tula"})
    if last:
        out[n // 2]["status"] = last
    return out


def _facts(n: int, last: str | None = None) -> dict:
    return {"track": "RK190321410CN", "order": {"track_issued": "2026-01-01", "destination": {"country": "RU", "city": "Moscow"}},
            "events": _events(n, last)}


def _ratio(run_short, run_long, rounds: int = 3) -> float:
    best = {"short": float("inf"), "long": float("inf")}
    run_short(), run_long()         # warm: templates compiled, statuses read once
    for _ in range(rounds):
        for name, run in (("short", run_short), ("long", run_long)):
            t = time.process_time()
            run()
            best[name] = min(best[name], time.process_time() - t)
    return best["long"] / best["short"]


def _work(run) -> int:
    """Lines of Python run by `run()`, loop and comprehension iterations included (a trace
    function's events): a list of later events built for every event shows as n² of them."""
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        count += 1
        return tracer
    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        run()
    finally:
        sys.settrace(previous)
    return count


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("delivered", [None, "Вручение адресату"], ids=["in_transit", "delivered_then_moved"])
def test_advice_on_a_ten_times_longer_history_does_at_most_twelve_times_the_work(advisor, delivered, lang):
    """Reading, derived facts, the engine's facts, the guarantees, the texts and the JSON: all of
    `advise` and `to_dict`, counted in lines run."""
    short, long = _facts(SHORT, delivered), _facts(LONG, delivered)
    a = advisor.advise(long, today=TODAY, lang=lang).to_dict()
    assert len(a["events"]) == LONG
    if delivered:
        assert any(n["kind"] == "moved_after_delivery" for n in a["notes"])
    advisor.advise(short, today=TODAY, lang=lang).to_dict()        # warm: texts compiled, statuses read once
    work = {name: _work(lambda: advisor.advise(facts, today=TODAY, lang=lang).to_dict())
            for name, facts in (("short", short), ("long", long))}
    assert work["short"] > 10 * SHORT           # the count sees the per-event work at all
    assert work["long"] <= 12 * work["short"], f"{LONG} events: {work['long'] / work['short']:.1f}x the work of {SHORT}"


def test_a_pasted_history_ten_times_longer_costs_at_most_twelve_times(tmp_path):
    """The CLI reading a pasted page and printing the report, as a person runs it."""
    files = {}
    for n in (SHORT, LONG):
        lines = [f"{e['date']} 10:{i % 60:02d} {e['status']}" for i, e in enumerate(_events(n))]
        files[n] = tmp_path / f"history-{n}.txt"
        files[n].write_text("\n".join(lines) + "\n", encoding="utf-8")

    def run(n):
        code, out, err = run_cli("RK190321410CN", "--history", str(files[n]), "--issued", "2026-01-01",
                                 "--today", "2026-11-22", "--no-color")
        assert code == 0, err
        return out
    assert run(LONG)
    ratio = _ratio(lambda: run(SHORT), lambda: run(LONG))
    assert ratio <= 12, f"{LONG} pasted lines cost {ratio:.1f}x {SHORT}"
