"""Rule authoring: `advise rules check`, `advise rules test`, `explain`, `--why-not`, overlays."""
import json
import re
import shutil

import pytest

from conftest import ROOT, run_cli

FIXTURES = sorted((ROOT / "tests" / "fixtures" / "rule_mistakes").glob("*.yaml"))


def _expectations(path):
    text = path.read_text(encoding="utf-8")
    expect = re.search(r"^# expect: (\d+):(\d+) (.+)$", text, re.M)
    help_ = re.search(r"^# help: (.+)$", text, re.M)
    return int(expect[1]), int(expect[2]), expect[3], help_[1] if help_ else None


def test_shipped_rules_are_clean():
    code, out, err = run_cli("rules", "check")
    assert code == 0, out + err
    from advisor import Advisor
    from advisor.workbench.cases import load_cases
    a = Advisor()
    assert out == f"ok: 50 templates, 6 rule files, {len(a.book.rules)} rules, {len(load_cases(a.rules_dir))} cases\n"


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_each_kind_of_mistake_is_reported_at_its_line(rules_copy, fixture):
    line, col, message, help_ = _expectations(fixture)
    shutil.copy(fixture, rules_copy / "advice" / "99_mistake.yaml")
    code, out, err = run_cli("rules", "check", str(rules_copy))
    assert code == 1, out + err
    lines = out.splitlines()
    where = f"rules/advice/99_mistake.yaml:{line}:{col}: "
    hits = [i for i, ln in enumerate(lines) if ln.startswith(where) and message in ln]
    assert hits, out
    if help_:
        assert lines[hits[0] + 1].startswith("help: ") and help_ in lines[hits[0] + 1], out
    assert "Traceback" not in out + err
    assert lines[-1].startswith("1 problem(s)")


def test_all_problems_are_reported_not_just_the_first(rules_copy):
    for i, fixture in enumerate(["unknown_fact", "unknown_flag", "never_fires"]):
        shutil.copy(ROOT / "tests/fixtures/rule_mistakes" / f"{fixture}.yaml", rules_copy / "advice" / f"9{i}_x.yaml")
    code, out, _ = run_cli("rules", "check", str(rules_copy))
    assert code == 1 and "3 problem(s)" in out
    assert [ln.split(":")[0] for ln in out.splitlines() if ln.startswith("rules/")] == \
        ["rules/advice/90_x.yaml", "rules/advice/91_x.yaml", "rules/advice/92_x.yaml"]


def test_missing_directory_is_a_usage_error(tmp_path):
    code, out, err = run_cli("rules", "check", str(tmp_path / "nope"))
    assert code == 2 and "does not exist" in err


@pytest.fixture
def templates_copy(tmp_path):
    dst = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", dst)
    return dst


def test_template_missing_in_one_language(templates_copy):
    (templates_copy / "ru" / "seller" / "thanks.j2").unlink()
    code, out, _ = run_cli("rules", "check", "--templates", str(templates_copy))
    assert code == 1
    assert "templates/en/seller/thanks.j2:1:1: the message `seller/thanks` has no Russian template" in out
    assert "help: add templates/ru/seller/thanks.j2" in out


def test_template_syntax_and_unknown_variable(templates_copy):
    (templates_copy / "en" / "seller" / "returned.j2").write_text("Hello!\n{% if code %}\nno end\n", encoding="utf-8")
    code, out, _ = run_cli("rules", "check", "--templates", str(templates_copy))
    assert code == 1 and re.search(r"templates/en/seller/returned\.j2:\d+:1: template syntax", out), out
    shutil.copy(ROOT / "templates/en/seller/returned.j2", templates_copy / "en/seller/returned.j2")
    (templates_copy / "ru" / "seller" / "thanks.j2").write_text("Посылка {{ cdoe }} пришла.\n", encoding="utf-8")
    code, out, _ = run_cli("rules", "check", "--templates", str(templates_copy))
    assert code == 1
    assert "templates/ru/seller/thanks.j2:1:1: the template uses `cdoe`, which no facts provide" in out
    assert "help: did you mean `code`?" in out


def test_rules_test_passes_on_shipped_rules():
    code, out, _ = run_cli("rules", "test", "--strict")
    assert code == 0, out
    assert "PASS cases/" in out and " 0 failed" in out
    assert "rules no case exercises: none" in out


def test_rules_test_fails_with_a_readable_diff(rules_copy):
    p = rules_copy / "cases" / "core.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace(
        "expect: {next: check_other_trackers, flags: [no_movement], rules: [no-scan-check-trackers]}",
        "expect: {next: open_dispute, flags: [no_movement, fake_tracking_service], rules: [no-scan-check-trackers]}"), encoding="utf-8")
    code, out, _ = run_cli("rules", "test", str(rules_copy), "-q")
    assert code == 1
    assert "FAIL cases/core.yaml:" in out and "eight days, no scan, check other trackers" in out
    assert "next: expected `open_dispute`, got `check_other_trackers`" in out
    assert "flags: missing `fake_tracking_service`; got [no_movement]" in out
    assert "1 failed" in out and "PASS" not in out


def test_rules_test_reports_rules_without_a_case(rules_copy):
    p = rules_copy / "advice" / "60_local.yaml"
    p.write_text("rules:\n  - id: local-note\n    source: [W10]\n    when: {promised_days: {above: 60}}\n"
                 "    then: {flag: no_movement}\n", encoding="utf-8")
    code, out, _ = run_cli("rules", "test", str(rules_copy), "-q")
    assert code == 0 and "rules no case exercises: local-note" in out
    code, _, _ = run_cli("rules", "test", str(rules_copy), "-q", "--strict")
    assert code == 1


