"""The engine contract: isolated, deterministic, stateless, thread-safe; rules are data."""
import datetime as dt
import json
import threading

from advisor import Advisor

TODAY = dt.date(2026, 11, 22)
CASES = [
    {"track": "RK190321410CN", "order": {"track_issued": "2026-11-19"}},
    {"track": "RK190321410CN", "order": {"track_issued": "2026-11-10", "protection_ends": "2026-11-25"}},
    {"track": "RK190321410CN", "order": {"track_issued": "2026-09-20", "protection_ends": "2027-01-20"},
     "events": [{"date": "2026-10-01", "status": "Экспорт"}]},
    {"track": "hs123456789he", "order": {"track_issued": "2026-11-01"}},
    {"track": "RK190321410CN", "dispute": {"opened": "2026-11-15", "seller_response": "partial_refund"}},
]


def _result(adv, doc):
    return json.dumps(adv.advise(doc, today=TODAY).to_dict(), sort_keys=True)


def test_same_facts_same_advice(advisor):
    for doc in CASES:
        assert _result(advisor, doc) == _result(advisor, doc)


def test_no_session_left_behind_after_2000_evaluations(advisor):
    for i in range(2000):
        advisor.advise(CASES[i % len(CASES)], today=TODAY, messages=False)
    # The 1024-session limit would have raised MemoryError long before 2,000 if sids leaked;
    # also ask the engine directly: every session id we used is gone.
    host = advisor.compiled.host
    for names in advisor.compiled.rulesets.values():
        for name in names:
            rs = host.get_ruleset(name)
            try:
                state = rs.get_state("s1")
            except Exception:  # noqa: BLE001 - durable raises when the state does not exist
                state = None
            assert not state


def test_threads_give_the_serial_answers(advisor):
    serial = [_result(advisor, d) for d in CASES]
    errors, mismatches = [], []

    def work():
        try:
            for _ in range(40):
                for d, want in zip(CASES, serial):
                    if _result(advisor, d) != want:
                        mismatches.append(d)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and not mismatches


def test_changing_a_number_in_yaml_changes_the_advice(rules_copy):
    doc = {"track": "RK190321410CN", "order": {"track_issued": "2026-11-19"}}
    before = Advisor(rules=rules_copy).advise(doc, today=TODAY).to_dict()
    assert before["next_step"]["due"] == "2026-11-26"
    p = rules_copy / "platforms.yaml"
    p.write_text(p.read_text().replace("first_scan_react_days: 7 ", "first_scan_react_days: 9 ", 1))
    after = Advisor(rules=rules_copy).advise(doc, today=TODAY).to_dict()
    assert after["next_step"]["due"] == "2026-11-28"


def test_two_advisors_with_different_rules_coexist(rules_copy):
    p = rules_copy / "platforms.yaml"
    p.write_text(p.read_text().replace("dispute_before_end_days: 5 ", "dispute_before_end_days: 8 ", 1))
    doc = {"track": "RK190321410CN", "order": {"track_issued": "2026-11-10", "protection_ends": "2026-11-29"}}
    a, b = Advisor(), Advisor(rules=rules_copy)

    def fired(adv):
        return {t["rule"] for t in adv.advise(doc, today=TODAY).data["trace"]}
    # 7 days of protection left: only the copy that acts 8 days before the end says "dispute now"
    assert "dispute-protection-ending" not in fired(a)
    assert "dispute-protection-ending" in fired(b)
    assert b.advise(doc, today=TODAY).next_step == {**b.advise(doc, today=TODAY).next_step,
                                                    "action": "open_dispute", "due": "2026-11-22"}


def test_every_rule_cites_known_guidance(advisor):
    for rule in advisor.book.rules:
        assert rule.source, rule.id
        assert set(rule.source) <= advisor.guidance_ids, rule.id


def test_rulesets_given_only_the_facts_they_test_fire_as_with_every_fact(advisor):
    """Each ruleset is sent only the facts its rules read (a third less engine time); a fact
    read only through `{"$m": name}` (a window widened by `season_extra_days`) must not be lost."""
    from advisor.workbench.cases import load_cases
    from advisor.knowledge.rulelang import FACTS
    from conftest import ROOT
    compiled = advisor.compiled
    assert any("season_extra_days" in reads for per in compiled.reads.values() for reads in per)
    prepared = []
    for case in load_cases(ROOT / "rules"):
        today = dt.date.fromisoformat(case.today) if case.today else TODAY
        p = advisor.prepare(case.facts, today)
        prepared.append((p.facts.platform, p.derived.engine))
    filtered = [compiled.evaluate(platform, fact) for platform, fact in prepared]
    saved = compiled.reads
    try:
        every = tuple(set(FACTS).union(*(fact for _, fact in prepared)))   # with `code_flag__*`
        compiled.reads = {platform: tuple(every for _ in per) for platform, per in saved.items()}
        everything = [compiled.evaluate(platform, fact) for platform, fact in prepared]
    finally:
        compiled.reads = saved
    assert filtered == everything
    assert sum(map(len, filtered)) > len(prepared)   # the cases fire rules: the comparison says something


def test_the_typed_advice_an_embedder_reads_is_its_json(advisor):
    """`advise()` gives typed parts with real dates, complete (the guarantees already kept), and
    the JSON made from them at the edge says the same thing."""
    for doc in CASES:
        advice = advisor.advise(doc, today=TODAY)
        data = advice.to_dict()
        assert advice.today == TODAY and data["today"] == TODAY.isoformat()
        assert [(s.action, s.due.isoformat() if s.due else None) for s in advice.steps] == \
            [(a["action"], a["due"]) for a in data["actions"]]
        assert all(isinstance(d.date, dt.date) for d in advice.deadlines)
        assert [d.date.isoformat() for d in advice.deadlines] == [d["date"] for d in data["deadlines"]]
        assert [m.id for m in advice.messages] == [f"{m['kind']}/{m['purpose']}" for m in data["messages"]]
        assert advice.next_step == data["next_step"] and advice.to_dict() is data
        steps = [s.due for s in advice.steps if s.due]
        assert steps == sorted(steps)               # ordered once, inside the building


def test_prepare_is_the_public_way_to_everything_before_the_engine(advisor):
    p = advisor.prepare(CASES[1], TODAY)
    assert p.facts.today == TODAY and p.derived.engine["days_since_track_issued"] == 12
    assert p.derived.dates["protection_ends"] == dt.date(2026, 11, 25)


def test_events_are_built_with_every_field_as_their_constructor_builds_them():
    # facts.py builds events without the dataclass's __init__ (and a date-and-status event by a
    # shorter path): each event must still hold every field, equal to what the constructor makes
    from dataclasses import asdict
    from advisor.reading.facts import Event, build_facts
    doc = {"events": [{"date": "2026-11-01", "status": "Приём"},
                      {"date": "2026-11-02", "status": "Экспорт", "country": "CHN", "city": "Guangzhou", "weight_g": 120.5},
                      {"date": "2026-11-03", "stage": "import"}]}
    got = build_facts(doc, today=TODAY).events
    want = (Event(dt.date(2026, 11, 1), "Приём", index=0),
            Event(dt.date(2026, 11, 2), "Экспорт", country="CN", city="Guangzhou", weight_g=120.5, index=1),
            Event(dt.date(2026, 11, 3), stage="import", index=2))
    assert got == want
    assert [vars(e) for e in got] == [asdict(e) for e in want]
