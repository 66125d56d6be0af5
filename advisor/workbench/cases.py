"""Example cases beside the rules: facts in, expected advice out (like OPA's and Cedar's tests).

One module serves both `advise rules test` and the test suite, so a support person and CI see
the same verdict. A case file is `rules/cases/*.yaml` with an optional `today:` for all cases and
a list `cases:` of `{name, today?, platform?, facts, expect}`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.base.i18n import LANGS
from advisor.base.errors import AdvisorError, RulesError, did_you_mean, one_of
from advisor.base.dates import read_day
from advisor.base.location import Location
from advisor.base.yamlfile import Located, load, plain

if TYPE_CHECKING:
    from advisor.api import Advisor

# expect key -> (what it compares, must be present/absent)
LIST_KEYS = {
    "actions": ("actions", True), "no_actions": ("actions", False),
    "flags": ("flags", True), "no_flags": ("flags", False),
    "warnings": ("warnings", True), "no_warnings": ("warnings", False),
    "deadlines": ("deadlines", True),
    "messages": ("messages", True), "no_messages": ("messages", False),
    "rules": ("rules", True), "no_rules": ("rules", False),
}
SCALAR_KEYS = {"next", "due", "stage", "notes"}
# expect key -> how a step's date compares with the one given: `due_of: {open_dispute: 2026-12-10}`
# (the step is in the plan, dated that day), `not_before: {open_dispute: 2026-12-01}` (if the step
# is in the plan, it is dated that day or later: never too early)
DATED_KEYS = {"due_of", "not_before"}
EXPECT_KEYS = set(LIST_KEYS) | SCALAR_KEYS | DATED_KEYS


@dataclass
class Case:
    name: str
    where: str
    today: str | None
    facts: dict[str, Any]
    expect: dict[str, Any]
    source: list[str] = field(default_factory=list)    # the guidance ids the case rests on
    location: Location | None = None                     # `where`, typed: its file, line and column


@dataclass
class CaseResult:
    case: Case
    problems: list[str] = field(default_factory=list)
    fired: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.problems


def load_cases(rules_dir: Path) -> list[Case]:
    """Every case under `rules_dir/cases/`, with its `file:line` for reports."""
    out: list[Case] = []
    folder = Path(rules_dir) / "cases"
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.yaml")):
        display = f"{folder.name}/{path.name}"
        doc = load(path, display)
        if not isinstance(doc, Located) or not isinstance(doc.get("cases"), list):
            raise RulesError("a case file needs a list `cases:`", where=display)
        for i, c in enumerate(doc["cases"]):
            where = doc["cases"].where(i)
            if not isinstance(c, Located) or not isinstance(c.get("facts"), dict):
                raise RulesError("a case needs `name`, `facts` and `expect`", where=where)
            expect = c.get("expect") or Located()
            for key in expect:
                if key not in EXPECT_KEYS:
                    raise RulesError(f"unknown expectation `{key}`", where=expect.where(key),
                                     help=did_you_mean(key, EXPECT_KEYS) or one_of(EXPECT_KEYS))
            source = c.get("source") or []
            if not isinstance(source, list):
                raise RulesError("a case's `source` is a list of guidance ids", where=c.where("source"))
            out.append(Case(str(c.get("name") or f"case {i + 1}"), where,
                            str(c.get("today") or doc.get("today") or "") or None,
                            plain(c["facts"]), plain(expect), [str(x) for x in source], doc["cases"].location(i)))
    return out


def observed(advice: dict[str, Any]) -> dict[str, Any]:
    """What a case can assert on, from one advice document."""
    return {
        "actions": [a["action"] for a in advice["actions"]],
        "flags": [f["id"] for f in advice["flags"]],
        "warnings": [w["id"] for w in advice["warnings"]],
        "deadlines": [d["id"] for d in advice["deadlines"]],
        "messages": [f"{m['kind']}/{m['purpose']}" for m in advice["messages"]],
        "rules": [t["rule"] for t in advice["trace"]],
        "next": (advice.get("next_step") or {}).get("action"),
        "due": (advice.get("next_step") or {}).get("due"),
        "stage": advice["stage"],
        "notes": [n["kind"] for n in advice.get("notes", [])],
    }


def run_case(advisor: Advisor, case: Case) -> CaseResult:
    result = CaseResult(case)
    unknown = [g for g in case.source if g not in advisor.guidance_ids]
    if unknown:
        result.problems.append(f"source: unknown guidance id {', '.join(f'`{g}`' for g in unknown)}")
    try:
        today = read_day(case.today, case.where)
        advice = advisor.advise(case.facts, today=today).to_dict()
    except ValueError:
        result.problems.append(f"`today` is not a date: `{case.today}`")
        return result
    except AdvisorError as e:
        result.problems.append(f"the facts were refused: {e.message}")
        return result
    seen = observed(advice)
    result.fired = set(seen["rules"])
    for key, want in case.expect.items():
        if key in LIST_KEYS:
            what, present = LIST_KEYS[key]
            want = [str(w) for w in (want if isinstance(want, list) else [want])]
            bad = [w for w in want if (w in seen[what]) != present]
            if bad:
                verb = "missing" if present else "unexpected"
                result.problems.append(f"{key}: {verb} {', '.join(f'`{b}`' for b in bad)}; got "
                                       f"[{', '.join(seen[what])}]")
        elif key in DATED_KEYS:
            if not isinstance(want, dict):
                result.problems.append(f"{key}: expected a mapping of action ids to dates")
                continue
            dues = {a["action"]: a["due"] for a in advice["actions"]}
            for action, day in want.items():
                got = dues.get(action)
                if key == "due_of" and got != str(day):
                    result.problems.append(f"due_of: `{action}` should be dated {day}, got "
                                           f"{got if action in dues else 'no such step'}")
                elif key == "not_before" and got is not None and got < str(day):
                    result.problems.append(f"not_before: `{action}` is dated {got}, before {day}")
        elif key == "notes":
            want = [str(w) for w in (want if isinstance(want, list) else [want])]
            missing = [w for w in want if w not in seen["notes"]]
            if missing:
                result.problems.append(f"notes: missing {', '.join(missing)}; got {seen['notes']}")
        elif str(want) != str(seen[key]):
            result.problems.append(f"{key}: expected `{want}`, got `{seen[key]}`")
    for n in advice.get("notes", []):
        if n["kind"] == "safety_repair":     # the rules broke a guarantee of rules/safety.yaml
            result.problems.append(f"safety: {n['detail']}")
    for m in advice["messages"]:
        for lang in LANGS:
            text = m.get(lang) or ""
            if not text.strip() or "{{" in text or "None" in text:
                result.problems.append(f"message {m['kind']}/{m['purpose']} ({lang}) is empty or has a placeholder left")
    return result


def coverage(advisor: Advisor, results: list[CaseResult]) -> dict[str, Any]:
    """Rules no case fires, and guidance ids no rule cites or no fired rule exercises."""
    fired = set().union(*(r.fired for r in results)) if results else set()
    rules = [r.id for r in advisor.book.rules]
    cited = {str(s) for r in advisor.book.rules for s in r.source}
    exercised = {str(s) for r in advisor.book.rules if r.id in fired for s in r.source}
    ids = set(advisor.guidance_ids) - set(advisor.seed_ids)
    return {
        "rules": len(rules),
        "cases": len(results),
        "rules_not_exercised": sorted(set(rules) - fired),
        "guidance_not_cited": sorted(ids - cited),
        "guidance_not_exercised": sorted(ids - exercised),
    }