def test_explain_names_rule_file_line_facts_and_sources():
    code, out, _ = run_cli("explain", "RK190321410CN", "--issued", "2026-11-10", "--today", "2026-11-22", "--no-messages")
    assert code == 0
    assert re.search(r"- action message_seller\n  rule seller-code-not-tracked \(rules/advice/10_no_tracking\.yaml:\d+\), guidance S1", out), out
    assert "days_since_track_issued=12" in out and 'stage="none"' in out


def test_why_not_shows_the_condition_that_failed():
    code, out, _ = run_cli("RK190321410CN", "--issued", "2026-11-10", "--today", "2026-11-22",
                           "--why-not", "dispute-protection-ending", "--no-messages")
    assert code == 0
    assert "Why not dispute-protection-ending" in out
    assert re.search(r"\[NO \] protection_left: .*here: protection_left=null", out), out
    assert "it did not fire" in out
    code, out, _ = run_cli("RK190321410CN", "--issued", "2026-11-10", "--protection-ends", "2026-11-25", "--today",
                           "2026-11-22", "--why-not", "dispute-protection-ending", "--format", "json")
    why = json.loads(out)["why_not"]
    assert why["fired"] is True and all(c["holds"] for c in why["conditions"])


def test_why_not_speaks_the_advice_language():
    args = ("RK190321410CN", "--issued", "2026-11-10", "--today", "2026-11-22", "--no-messages")
    code, out, _ = run_cli(*args, "--why-not", "dispute-protection-ending", "--lang", "ru")
    assert code == 0 and "правило не сработало: не выполнено `protection_left`" in out and "did not" not in out
    code, out, _ = run_cli(*args, "--why-not", "ebay-proof-of-postage", "--lang", "ru", "--format", "json")
    assert json.loads(out)["why_not"]["verdict"] == "правило только для ebay; эта посылка — aliexpress"
    code, out, _ = run_cli(*args, "--why-not", "ebay-proof-of-postage", "--format", "json")
    assert json.loads(out)["why_not"]["verdict"] == "the rule is only for ebay; this parcel is on aliexpress"


def test_why_not_unknown_rule_suggests_one():
    code, _, err = run_cli("RK190321410CN", "--why-not", "dispute-protection-endng")
    assert code == 2 and "unknown rule `dispute-protection-endng`" in err and "did you mean `dispute-protection-ending`?" in err


def test_overlay_replaces_disables_and_adds_rules(tmp_path):
    overlay = tmp_path / "overlay"
    (overlay / "cases").mkdir(parents=True)
    (overlay / "local.yaml").write_text("""rules:
  - id: seller-code-not-tracked
    disabled: true
  - id: no-scan-check-trackers
    source: [T15, W1]
    when: {stage: none, received: false, days_since_track_issued: {at_least: 3}}
    then:
      action:
        id: check_other_trackers
        due: today
        text: {en: "Look at our partner tracker first.", ru: "Сначала посмотрите наш трекер."}
""", encoding="utf-8")
    (overlay / "cases" / "local.yaml").write_text("""today: 2026-11-22
cases:
  - name: partner tracker after three days
    facts: {track: RK190321410CN, order: {track_issued: 2026-11-18}}
    expect: {next: check_other_trackers, no_rules: [seller-code-not-tracked]}
""", encoding="utf-8")
    code, out, _ = run_cli("RK190321410CN", "--issued", "2026-11-10", "--today", "2026-11-22", "--format", "json",
                           "--rules-overlay", str(overlay))
    a = json.loads(out)
    assert code == 0
    assert a["next_step"]["text"] == "Look at our partner tracker first."
    assert "seller-code-not-tracked" not in [t["rule"] for t in a["trace"]]
    code, out, _ = run_cli("rules", "test", "--rules-overlay", str(overlay), "-q")
    assert code == 1  # the shipped case expecting the disabled rule now fails, and says so
    assert "FAIL cases/core.yaml" in out and "rules: missing `seller-code-not-tracked`" in out
    assert "partner tracker after three days" not in out  # the overlay's own case passed
    code, out, _ = run_cli("rules", "check", "--rules-overlay", str(overlay))
    assert code == 0, out


@pytest.mark.parametrize("file, old, new, where, what", [
    ("posts.yaml", "platforms: [aliexpress]", "platforms: [aliexpres]", "rules/posts.yaml",
     "tracker `AliExpress order page` names an unknown platform `aliexpres`"),
    ("track_formats.yaml", "platforms: [joom]", "platforms: [jom]", "rules/track_formats.yaml",
     "names an unknown platform `jom`"),
])
def test_a_misspelt_platform_in_posts_or_formats_is_reported(rules_copy, file, old, new, where, what):
    """A platform id that is not in platforms.yaml would make the entry silently never apply."""
    path = rules_copy / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    where = f"{where}:{text[:text.index(old)].count(chr(10)) + 1}:"     # the line the misspelling is on
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    code, out, err = run_cli("rules", "check", str(rules_copy))
    assert code == 1, out + err
    line = next(ln for ln in out.splitlines() if what in ln)
    assert line.startswith(where)
    assert "did you mean" in out and "Traceback" not in out + err
    code, out, err = run_cli("RK190321410CN", "--rules", str(rules_copy))
    assert code == 2 and what in err
