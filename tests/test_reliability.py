"""One Advisor under load: threads agree with the serial answers, and memory does not grow."""
import datetime as dt
import json
import threading

import pytest

from advisor.workbench.cases import load_cases
from conftest import ROOT

pytestmark = pytest.mark.slow      # our own process under load; no library version changes it

CASES = [(c.facts, dt.date.fromisoformat(c.today)) for c in load_cases(ROOT / "rules")]


def _answer(advisor, i):
    facts, today = CASES[i % len(CASES)]
    return json.dumps(advisor.advise(facts, today=today, lang=("en", "ru")[i % 2]).to_dict(), sort_keys=True)


def test_8_threads_x_500_evaluations_match_serial(advisor):
    serial = [_answer(advisor, i) for i in range(2 * len(CASES))]
    bad, errors = [], []

    def work(offset):
        try:
            for k in range(500):
                i = (offset * 37 + k) % len(serial)
                if _answer(advisor, i) != serial[i]:
                    bad.append(i)
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and bad == []


def _rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_rss_flat_over_12000_evaluations(advisor):
    """A leak of 180 bytes per evaluation fails this (the bench runs 200,000 in a fresh process)."""
    for i in range(3000):          # warm caches (templates, code analyses, calendars)
        advisor.advise(*CASES[i % len(CASES)][:1], today=CASES[i % len(CASES)][1], messages=False)
    before = _rss_kib()
    for i in range(12_000):
        facts, today = CASES[i % len(CASES)]
        advisor.advise(facts, today=today, messages=False)
    grown = _rss_kib() - before
    assert grown < 2 * 1024, f"RSS grew by {grown} KiB over 12,000 evaluations"


def test_building_and_dropping_advisors_does_not_leak(tmp_path):
    """durable_rules never frees a compiled ruleset: each Advisor used to leave ~5 MB behind
    (a server reloading edited rules grew without end). Now an Advisor of the same rules shares
    the compiled rulesets, and they are freed with the last Advisor using them."""
    import datetime as dt
    import gc
    import shutil
    from advisor.api import Advisor
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    p = tmp_path / "rules" / "advice" / "10_no_tracking.yaml"
    orig = p.read_text(encoding="utf-8")

    def build(i):
        p.write_text(orig.replace("title: ", f"title: v{i} ", 1), encoding="utf-8")
        a = Advisor(rules=tmp_path / "rules")
        a.advise({"track": "RK190321410CN"}, today=dt.date(2026, 11, 20))
        return a
    build(0)
    gc.collect()
    before = _rss_kib()
    for i in range(1, 13):
        a = build(i)
        del a
        gc.collect()
    grown = _rss_kib() - before
    assert grown < 12 * 1024, f"RSS grew by {grown} KiB over 12 rule reloads"
    assert Advisor().compiled is Advisor().compiled


def test_memos_stay_within_their_bounds_over_distinct_parcels(advisor):
    """Every parcel new (issue 36: a memo keyed by what parcels share grew with distinct parcels,
    +14.8 MiB over 200,000 of them): each memo holds at most two generations of its size, and a
    value parcels keep asking for survives one-offs passing through."""
    from advisor.base.memo import Memo
    from advisor.workbench.timelines import parcels
    for doc in parcels(advisor, 1500, seed=29):
        advisor.advise(doc, today=dt.date(2026, 11, 22), messages=True)
    for memo in (advisor.renderer._texts, advisor.stages._memo, advisor.providers._memo, advisor.seasons._memo):
        assert len(memo) <= 2 * memo.size
    m, computed = Memo(100), []
    for i in range(10_000):
        m.get("common", lambda: computed.append("common") or "value")
        m.get(i, lambda: i)
    assert computed == ["common"] and len(m) <= 200
