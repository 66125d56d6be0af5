"""One plan a buyer can trust: rules that look at the clock also look at where the parcel is,
the platform each rule holds on is said, and the steps of one plan never contradict each other."""
from conftest import TODAY, run_cli

OFFICE = [{"date": "2026-09-25", "status": "Приём"}, {"date": "2026-11-21", "status": "Прибыло в место вручения"}]


def test_a_dispute_rule_that_does_not_say_its_platforms_is_refused(tmp_path):
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "r.yaml").write_text(
        "rules:\n"
        "  - id: dispute-anywhere\n"
        "    source: [D7]\n"
        "    when: {received: false}\n"
        "    then: {warning: do_not_believe_in_country}\n"
        "  - id: dispute-everywhere\n"
        "    source: [D7]\n"
        "    platforms: all\n"
        "    when: {received: false}\n"
        "    then: {warning: do_not_believe_in_country}\n", encoding="utf-8")
    code, out, err = run_cli("rules", "check", "--rules-overlay", str(overlay))
    assert code == 1
    assert "rule `dispute-anywhere` cites D7, guidance of one platform's disputes, but does not say on which platforms" in out
    assert "dispute-everywhere" not in out
    assert "help: add `platforms: [aliexpress, ...]`, or `platforms: all`" in out


def test_at_the_office_the_dispute_is_said_as_the_fallback_of_collecting(advisor):
    for lang, words in (("en", "Only if the office cannot hand it over"), ("ru", "Только если её не смогут выдать")):
        a = advisor.advise({"track": "RK190321410CN", "events": OFFICE,
                            "order": {"paid": "2026-09-20", "track_issued": "2026-09-22", "protection_ends": "2026-12-10"}},
                           today=TODAY, lang=lang).to_dict()
        dispute = next(x for x in a["actions"] if x["action"] == "open_dispute")
        assert a["next_step"]["action"] == "pick_up_parcel"
        assert dispute["unless"] == ["pick_up_parcel"] and words in dispute["text"]
        assert "is moving" not in dispute["text"] and "движется" not in dispute["text"]


def test_the_dispute_step_is_worded_for_the_stage(advisor):
    """Moving, silent for 40 days, delivered but not received, going back, at customs: each its own words."""
    base = {"track": "RK190321410CN", "order": {"paid": "2026-09-20", "track_issued": "2026-09-22",
                                                "protection_ends": "2026-12-20"}}
    stages = {"Экспорт": ("2026-11-15", "is on its way. Only if"), "Импорт": ("2026-10-10", "has shown nothing for 43 days"),
              "Вручение адресату": ("2026-11-20", "marked delivered but you do not have"),
              "Возврат": ("2026-11-20", "going back to the seller"),
              "Передано таможне": ("2026-11-20", "at customs")}
    for status, (day, words) in stages.items():
        events = [{"date": "2026-09-25", "status": "Приём"}, {"date": day, "status": status}]
        a = advisor.advise(dict(base, events=events), today=TODAY).to_dict()
        text = next(x["text"] for x in a["actions"] if x["action"] == "open_dispute" and x["rule"] == "open-dispute-by-moving")
        assert words in text, (status, text)


def _offer(advisor, offered, price=None, events=(), lang="en"):
    order = {"paid": "2026-09-28", "track_issued": "2026-10-01"}
    if price:
        order["price"] = price
    return advisor.advise({"track": "RK190321410CN", "order": order, "events": list(events),
                           "dispute": {"opened": "2026-11-15", "seller_response": "partial_refund", "offered_refund": offered}},
                          today=TODAY, lang=lang).to_dict()


def test_an_offer_is_judged_by_its_share_of_the_price(advisor):
    a = _offer(advisor, {"amount": 3, "currency": "USD"}, {"amount": 12.5, "currency": "USD"})
    text = next(w["text"] for w in a["warnings"] if w["id"] == "no_partial_refund")
    assert "$3.00, 24% of the $12.50 you paid" in text
    reply = next(m for m in a["messages"] if m["purpose"] == "refuse_partial")
    assert "I cannot accept a partial refund. I paid $12.50" in reply["en"]
    assert "частичный возврат я принять не могу: заказ оплачен полностью (12,50" in reply["ru"]


def test_the_full_price_offered_is_not_called_partial_in_either_language(advisor):
    for lang in ("en", "ru"):
        a = _offer(advisor, {"amount": 12.5}, {"amount": 12.5, "currency": "USD"}, lang=lang)
        assert [f["id"] for f in a["flags"]] == ["full_refund_offered"]
        assert not any(m["purpose"] == "refuse_partial" for m in a["messages"])
        assert not any(x["action"] == "keep_dispute_open" and x["rule"] == "partial-compensation-offer" for x in a["actions"])


def test_without_a_price_the_offer_is_not_guessed_and_the_cli_takes_one():
    args = ("RK190321410CN", "--today", "2026-11-22", "--issued", "2026-10-01", "--dispute-opened", "2026-11-15",
            "--offered-refund", "3USD", "--format", "json")
    import json
    code, out, err = run_cli(*args)
    a = json.loads(out)
    # the text asks for the price (an option's name is not prose: docs/style.md); the CLI takes it as --price
    assert code == 0 and a["next_step"]["action"] == "compare_offer" and "Give the price" in a["next_step"]["text"]
    code, out, err = run_cli(*args, "--price", "12.50USD")
    a = json.loads(out)
    assert code == 0 and "compare_offer" not in [x["action"] for x in a["actions"]]
    assert any(w["id"] == "no_partial_refund" and "24%" in w["text"] for w in a["warnings"])
    code, out, err = run_cli(*args[:-2], "--price", "twelve")
    assert code == 2 and "`twelve` is not an amount" in err


