"""The rule editors' workbench: `rules impact`, `rules coverage`, `rules table`, `--save-case`,
`--why-not all`. Each impact test plants a change whose effect is known in a copy of rules/ and
checks the tool reports exactly the parcels whose advice changed (found here independently, by
advising each parcel with both rule sets and comparing the documents), in text, JSON and HTML."""
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
import yaml

from conftest import ROOT, run_cli, terminal

PARCELS = "300"


def _edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count, (old, text.count(old))
    path.write_text(text.replace(old, new), encoding="utf-8")


def _longer_export_wait(rules, days=5, condition=True):
    """The export-wait rule's window (its condition and its due date) made `days` longer,
    whatever its numbers are today."""
    path = rules / "advice" / "30_in_transit.yaml"
    text = path.read_text(encoding="utf-8")
    block = re.search(r"- id: export-wait\n.*?(?=\n  - id: |\Z)", text, re.S)[0]
    longer = re.sub(r"(stage_since \+ )(\d+)d", lambda m: f"{m[1]}{int(m[2]) + days}d", block)
    if condition:
        longer = re.sub(r"(days_in_stage: \{below: )(\d+)", lambda m: f"{m[1]}{int(m[2]) + days}", longer)
    assert longer != block
    path.write_text(text.replace(block, longer), encoding="utf-8")


def _joom_first_scan(rules, value):
    path = rules / "platforms.yaml"
    text = path.read_text(encoding="utf-8")
    changed = re.sub(r"(\n  joom:\n(?:    .*\n)*?    first_scan_react_days: )\d+", lambda m: f"{m[1]}{value}", text)
    assert changed != text
    path.write_text(changed, encoding="utf-8")


def _case_id(name):
    from advisor.workbench.cases import load_cases
    return next(f"case {c.where}" for c in load_cases(ROOT / "rules") if c.name == name)


def _really_changed(base, after, overlay=None):
    """Ids of the parcels whose advice (all of it but the trace) differs: advised here, one by one."""
    from advisor import Advisor
    from advisor.base.errors import AdvisorError
    from advisor.workbench.workload import parcels
    before, now = Advisor(rules=base), Advisor(rules=after, overlay=overlay)
    out = set()
    for p in parcels(now, int(PARCELS), 1):
        docs = []
        for a in (before, now):
            try:
                d = a.advise(p.facts, today=p.today).to_dict()
                d.pop("trace")
            except AdvisorError as e:
                d = str(e)
            docs.append(d)
        if docs[0] != docs[1]:
            out.add(p.id)
    return out


class Page(HTMLParser):
    """The impact's HTML read back: the summary's numbers, the group rows, the changed parcels."""

    def __init__(self, text):
        super().__init__()
        self.summary, self.groups, self.changed, self.examples = {}, [], [], []
        self._li = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id") == "summary":
            self.summary = a
        elif tag == "tr" and a.get("class") == "group":
            self.groups.append((a["data-kind"], a["data-what"], int(a["data-parcels"])))
        elif tag == "table" and a.get("class") == "example":
            self.examples.append(a["data-parcel"])
        self._li = tag == "li"

    def handle_data(self, data):
        if self._li and data.strip():
            self.changed.append(data.strip())
            self._li = False


def _impact(tmp_path, *args):
    html = tmp_path / "impact.html"
    code, out, err = run_cli("rules", "impact", "--parcels", PARCELS, *args, "--format", "json", "--html", str(html))
    assert code == 0, out + err
    doc = json.loads(out)
    code, text, err = run_cli("rules", "impact", "--parcels", PARCELS, *args)
    assert code == 0, text + err
    _self_contained(html.read_text(encoding="utf-8"))
    return doc, text, Page(html.read_text(encoding="utf-8"))


def _same_in_all_three(doc, text, page, expected):
    assert set(doc["changed"]) == expected and doc["changed_count"] == len(expected)
    assert f": {len(expected):,} changed (" in text
    assert int(page.summary["data-changed"]) == len(expected) and set(page.changed) == expected
    groups = [(g["kind"], g["what"], g["parcels"]) for g in doc["groups"]]
    assert page.groups == groups
    for kind, what, n in groups:
        assert re.search(rf"^  {re.escape(kind)}\s+{re.escape(what)}\s+{n:,}\s", text, re.M), (kind, what, text)
    for g in doc["groups"]:
        assert {ex["parcel"] for ex in g["examples"]} <= expected
        assert 1 <= len(g["examples"]) <= 3
    assert set(page.examples) <= expected


