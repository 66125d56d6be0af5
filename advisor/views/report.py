"""The text report a person reads, rendered from `templates/<lang>/report.txt.j2`, and the
`--explain` view of the trace."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Callable

import click

from advisor.reading.trackcode import also_readings

if TYPE_CHECKING:
    from advisor.advice.build import Advice
    from advisor.api import Advisor


def _styler(color: bool) -> Callable[..., str]:
    styles: dict[str, dict[str, Any]] = {"high": {"fg": "red", "bold": True}, "warn": {"fg": "yellow"}, "info": {"fg": "cyan"},
              "head": {"bold": True}, "dim": {"dim": True}}

    def em(text: object, kind: str = "head") -> str:
        return click.style(str(text), **styles.get(kind, {})) if color else str(text)
    return em


def view(advisor: Advisor, advice: Advice, lang: str) -> dict[str, Any]:
    """What the report template shows: the advice plus labels in the chosen language."""
    d = advice.to_dict()
    v = advisor.vocab
    today = advice.today
    timing = {action: kind for kind, ids in (v.get("timing") or {}).items() for action in ids}
    words = advisor.profiles[d["platform"]].get("words") or {}
    actions = [dict(a, label=(words.get(s.action) or v["actions"][s.action])[lang], when=s.due, timing=timing.get(s.action, "by"),
                    overdue=bool(s.due and s.due < today)) for s, a in zip(advice.steps, d["actions"])]
    assert advisor.formats is not None          # an Advisor's knowledge is whole
    names = {f.id: f.name for f in advisor.formats.formats}
    elsewhere = {f.id for f in advisor.formats.formats if f.platforms and d["platform"] not in f.platforms}
    track = d["track"]
    # the readings the uncertainty note names too: valid, none of other platforms only (a Joom buyer has no
    # AliExpress order number)
    readings = [names.get(c["format"], {}).get(lang) or c["format"] for c in also_readings(
        (track or {}).get("candidates", []), lambda c: str(names.get(c["format"]) or c["format"]), lambda c: c["format"] not in elsewhere)]
    return {
        "a": d, "today": today, "tomorrow": today + dt.timedelta(days=1), "actions": actions, "readings": readings,
        "next": actions[0] if actions else None,
        "stage_label": v["stages"][d["stage"]][lang],
        "deadlines": [dict(x, when=t.date) for t, x in zip(advice.deadlines, d["deadlines"])],
        "track": d["track"],
        "flags": d["flags"], "warnings": d["warnings"], "messages": d["messages"],
        "missing": d["missing"], "notes": d["notes"], "history": d.get("history"),
        "days": d["days"],
        # what the platform calls a dispute (rules/platforms.yaml `words`): «жалоба» on Odnoklassniki
        "words": words,
        "form_lang": (advisor.profiles[d["platform"]].get("language") or {}).get("form") or "buyer",
    }


def render_text(advisor: Advisor, advice: Advice, lang: str, color: bool = False) -> str:
    ctx = view(advisor, advice, lang)
    ctx["em"] = _styler(color)
    return advisor.renderer.file("report.txt.j2", lang, ctx)


def render_explain(advisor: Advisor, advice: Advice, lang: str, why_not: dict[str, Any] | None = None) -> str:
    ctx = view(advisor, advice, lang)
    doc = advice.to_dict()
    ctx["trace"] = doc["trace"]
    ctx["read"] = [dict(e, label=advisor.vocab["stages"][e["stage"]][lang] if e.get("stage") else None)
                   for e in doc["events"]]
    ctx["why_not"] = why_not
    ctx["em"] = _styler(False)
    return advisor.renderer.file("explain.txt.j2", lang, ctx)