def test_at_the_office_a_partial_offer_never_says_the_parcel_will_not_come(advisor):
    for lang, never in (("en", "ever comes"), ("ru", "придёт посылка или нет")):
        a = _offer(advisor, {"amount": 5}, {"amount": 20, "currency": "EUR"}, OFFICE, lang=lang)
        text = next(w["text"] for w in a["warnings"] if w["id"] == "no_partial_refund")
        assert never not in text and ("collect the parcel" in text or "заберите посылку" in text)


def coherence_breaks(advice: dict, f: dict) -> list[str]:
    """The coherence guarantees worked out again from the advice alone, not from coherence.py."""
    acts = {}
    for x in advice["actions"]:
        acts.setdefault(x["action"], []).append(x)
    warns = {w["id"] for w in advice["warnings"]}
    out = []
    if "pick_up_parcel" in acts and any("pick_up_parcel" not in (x.get("unless") or []) for x in acts.get("open_dispute", [])):
        out.append("pick up beside a dispute that is not its fallback")
    if "confirm_receipt" in acts and ({"keep_dispute_open", "open_dispute"} & set(acts) or {"do_not_cancel_dispute"} & warns):
        out.append("confirm receipt beside keeping or opening a dispute")
    if f["dispute_open"] and "open_dispute" in acts:
        out.append("a dispute open and another to open")
    if "dispute_window_closed" in warns and {"open_dispute", "request_extension"} & set(acts):
        out.append("the window closed and a dispute to open")
    if f["seller_response"] == "accepted" and "do_not_cancel_dispute" in warns:
        out.append("the refund agreed and do not cancel")
    early = [d["date"] for d in advice["deadlines"] if d["id"] == "dispute_opens_from"]
    if "dispute_too_early" in warns and early and any(x["due"] and x["due"] < early[0] for x in acts.get("open_dispute", [])):
        out.append("too early beside an earlier dispute")
    if (f.get("protection_left") or 0) < 0 and any("before protection ends" in (x["text"] or "") for x in advice["actions"]):
        out.append("before protection ends after it ended")
    return out


def test_generated_timelines_keep_the_coherence_guarantees(advisor):
    from advisor.workbench.timelines import parcels
    broken, checked = [], 0
    for doc in parcels(advisor, 1500, seed=31):
        p = advisor.prepare(doc, None)
        a = advisor.advise(doc).to_dict()
        checked += 1
        problems = coherence_breaks(a, p.derived.engine) + [n["detail"] for n in a["notes"] if n["kind"] == "safety_repair"]
        if problems:
            broken.append((problems, doc))
    assert checked == 1500 and not broken, broken[:3]


def test_a_rule_that_breaks_coherence_is_repaired_or_told(tmp_path):
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "bad.yaml").write_text(
        "rules:\n"
        "  - id: office-dispute-now\n"
        "    source: [D1]\n"
        "    platforms: all\n"
        "    when: {stage: arrived_office, received: false}\n"
        "    then:\n"
        "      action: {id: open_dispute, due: today, text: {en: \"Open a dispute now.\", ru: \"Откройте спор сейчас.\"}}\n"
        "  - id: moving-claim\n"
        "    source: [W4]\n"
        "    platforms: all\n"
        "    when: {stage: delivered, received: false}\n"
        "    then:\n"
        "      action: {id: check_other_trackers, due: today, text: {en: \"The parcel is moving.\", ru: \"Посылка движется.\"}}\n",
        encoding="utf-8")
    from advisor import Advisor
    a = Advisor(overlay=overlay)
    facts = {"track": "RK190321410CN", "events": OFFICE,
             "order": {"paid": "2026-09-20", "track_issued": "2026-09-22", "protection_ends": "2026-12-10"}}
    advice = a.advise(facts, today=TODAY).to_dict()
    dispute = next(x for x in advice["actions"] if x["action"] == "open_dispute")
    assert dispute["unless"] == ["pick_up_parcel"] and dispute["text"].startswith("Collect the parcel first.")
    assert any("office-dispute-now" in n["detail"] and "fallback" in n["detail"] for n in advice["notes"])
    delivered = dict(facts, events=[{"date": "2026-09-25", "status": "Приём"}, {"date": "2026-11-20", "status": "Вручение адресату"}])
    advice = a.advise(delivered, today=TODAY).to_dict()
    assert any(n["kind"] == "safety_repair" and "moving-claim" in n["detail"] and "The parcel is moving" in n["detail"]
               for n in advice["notes"])
    code, out, err = run_cli("rules", "safety", "--rules-overlay", str(overlay), "--parcels", "400", "--seed", "3")
    assert code == 1 and "coherence: " in out


def test_the_search_request_is_in_russian_to_give_and_cites_no_figure():
    args = ("RK190321410CN", "--today", "2026-11-22", "--paid", "2026-09-20", "--issued", "2026-09-22",
            "--event", "2026-09-25=Приём", "--event", "2026-10-10=Импорт", "--dest", "RU,Kazan", "--price", "12.50USD")
    code, out, err = run_cli(*args, "--copy", "post/search_request")
    assert code == 0 and out.startswith("Кому: Почта России\nОт кого: [фамилия")
    assert "RK190321410CN" in out and "10 октября 2026" in out and "12,50" in out
    code, out, err = run_cli(*args, "--copy", "post/search_request", "--translation")
    assert code == 0 and out.startswith("To: Russian Post\n")
    code, out, err = run_cli(*args, "--no-color")
    step = out.split("\n")[1]
    assert "You are the addressee" in step and "ask at the counter" in step
    assert not any(ch.isdigit() for ch in step.split("search for the parcel yourself")[1])   # no figure without a source