def _self_contained(html):
    """The reviewer's file opens alone: no script, nothing fetched from elsewhere."""
    assert "<script" not in html and "src=" not in html and "<link" not in html
    assert not re.search(r"""href=["'](?!#)""", html) and "@import" not in html


def test_a_longer_export_window_moves_exactly_the_exported_parcels_waits(rules_copy, tmp_path):
    _longer_export_wait(rules_copy)
    expected = _really_changed(ROOT / "rules", rules_copy)
    assert len(expected) >= 5
    doc, text, page = _impact(tmp_path, "--base", str(ROOT / "rules"), "--rules", str(rules_copy))
    _same_in_all_three(doc, text, page, expected)
    wait = next(g for g in doc["groups"] if g["what"] == "wait +5 days")
    assert wait["kind"] == "date" and set(wait["rules"]) == {"export-wait"}
    assert _case_id("exported 12 days ago") in doc["changed"]
    ex = wait["examples"][0]
    assert ex["before"]["next_step"]["due"] < ex["after"]["next_step"]["due"]
    assert all(k.endswith("/ export") for k in doc["by_platform_stage"])
    assert set(doc["by_rule"]) == {"export-wait"}


def test_a_platform_timer_changes_that_platform_only(rules_copy, tmp_path):
    from advisor import Advisor
    _joom_first_scan(rules_copy, Advisor().profiles["joom"]["first_scan_react_days"] + 2)
    expected = _really_changed(ROOT / "rules", rules_copy)
    assert expected
    doc, text, page = _impact(tmp_path, "--base", str(ROOT / "rules"), "--rules", str(rules_copy))
    _same_in_all_three(doc, text, page, expected)
    assert all(k.startswith("joom / ") for k in doc["by_platform_stage"]), doc["by_platform_stage"]
    assert any(g["kind"] == "date" and g["what"] == "wait +2 days" for g in doc["groups"])


def test_a_rule_switched_off_in_an_overlay_drops_its_flag(tmp_path):
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "off.yaml").write_text("rules:\n  - {id: reused-number, disabled: true}\n", encoding="utf-8")
    expected = _really_changed(ROOT / "rules", ROOT / "rules", overlay)
    doc, text, page = _impact(tmp_path, "--rules-overlay", str(overlay))     # base: the rules without the overlay
    _same_in_all_three(doc, text, page, expected)
    assert {g["what"] for g in doc["groups"] if g["kind"] == "flag"} == {"- flag reused_number"}
    assert "(without the overlay)" in doc["before"]


def test_no_change_says_so(tmp_path):
    doc, text, page = _impact(tmp_path, "--base", str(ROOT / "rules"))
    assert doc["changed"] == [] and doc["parcels"] == int(PARCELS) + doc["cases"] and doc["cases"] > 50
    assert text.rstrip().endswith("no advice changed")
    assert page.summary["data-changed"] == "0"


