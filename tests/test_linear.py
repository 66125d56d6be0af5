"""A history ten times longer costs about ten times as much, never more than twelve: a tracker's
5,000 events must not be a half-second hole in a request (issue 36: the route check once looked at
every later event for each event). Measured as a ratio of CPU time in one run, best of three,
the two lengths interleaved, so the machine's speed and its other load cancel out."""
import datetime as dt
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


@pytest.mark.parametrize("delivered", [None, "Вручение адресату"], ids=["in_transit", "delivered_then_moved"])
def test_advice_on_a_ten_times_longer_history_costs_at_most_twelve_times(advisor, delivered):
    short, long = _facts(SHORT, delivered), _facts(LONG, delivered)
    a = advisor.advise(long, today=TODAY)
    assert len(a.to_dict()["events"]) == LONG
    if delivered:
        assert any(n["kind"] == "moved_after_delivery" for n in a.to_dict()["notes"])
    ratio = _ratio(lambda: advisor.advise(short, today=TODAY).to_dict(),
                   lambda: advisor.advise(long, today=TODAY).to_dict())
    assert ratio <= 12, f"{LONG} events cost {ratio:.1f}x {SHORT}"


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
