"""The plan's guarantees (rules/safety.yaml) over generated timelines, the repairs that keep a
buyer safe when rules break one, and the errors a rule editor gets for it."""
import datetime as dt
import random
import shutil

import pytest
from hypothesis import given, settings, strategies as st

from advisor import Advisor
from advisor.workbench.timelines import Phrases, parcel, parcels
from conftest import ROOT, TODAY, run_cli

CLOSED_AFTER_REFUND = {"open_dispute", "escalate_claim", "request_extension", "keep_dispute_open"}
NOT_RECEIVED_DISPUTES = {"dispute/no_tracking", "dispute/protection_ending", "dispute/not_received",
                         "dispute/wrong_destination", "dispute/wrong_check_digit"}


def independent_violations(advisor, doc, advice) -> list[str]:
    """The guarantees worked out again from the facts alone, not from the safety module."""
    a = advice
    today = dt.date.fromisoformat(a["today"])
    f = advisor.facts(doc, today)
    profile = advisor.profiles[f.platform]
    actions = a["actions"]
    dues = {}
    for x in actions:
        dues.setdefault(x["action"], []).append(x["due"])
    out = []
    if any(x["due"] is not None and x["due"] < a["today"] for x in actions):
        out.append("a step dated before today")
    refunded = bool(f.dispute and f.dispute.refund_received)
    disputing = bool(f.dispute and not f.dispute.refund_received)
    ends, after = f.order.protection_ends, profile["dispute_after_end_days"]
    if "complaint_within_days" in profile:           # Odnoklassniki: 110 days from payment, no after-window (D15)
        ends = f.order.paid + dt.timedelta(days=profile["complaint_within_days"]) if f.order.paid else None
        after = 0
    if not f.received and not refunded and not disputing and ends is not None \
            and today <= ends + dt.timedelta(days=after):
        limit = max(today, ends - dt.timedelta(days=profile["dispute_last_safe_days"])).isoformat()
        if not [d for d in dues.get("open_dispute", []) if d and d <= limit]:
            out.append(f"deadline: no dispute by {limit}")
        if any(d and d > limit for d in dues.get("wait", [])):
            out.append(f"deadline: a wait after {limit}")
    if refunded:
        if set(dues) & CLOSED_AFTER_REFUND:
            out.append(f"closed: {sorted(set(dues) & CLOSED_AFTER_REFUND)} after the refund")
        if f.received and "pay_seller" not in dues:
            out.append("closed: refunded and received but no pay_seller")
    if f.received and {f"{m['kind']}/{m['purpose']}" for m in a["messages"]} & NOT_RECEIVED_DISPUTES:
        out.append("closed: a not-received dispute for a parcel in hand")
    first_dispute = min((d for d in dues.get("open_dispute", []) if d), default=None)
    if first_dispute and any(d and d > first_dispute for d in dues.get("wait", [])):
        out.append("one plan: wait after the dispute's day")
    soon = [d for d in a["deadlines"] if a["today"] <= d["date"] <= (today + dt.timedelta(days=30)).isoformat()]
    if (not f.received or disputing) and soon and not a["next_step"]:
        out.append("never empty: a deadline within 30 days and no next step")
    from advisor.workbench.timelines import CITIES
    td, dest = doc.get("tracked_destination"), doc["order"].get("destination") or {}
    spellings = CITIES.get(dest.get("country"), {}).get(dest.get("city"), [])
    if td and td.get("city") in spellings and td.get("country") == dest.get("country") \
            and "wrong_destination" in [x["id"] for x in a["flags"]]:
        out.append("scam: one city in another spelling called a wrong destination")
    if a["next_step"] and actions and a["next_step"]["action"] != actions[0]["action"]:
        out.append("next step is not the plan's first")
    return out


@pytest.fixture(scope="module")
def phrases(advisor):
    return Phrases.of(advisor)


