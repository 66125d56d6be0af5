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
    stages = {"Экспорт": ("2026-11-15", "is moving"), "Импорт": ("2026-10-10", "has shown nothing for 43 days"),
              "Вручение адресату": ("2026-11-20", "marked delivered but you do not have"),
              "Возврат": ("2026-11-20", "going back to the seller"),
              "Передано таможне": ("2026-11-20", "at customs")}
    for status, (day, words) in stages.items():
        events = [{"date": "2026-09-25", "status": "Приём"}, {"date": day, "status": status}]
        a = advisor.advise(dict(base, events=events), today=TODAY).to_dict()
        text = next(x["text"] for x in a["actions"] if x["action"] == "open_dispute" and x["rule"] == "open-dispute-by-moving")
        assert words in text, (status, text)