def test_the_base_may_be_a_git_revision(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "rules", repo / "rules")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "rules"]):
        subprocess.run(git + args, check=True, capture_output=True)
    _joom_first_scan(repo / "rules", 30)
    code, out, err = run_cli("rules", "impact", "--rules", str(repo / "rules"), "--parcels", "100", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["before"].endswith("at HEAD") and doc["changed_count"] > 0
    code, out, err = run_cli("rules", "impact", "--rules", str(repo / "rules"), "--base", "nosuch", "--parcels", "1")
    assert code == 2 and err.startswith("error: --base: `nosuch` is neither a directory nor a git revision")
    assert "Traceback" not in err and "\nhelp: " in err


def test_impact_save_case_writes_cases_that_pass(rules_copy):
    _longer_export_wait(rules_copy, condition=False)
    code, out, err = run_cli("rules", "impact", "--base", str(ROOT / "rules"), "--rules", str(rules_copy),
                             "--parcels", "200", "--save-case")
    assert code == 0, err
    saved = rules_copy / "cases" / "90_saved_impact.yaml"
    assert "saved" in err and str(saved) in err
    from advisor import Advisor
    from advisor.workbench.cases import load_cases, run_case
    cases = [c for c in load_cases(rules_copy) if c.where.startswith("cases/90_saved_impact.yaml")]
    assert cases and all(c.name.startswith("impact: date: wait +5 days") for c in cases[:1])
    advisor = Advisor(rules=rules_copy)
    assert all(run_case(advisor, c).ok for c in cases)
    code, out, err = run_cli("rules", "impact", "--base", str(ROOT / "rules"), "--rules", str(rules_copy),
                             "--parcels", "200", "--save-case")
    assert len(load_cases(rules_copy)) == len(load_cases(ROOT / "rules")) + len(cases)     # not written twice


PLANTED_WAIT = """rules:
  - id: export-wait-forever
    title: A wait far too long (planted by a test)
    source: [W3]
    priority: 1
    when: {stage: export, received: false, dispute_open: false, refund_received: false}
    then:
      action: {id: wait, due: today + 400d, text: {en: "Wait.", ru: "Подождите."}}
      replaces: [open_dispute]
"""


def test_safety_save_case_keeps_the_counterexample(tmp_path):
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "wait.yaml").write_text(PLANTED_WAIT, encoding="utf-8")
    code, out, err = run_cli("rules", "safety", "--rules-overlay", str(overlay), "--parcels", "300", "--show", "2", "--save-case")
    assert code == 1 and "deadline_safety" in out
    saved = yaml.safe_load((overlay / "cases" / "90_saved_safety.yaml").read_text(encoding="utf-8"))["cases"]
    broken = re.findall(r"^(\w+): [\d,]+$", out, re.M)
    assert "deadline_safety" in broken and 1 <= len(saved) <= 2 * len(broken)
    ours = [c for c in saved if c["name"].startswith("safety: deadline_safety (generated ")]
    assert ours and all(c["expect"]["actions"] and "today" not in c["facts"] and c["today"] for c in ours)
    code, out, err = run_cli("rules", "test", "--rules-overlay", str(overlay), "-q", "--parcels", "0")
    assert code == 1 and "FAIL cases/90_saved_safety.yaml" in out and "safety: " in out


NEVER = """rules:
  - id: export-a-century
    title: Exported a century ago (planted by a test)
    source: [W3]
    when: {stage: export, received: false, days_in_stage: {above: 36500}}
    then:
      flag: no_movement
"""


def test_coverage_names_what_never_fires(tmp_path):
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "never.yaml").write_text(NEVER + "  - {id: wrong-destination, disabled: true}\n", encoding="utf-8")
    code, out, err = run_cli("rules", "coverage", "--rules-overlay", str(overlay), "--parcels", "200", "--format", "json")
    assert code == 0, err
    cov = json.loads(out)
    assert cov["rules"]["never"] == ["export-a-century"]
    assert cov["conditions"]["never"] == ["export-a-century: days_in_stage: {above: 36500}"]
    assert cov["messages"]["never"] == ["dispute/wrong_destination"]
    assert cov["rules"]["covered"] == cov["rules"]["total"] - 1
    share = 100 * sum(cov[k]["covered"] for k in ("rules", "conditions", "messages")) / \
        sum(cov[k]["total"] for k in ("rules", "conditions", "messages"))
    assert cov["percent"] == round(share, 1) < 100
    code, out, err = run_cli("rules", "coverage", "--rules-overlay", str(overlay), "--parcels", "50", "--fail-under", "100")
    assert code == 1 and "rules never fired: export-a-century" in out and "is under 100%" in err
    code, _, _ = run_cli("rules", "coverage", "--rules-overlay", str(overlay), "--parcels", "50", "--fail-under", "90")
    assert code == 0


def test_rules_test_prints_the_coverage():
    code, out, err = run_cli("rules", "test", "-q", "--parcels", "100")
    assert code == 0, out + err
    assert re.search(r"^coverage over [\d,]+ parcels \(0 refused\): 100\.0%$", out, re.M)
    assert "  rules never fired: none" in out and "  messages never given: none" in out


def test_the_tables_in_docs_are_up_to_date():
    code, out, err = run_cli("rules", "table")
    assert code == 0, err
    doc = ROOT / "docs" / "rule-tables.md"
    assert out == doc.read_text(encoding="utf-8"), \
        "docs/rule-tables.md is out of date: run `advise rules table -o docs/rule-tables.md`"