@pytest.mark.slow
def test_generated_timelines_keep_every_guarantee(advisor):
    """A bounded run here; `advise rules safety --parcels 200000` is the long one (docs/advice.md)."""
    n, broken, checked = 4000, [], 0
    for i, doc in enumerate(parcels(advisor, n, seed=20261201)):
        advice = advisor.advise(doc, messages=i % 8 == 0).to_dict()
        repairs = [note["detail"] for note in advice["notes"] if note["kind"] == "safety_repair"]
        problems = independent_violations(advisor, doc, advice)
        if repairs or problems:
            broken.append((doc, repairs, problems))
        checked += 1
    assert checked == n
    assert not broken, broken[:3]


@given(st.integers(0, 2 ** 32 - 1))
@settings(max_examples=300, deadline=None)
def test_any_seed_keeps_every_guarantee(advisor, seed):
    doc = parcel(random.Random(seed), sorted(advisor.profiles), Phrases.of(advisor))
    advice = advisor.advise(doc, messages=False).to_dict()
    assert [n for n in advice["notes"] if n["kind"] == "safety_repair"] == []
    assert independent_violations(advisor, doc, advice) == []


def test_the_generator_covers_what_it_claims(advisor):
    docs = list(parcels(advisor, 3000, seed=3))
    assert {d["platform"] for d in docs} == set(advisor.profiles)
    assert len({d["today"][:7] for d in docs}) >= 24            # every month of two years: every season
    assert sum("dispute" in d for d in docs) > 300
    assert sum(bool(d.get("dispute", {}).get("refund_received")) for d in docs) > 50
    assert sum(d.get("received", False) for d in docs) > 100
    assert sum(any(e.get("source") == "order_page" for e in d.get("events", [])) for d in docs) > 200
    ends = [dt.date.fromisoformat(d["order"]["protection_ends"]) - dt.date.fromisoformat(d["today"])
            for d in docs if "protection_ends" in d["order"]]
    assert sum(-15 <= e.days <= 5 for e in ends) > 300           # the dangerous days around the end
    kinds = {advisor.track(d["track"])["kind"] for d in docs if "track" in d}
    assert {"s10", "order_number", "fake_service"} <= kinds


@pytest.fixture
def overlay(tmp_path):
    d = tmp_path / "overlay"
    d.mkdir()
    return d


def test_an_overlay_that_drops_the_dispute_date_is_repaired_and_told(overlay):
    # a rule editor switches off the rule that dates the dispute: the buyer still gets the date,
    # and the editor is told which guarantee their rules broke
    (overlay / "off.yaml").write_text("rules:\n  - {id: open-dispute-by, disabled: true}\n", encoding="utf-8")
    adv = Advisor(overlay=overlay)
    facts = {"track": "RK190321410CN", "order": {"track_issued": "2026-11-10", "protection_ends": "2027-01-10"}}
    a = adv.advise(facts, today=TODAY).to_dict()
    steps = {x["action"]: x for x in a["actions"]}
    assert steps["open_dispute"]["due"] == "2027-01-08" and steps["open_dispute"]["rule"] == "safety"
    assert "January 8, 2027" in steps["open_dispute"]["text"]
    assert [n["invariant"] for n in a["notes"] if n["kind"] == "safety_repair"] == ["deadline_safety"]
    ru = adv.advise(facts, today=TODAY, lang="ru").to_dict()
    assert "8 января 2027" in {x["action"]: x for x in ru["actions"]}["open_dispute"]["text"]
    code, out, err = run_cli("rules", "test", "--rules-overlay", str(overlay), "-q")
    assert code == 1
    assert "safety: deadline_safety: no `open_dispute` dated by" in out


