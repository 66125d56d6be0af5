"""`advise rules table`: the rules as the tables a support person reads and reviews, generated
from whatever rules exist (never written by hand): each platform's timers, then per platform and
stage every rule with a wait window, a deadline or a threshold, what it advises and by when, and
the guidance ids it cites. Profile values (`profile.dispute_earliest_days`) are put in as that
platform's numbers, so a reviewer sees "< 10" on AliExpress and "< 3" on Joom.

Markdown for docs/ (docs/rule-tables.md is this output, kept up to date by a test) or HTML. The
words are in `templates/workbench/texts.yaml`, the labels of stages and actions in vocabulary.yaml.
"""
from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

from advisor.engine.compiler import compile_map
from advisor.knowledge.rulelang import sum_terms
from advisor.base.resources import templates_dir
from advisor.base.yamlfile import load, plain

if TYPE_CHECKING:
    from advisor.api import Advisor
    from advisor.knowledge.rulebook import Rule

SYMBOLS = {"below": "<", "at_most": "≤", "above": ">", "at_least": "≥"}
_PROFILE = re.compile(r"profile\.(\w+)")
_DAYS_RUN = re.compile(r"([+-]) (\d+)d ([+-]) (\d+)d")


def texts(lang: str) -> dict[str, str]:
    return {k: v[lang] for k, v in load(templates_dir() / "workbench" / "texts.yaml",
                                        "templates/workbench/texts.yaml").items()}


def number(value: object, profile: dict[str, Any]) -> str:
    """A number sum with this platform's profile values added up: `7 + season_extra_days`."""
    const = 0
    names: list[str] = []
    for s, term in sum_terms(value):
        if term.isdigit():
            const += s * int(term)
        elif term.startswith("profile."):
            const += s * int(profile.get(term.split(".", 1)[1]) or 0)
        else:
            names.append(f"{'-' if s < 0 else '+'} {term}")
    if const == 0 and names:
        return " ".join([names[0].removeprefix("+ ")] + names[1:])
    return " ".join([str(const)] + names)


def due(text: str, profile: dict[str, Any]) -> str:
    """A due expression with this platform's profile values as days, runs of days added up."""
    out = _PROFILE.sub(lambda m: f"{profile.get(m[1])}d", text)
    while True:
        folded = _DAYS_RUN.sub(lambda m: _fold(m), out)
        if folded == out:
            return out
        out = folded


def _fold(m: re.Match[str]) -> str:
    total = (1 if m[1] == "+" else -1) * int(m[2]) + (1 if m[3] == "+" else -1) * int(m[4])
    return f"{'+' if total >= 0 else '-'} {abs(total)}d"


def condition(fact: str, cond: Any, profile: dict[str, Any]) -> list[str]:
    """One condition of a `when` as short phrases: `days_in_stage < 20 + season_extra_days`."""
    if fact == "any":
        alts = [" and ".join(p for f, c in alt.items() for p in condition(f, c, profile)) for alt in cond]
        return ["(" + " or ".join(f"({a})" for a in alts) + ")"]
    if not isinstance(cond, dict):
        return [f"{fact} = {_value(cond)}"]
    out = []
    for op, value in cond.items():
        if op in SYMBOLS:
            out.append(f"{fact} {SYMBOLS[op]} {number(value, profile)}")
        elif op == "not":
            out.append(f"{fact} ≠ {_value(value)}")
        elif op == "in":
            out.append(f"{fact} = {_value(value)}")
        elif op == "exists":
            out.append(f"{fact} {'known' if value else 'unknown'}")
        elif op == "includes":
            out.append(f"{fact} ∋ {value}")
    return out


def _value(v: Any) -> str:
    v = plain(v)
    if isinstance(v, list):
        return " | ".join(str(x) for x in v)
    return str(v).lower() if isinstance(v, bool) else str(v)


def _numeric(rule: Rule) -> bool:
    """A rule with a window: a comparison in its `when` or a date other than today in its outputs."""
    def walk(when: dict[str, Any]) -> bool:
        for fact, cond in when.items():
            if fact == "any" and any(walk(alt) for alt in cond):
                return True
            if isinstance(cond, dict) and set(cond) & set(SYMBOLS):
                return True
        return False
    return walk(rule.when) or any(o.due is not None and o.due.text.strip() != "today" for o in rule.outputs)


def _stages(rule: Rule, order: list[str]) -> tuple[int, list[str], bool]:
    """(route position for sorting, the stages the rule is for, whether it is `not` those)."""
    cond = rule.when.get("stage")
    if cond is None:
        return len(order), [], False
    negated = isinstance(cond, dict) and "not" in cond
    raw = cond.get("not", cond.get("in")) if isinstance(cond, dict) else cond
    stages = [str(s) for s in (plain(raw) if isinstance(plain(raw), list) else [plain(raw)])]
    first = min((order.index(s) for s in stages if s in order), default=len(order))
    return (len(order) if negated else first), stages, negated