def test_a_table_shows_a_platforms_own_numbers(rules_copy, tmp_path):
    _joom_first_scan(rules_copy, 5)
    code, out, err = run_cli("rules", "table", str(rules_copy))
    assert code == 0, err
    joom = out.split("## Wait windows, deadlines and thresholds on Joom")[1].split("\n## ")[0]
    row = next(ln for ln in joom.splitlines() if "`wait-first-scan`" in ln)
    assert "days_since_track_issued < 5 + season_extra_days" in row and "W1" in row
    aliexpress = out.split("on AliExpress")[1].split("\n## ")[0]
    from advisor import Advisor
    ali = Advisor().profiles["aliexpress"]["first_scan_react_days"]
    assert f"days_since_track_issued < {ali} + season_extra_days" in aliexpress
    page = tmp_path / "tables.html"
    code, _, err = run_cli("rules", "table", str(rules_copy), "--format", "html", "-o", str(page))
    assert code == 0, err

    class Rows(HTMLParser):
        rules: dict = {}

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "table" and "data-platform" in a:
                self.platform = a["data-platform"]
            if tag == "tr" and "data-rule" in a:
                self.rules.setdefault(self.platform, []).append(a["data-rule"])

    rows = Rows()
    rows.feed(page.read_text(encoding="utf-8"))
    assert set(rows.rules) == {"aliexpress", "joom", "ebay", "ok"}
    assert "joom-untracked-wait" in rows.rules["joom"] and "joom-untracked-wait" not in rows.rules["aliexpress"]


def test_why_not_all_covers_every_rule_of_the_platform():
    from advisor import Advisor
    book = Advisor().book
    here = [r.id for r in book.rules if not r.platforms or "aliexpress" in r.platforms]
    args = ["RK190321410CN", "--today", "2026-11-22", "--event", "2026-11-01=Экспорт", "--no-messages", "--why-not", "all"]
    code, out, err = run_cli(*args, "--format", "json")
    assert code == 0, err
    why = json.loads(out)["why_not"]
    assert sorted(w["rule"] for w in why["rules"]) == sorted(here)
    fired = [w["rule"] for w in why["rules"] if w["fired"]]
    assert fired and fired == [w["rule"] for w in why["rules"][:len(fired)]]
    missed = [w for w in why["rules"] if not w["fired"]]
    assert all(any(not c["holds"] for c in w["conditions"]) for w in missed)
    assert set(why["other_platforms"]) == {r.id for r in book.rules} - set(here)
    code, out, err = run_cli(*args)
    assert f"on AliExpress, {len(fired)} {'rule' if len(fired) == 1 else 'rules'} fired and {len(here) - len(fired)} did not" in out
    assert all(f"- {w['rule']} ({w['file']}:{w['line']}): it did not fire" in out for w in missed)
    assert all(f"- {r} ({book.by_id[r].file}:{book.by_id[r].line}): all conditions hold" in out for r in fired)
    assert "[NO ] days_in_stage:" in out
    code, out, err = run_cli(*args, "--lang", "ru")
    assert code == 0, err
    assert f"на площадке AliExpress сработало {len(fired)} " in out and "[НЕТ] days_in_stage" in out


def test_a_progress_bar_on_a_terminal_and_none_in_a_pipe():
    import sys
    import pexpect
    from conftest import CACHE
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PARCEL_ADVISOR_CACHE": CACHE, "NO_COLOR": "1",
           "PYTHONPATH": str(ROOT)}
    c = terminal(sys.executable, ["-m", "advisor", "rules", "impact", "--base", "rules", "--parcels", "400"],
                      env=env, cwd=str(ROOT), encoding="utf-8", timeout=120, dimensions=(24, 120))
    c.expect(r"advising\s+\[[#-]+\]\s+\d+/\d+")
    c.expect("no advice changed")
    c.expect(pexpect.EOF)
    c.close()
    assert c.exitstatus == 0
    code, out, err = run_cli("rules", "impact", "--base", "rules", "--parcels", "10")
    assert code == 0 and err == "" and "advising" not in out


def test_generated_parcels_put_each_city_in_its_own_country():
    """A generated buyer's address is a real one: the gazetteer knows the city in the order's
    country (never Almaty in Russia or Moscow in Kazakhstan), and the tracker's spelling of it is
    the same city there, so no generated parcel is a wrong destination by accident."""
    from advisor import Advisor
    from advisor.knowledge.places import Places
    from advisor.workbench.timelines import parcels
    places = Places(ROOT / "rules")
    seen = set()
    for doc in parcels(Advisor(), 2000, 1):
        dest = doc["order"].get("destination") or {}
        if "city" not in dest:
            continue
        seen.add(dest["country"])
        assert places.ids(dest["city"], dest["country"]), dest
        tracked = doc.get("tracked_destination")
        if tracked:
            assert tracked["country"] == dest["country"]
            assert places.same_city(dest["city"], tracked["city"], dest["country"]) is True, (dest, tracked)
    assert seen >= {"RU", "BY", "KZ", "UA"}
