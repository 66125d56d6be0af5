"""`--why-not RULE_ID`: which condition of a rule held and which did not, for one parcel;
`--why-not all`: every rule at once, for an editor asking why the advice is what it is.

It reads the same compiled durable_rules expression the engine gets (one condition at a time),
with durable_rules' own semantics: a test on a missing fact is false, `$neq` too; `$nex` is true.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from advisor.base.errors import FactsError, did_you_mean
from advisor.base.i18n import DEFAULT
from advisor.engine.compiler import compile_map
from advisor.knowledge.rulelang import DATES, holds
from advisor.base.yamlfile import plain

if TYPE_CHECKING:
    from advisor.api import Advisor, Prepared
    from advisor.reading.facts import Facts
    from advisor.knowledge.rulebook import Rule

def why_not(advisor: Advisor, facts: dict[str, Any] | Facts, rule_id: str, *, today: dt.date | None = None, lang: str = DEFAULT) -> dict[str, Any]:
    """Each condition of the rule with the fact's value and whether it held, plus the verdict
    (in `lang`: its wording is `templates/<lang>/why_not.txt.j2`). `all`: every rule at once,
    as `{"all": true, "rules": [...]}`, the rules that fired first."""
    if rule_id != "all" and rule_id not in advisor.book.by_id:
        raise FactsError(f"unknown rule `{rule_id}`", where="--why-not",
                         help=did_you_mean(rule_id, advisor.book.by_id)
                         or "rule ids are the `id:` fields under rules/advice/, or `all` for every rule")
    p = advisor.prepare(facts, today)
    fired = advisor.compiled.evaluate(p.facts.platform, p.derived.engine)
    if rule_id != "all":
        return _one(advisor, advisor.book.by_id[rule_id], p, fired, lang)
    each = [_one(advisor, rule, p, fired, lang) for rule in advisor.book.rules]
    here = [w for w in each if "only_for" not in w]
    return {"rule": "all", "all": True, "platform": p.facts.platform,
            "rules": [w for w in here if w["fired"]] + [w for w in here if not w["fired"]],
            "other_platforms": [w["rule"] for w in each if "only_for" in w],
            "verdict": advisor.renderer.file("why_not.txt.j2", lang, {
                "kind": "all", "fired": sum(w["fired"] for w in here), "not_fired": sum(not w["fired"] for w in here),
                "others": sum("only_for" in w for w in each),
                "platform": advisor.profiles[p.facts.platform]["name"][lang]})}


def _one(advisor: Advisor, rule: Rule, p: Prepared, fired: list[str], lang: str) -> dict[str, Any]:
    def say(kind: str, **values: Any) -> str:
        return advisor.renderer.file("why_not.txt.j2", lang, dict(values, kind=kind))

    fact = p.derived.engine
    platform = p.facts.platform
    profile = advisor.profiles[platform]
    out: dict[str, Any] = {"rule": rule.id, "file": rule.file, "line": rule.line, "source": rule.source,
           "platform": platform, "conditions": [], "fired": False, "replaced_by": []}
    if rule.platforms and platform not in rule.platforms:
        out["verdict"] = say("only_for", platforms=rule.platforms, platform=platform)
        out["only_for"] = list(rule.platforms)
        return out
    for fname, cond in rule.when.items():
        terms = compile_map({fname: cond}, profile)
        shown = {f: fact.get(f) for f in ([fname] if fname != "any" else _names(cond))}
        if terms is None:
            out["conditions"].append({"fact": fname, "condition": plain(cond), "value": shown, "holds": False,
                                      "why": say("no_profile_value", platform=platform)})
            continue
        ok = all(holds(t, fact) for t in terms)
        out["conditions"].append({"fact": fname, "condition": plain(cond), "value": shown, "holds": ok})
    for name, engine_fact in _needed_dates(rule):
        present = engine_fact in fact
        out["conditions"].append({"fact": engine_fact, "condition": say("date_known", name=name),
                                  "value": {engine_fact: fact.get(engine_fact)}, "holds": present})
    out["fired"] = rule.id in fired
    if out["fired"]:
        actions = [o.id for o in rule.outputs if o.kind == "action"]
        out["replaced_by"] = [r for r in fired if r != rule.id and advisor.book.by_id[r].priority <= rule.priority
                              and set(actions) & set(advisor.book.by_id[r].replaces)]
        out["verdict"] = say("fired", replaced_by=out["replaced_by"])
    else:
        out["verdict"] = say("not_fired", failed=[c["fact"] for c in out["conditions"] if not c["holds"]])
    return out


def _needed_dates(rule: Rule) -> list[tuple[str, str]]:
    """The rule's date names with the engine fact each is known by (`today` has none)."""
    from advisor.engine.compiler import expr_dates
    return [(n, fact) for n in expr_dates(rule) if (fact := DATES.get(n))]


def _names(alternatives: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for alt in alternatives:
        for k, v in alt.items():
            out += _names(v) if k == "any" else [k]
    return list(dict.fromkeys(out))