def rows(advisor: Advisor, platform: str, lang: str) -> list[dict[str, Any]]:
    """The rules with a window on one platform, in route order of their stages."""
    vocab, profile = advisor.vocab, advisor.profiles[platform]
    order = list(vocab["stages"])
    words = texts(lang)
    out: list[dict[str, Any]] = []
    for rule in advisor.book.rules:
        if (rule.platforms and platform not in rule.platforms) or compile_map(rule.when, profile) is None \
                or not _numeric(rule):
            continue
        rank, stages, negated = _stages(rule, order)
        labels = [(vocab["stages"].get(s) or {}).get(lang, s) for s in stages]
        stage = (words["not_stage"] + " " if negated else "") + "; ".join(labels) if stages else words["any_stage"]
        when = [p for f, c in rule.when.items() if f != "stage" for p in condition(f, c, profile)]
        then: list[str] = []
        for o in rule.outputs:
            label = (vocab.get(o.kind + "s", {}).get(o.id) or {}).get(lang) if o.kind in ("action", "deadline") else None
            said = f"{o.kind} {o.id}" + (f" ({label})" if label else "")
            then.append(said + (f": {due(o.due.text, profile)}" if o.due is not None else ""))
        out.append({"rank": rank, "order": rule.order, "stage": stage, "rule": rule.id, "title": rule.title,
                    "where": rule.where, "when": when, "then": then, "source": [str(s) for s in rule.source]})
    return sorted(out, key=lambda r: (r["rank"], r["order"]))


def timers(advisor: Advisor) -> tuple[list[str], list[list[str]]]:
    """The platforms' numbers: (platform names, [timer, value per platform])."""
    platforms = list(advisor.profiles)
    keys: list[str] = []
    for p in platforms:
        keys += [k for k, v in advisor.profiles[p].items()
                 if isinstance(v, int) and not isinstance(v, bool) and k not in keys]
    return platforms, [[k] + [str(advisor.profiles[p].get(k, "—")) for p in platforms] for k in keys]


def render(advisor: Advisor, fmt: str, lang: str) -> str:
    return (markdown if fmt == "markdown" else page)(advisor, lang)


def _md(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def markdown(advisor: Advisor, lang: str) -> str:
    words = texts(lang)
    lines = [f"# {words['title']}", "", f"<!-- {words['generated']} -->", "", words["generated"], "",
             f"## {words['timers']}", ""]
    platforms, table = timers(advisor)
    names = [advisor.profiles[p]["name"][lang] for p in platforms]
    lines += ["| " + " | ".join([words["timer"]] + names) + " |", "|" + "---|" * (len(names) + 1)]
    lines += ["| " + " | ".join(f"`{c}`" if i == 0 else c for i, c in enumerate(row)) + " |" for row in table]
    for p, name in zip(platforms, names):
        lines += ["", f"## {words['per_platform'].format(platform=name)}", "",
                  f"| {words['stage']} | {words['rule']} | {words['when']} | {words['then']} | {words['guidance']} |",
                  "|---|---|---|---|---|"]
        for r in rows(advisor, p, lang):
            lines.append(f"| {_md(r['stage'])} | `{r['rule']}` {_md(r['title'])} | "
                         + "<br>".join(_md(w) for w in r["when"]) + " | " + "<br>".join(_md(t) for t in r["then"])
                         + f" | {', '.join(r['source'])} |")
    lines += ["", words["season"], ""]
    return "\n".join(lines)


def page(advisor: Advisor, lang: str) -> str:
    words = texts(lang)
    e = html.escape
    platforms, table = timers(advisor)
    names = [advisor.profiles[p]["name"][lang] for p in platforms]
    parts = [f"<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{e(words['title'])}</title>",
             "<style>body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:80rem;padding:0 1rem}"
             "table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.3rem .5rem;"
             "text-align:left;vertical-align:top}th{background:#f2f2f2}</style></head><body>",
             f"<h1>{e(words['title'])}</h1><p>{e(words['generated'])}</p>", f"<h2>{e(words['timers'])}</h2>",
             "<table id=\"timers\"><tr>" + "".join(f"<th>{e(h)}</th>" for h in [words["timer"]] + names) + "</tr>"]
    parts += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in table]
    parts.append("</table>")
    for p, name in zip(platforms, names):
        parts.append(f"<h2>{e(words['per_platform'].format(platform=name))}</h2><table data-platform=\"{e(p)}\"><tr>"
                     + "".join(f"<th>{e(words[k])}</th>" for k in ("stage", "rule", "when", "then", "guidance")) + "</tr>")
        for r in rows(advisor, p, lang):
            parts.append(f"<tr data-rule=\"{e(r['rule'])}\"><td>{e(r['stage'])}</td><td><code>{e(r['rule'])}</code> "
                         f"{e(r['title'])}</td><td>{'<br>'.join(e(w) for w in r['when'])}</td>"
                         f"<td>{'<br>'.join(e(t) for t in r['then'])}</td><td>{e(', '.join(r['source']))}</td></tr>")
        parts.append("</table>")
    parts.append(f"<p>{e(words['season'])}</p></body></html>\n")
    return "\n".join(parts)