def test_a_wait_past_the_last_safe_day_is_cut_to_it(advisor):
    # import's window would end after protection: the wait is cut to the last safe day and its
    # text says that day
    a = advisor.advise({"track": "RK190321410CN", "order": {"track_issued": "2026-09-03", "protection_ends": "2026-11-30"},
                        "events": [{"date": "2026-11-15", "status": "Импорт"}]}, today=TODAY).to_dict()
    wait = next(x for x in a["actions"] if x["action"] == "wait")
    assert wait["due"] == "2026-11-28" and "November 28, 2026" in wait["text"]
    assert not [n for n in a["notes"] if n["kind"] == "safety_repair"]


def test_the_earliest_date_wins_when_rules_ask_for_the_same_step(advisor):
    # a fake service's code: one rule says "dispute 5 days after the code" (D5), the protection
    # rule says "dispute today": the plan says today, and its text says so
    a = advisor.advise({"track": "RT123456785FI", "order": {"track_issued": "2026-11-01", "protection_ends": "2026-11-25"}},
                       today=TODAY).to_dict()
    disputes = [x for x in a["actions"] if x["action"] == "open_dispute"]
    assert len(disputes) == 1 and disputes[0]["due"] == "2026-11-22"


def test_rules_that_replace_each_other_are_a_rules_check_error(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    path = rules / "advice" / "40_disputes.yaml"
    text = path.read_text(encoding="utf-8")
    i = text.index("  - id: frozen-order\n")
    path.write_text(text[:i] + text[i:].replace("    priority: 4\n", "    priority: 5\n", 1), encoding="utf-8")
    code, out, err = run_cli("rules", "check", str(rules))
    assert code == 1
    assert "rules `order-number-not-track` and `frozen-order` (both priority 5) replace each other's steps" in out
    assert "40_disputes.yaml:" in out and "help: give the one that should win a lower `priority` number" in out


def test_a_rule_citing_one_platforms_guidance_must_name_it(overlay):
    (overlay / "joom.yaml").write_text(
        "rules:\n"
        "  - id: joom-anywhere\n"
        "    source: [D17]\n"
        "    when: {received: false}\n"
        "    then: {warning: dispute_too_early}\n", encoding="utf-8")
    code, out, err = run_cli("rules", "check", "--rules-overlay", str(overlay))
    assert code == 1
    assert "rule `joom-anywhere` cites D17, which is about joom only, but would fire on every platform" in out
    assert "help: add `platforms: [joom]` to the rule" in out


@pytest.mark.slow
def test_rules_safety_command_reports_counts():
    code, out, err = run_cli("rules", "safety", "--parcels", "1500", "--seed", "5")
    assert code == 0, out + err
    assert out.startswith("1,500 generated parcels (seed 5) in ") and ": 0 broken guarantee(s), 0 refused" in out


def test_rules_safety_command_shows_the_facts_that_broke_a_guarantee(overlay):
    (overlay / "off.yaml").write_text("rules:\n  - {id: open-dispute-by, disabled: true}\n", encoding="utf-8")
    code, out, err = run_cli("rules", "safety", "--rules-overlay", str(overlay), "--parcels", "800", "--show", "1")
    assert code == 1
    lines = out.splitlines()
    assert "deadline_safety: " in out and any(line.startswith("  facts: {") for line in lines)


def test_at_the_120_day_cap_the_plan_does_not_count_on_an_extension(advisor):
    facts = {"track": "RK190321410CN", "order": {"paid": "2026-07-27", "track_issued": "2026-07-27",
             "protection_ends": "2026-11-24"}, "events": [{"date": "2026-09-30", "status": "Приём"},
                                                           {"date": "2026-11-01", "status": "Экспорт"}]}
    a = advisor.advise(facts, today=TODAY).to_dict()
    steps = {x["action"]: x for x in a["actions"]}
    assert "request_extension" not in steps
    assert steps["open_dispute"]["text"].startswith("Protection cannot be extended any more (120 days in total)")
    ru = {x["action"]: x for x in advisor.advise(facts, today=TODAY, lang="ru").to_dict()["actions"]}
    assert ru["open_dispute"]["text"].startswith("Продлить защиту больше нельзя")
